"""GroundingModel's fitted parameters. Written by scripts/fit_grounding.py: do not edit."""

# Fitted on the 614 refusal queries of ../shared/data (cranfield, pubmedqa), Platt
# step folded in. The weights multiply promptgen.grounding.features, in FEATURES order.
WEIGHTS: tuple[float, ...] = (
    4.08721,  # coverage
    2.25807,  # score
    0.329829,  # length
    5.12862,  # margin
    4.08312,  # similarity
)
INTERCEPT = -6.8139
# The collections the weights were fitted on; every other Library is unseen.
FITTED_ON: tuple[str, ...] = (
    "cranfield",
    "pubmedqa",
)
# Best pooled refusal F1 on out-of-fold probabilities: the default of the setting
# PROMPTGEN_GROUNDING_THRESHOLD (promptgen.settings reads it from here).
THRESHOLD = 0.645
# The topic gate (grounding.affinity): at most 3% of the answerable drafts of the
# labelled Libraries (the refusal sets and training/grounding's seed questions) fall below it.
MIN_AFFINITY = -1.75
