"""PromptGen: typing-time prompt intelligence (intent, grounded context, optimized prompt, cost)."""

from __future__ import annotations

__version__ = "0.1.0"

from promptgen.engine import PrecomputeOptions, PromptGen
from promptgen.errors import (
    BudgetExceeded,
    InvalidInput,
    LibraryUnavailable,
    PromptGenError,
    UnknownModel,
)
from promptgen.settings import Settings
from promptgen.types import (
    Grounding,
    Hit,
    Intent,
    ModelChoice,
    Optimized,
    PrecomputeResult,
    Refusal,
    TokenCounts,
)

__all__ = [
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
