"""PromptGen: typing-time prompt intelligence (intent, grounded context, optimized prompt, cost)."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from promptgen.engine import PrecomputeOptions, PromptGen


def __getattr__(name: str) -> Any:
    """The engine is imported on first use: a process that only supervises workers (``promptgen
    serve``) or prints help stays small."""
    if name in ("PromptGen", "PrecomputeOptions"):
        from promptgen import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'promptgen' has no attribute {name!r}")


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
