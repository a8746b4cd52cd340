"""GroundingModel's fitted parameters. Written by scripts/fit_grounding.py: do not edit."""

# Fitted on 615 refusal queries (../shared/data: cranfield + pubmedqa), Platt step folded
# in. The weights multiply promptgen.grounding.features, in FEATURES order.
WEIGHTS: tuple[float, ...] = (
    5.34066,  # coverage
    1.40973,  # score
    0.176921,  # length
    4.87386,  # margin
    5.0327,  # similarity
)
INTERCEPT = -6.9795
# The collections the weights were fitted on; every other Library is unseen.
FITTED_ON: tuple[str, ...] = ("cranfield", "pubmedqa")
# Best pooled refusal F1 on out-of-fold probabilities; the service's threshold is the
# setting PROMPTGEN_GROUNDING_THRESHOLD (promptgen.settings), keep the two in step.
THRESHOLD = 0.66
