"""The public surface is deliberate: changing it must change this test."""

import promptgen


def test_all_is_pinned() -> None:
    assert sorted(promptgen.__all__) == sorted(
        [
            "BudgetExceeded",
            "Grounding",
            "Hit",
            "Intent",
            "InvalidInput",
            "LibraryUnavailable",
            "ModelChoice",
            "Optimized",
            "PrecomputeOptions",
            "PrecomputeResult",
            "PromptGen",
            "PromptGenError",
            "Refusal",
            "Settings",
            "TokenCounts",
            "UnknownModel",
            "__version__",
        ]
    )
    for name in promptgen.__all__:
        assert hasattr(promptgen, name)
