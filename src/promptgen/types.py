"""Frozen value types passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INTENT_LABELS: tuple[str, ...] = (
    "code",
    "math",
    "writing",
    "research",
    "analysis",
    "brainstorm",
    "general",
)


@dataclass(frozen=True, slots=True)
class Intent:
    """The classifier's answer: the top label, its probability and every label's probability."""

    label: str
    confidence: float
    scores: dict[str, float]


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved Library passage with its raw and calibrated relevance."""

    chunk_id: int
    document_id: int
    source: str
    title: str
    heading: str
    text: str
    bm25: float
    coverage: float = 0.0
    score: float = 0.0
    similarity: float = 0.0


# Every Refusal.code PromptGen gives (docs/grounding.md explains each); the metrics label by them.
REFUSAL_CODES = (
    "no_grounding",
    "empty_library",
    "no_query_terms",
    "too_few_terms",
    "library_unavailable",
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the Refusal Contract declined to optimize: a stable code and a human reason."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Grounding:
    """The Refusal Contract's decision: the passages that ground the draft, or a refusal."""

    is_grounded: bool
    confidence: float
    context: tuple[Hit, ...]
    refusal: Refusal | None
    threshold: float


@dataclass(frozen=True, slots=True)
class Optimized:
    """The rewritten prompt (None when refused) and suggestions for what the draft lacks."""

    prompt: str | None
    suggestions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Token counts for the draft, the inserted context and the expected answer."""

    prompt: int
    context: int
    estimated_output: int
    tokenizer: str
    exact: bool


@dataclass(frozen=True, slots=True)
class ModelCost:
    """One catalogued model's estimated price for this draft."""

    id: str
    estimated_cost_usd: float
    fits_context: bool = True


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The selected model, why, its cost, and every other catalogued model's cost."""

    id: str
    reason: str
    estimated_cost_usd: float
    tokens: TokenCounts
    alternatives: tuple[ModelCost, ...]
    # The router's 0..1 score: how much more the strong tier is expected to help on this draft
    # than on the benchmark prompts (the percentile of its expected gain); tiers cut it at the
    # settings route_balanced_at / route_frontier_at.
    strong_benefit: float = 0.0


@dataclass(frozen=True, slots=True)
class PrecomputeResult:
    """Everything PromptGen answers for one draft; ``to_dict`` is the public JSON contract."""

    request_id: str
    version: str
    intent: Intent
    grounding: Grounding
    optimized: Optimized
    model: ModelChoice
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def grounded(self) -> bool:
        """True when the Library grounds the draft."""
        return self.grounding.is_grounded

    @property
    def optimized_prompt(self) -> str | None:
        """The optimized prompt, or None when refused."""
        return self.optimized.prompt

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in DESIGN.md."""
        refusal = self.grounding.refusal
        tokens = self.model.tokens
        return {
            "request_id": self.request_id,
            "version": self.version,
            "intent": {
                "label": self.intent.label,
                "confidence": round(self.intent.confidence, 4),
                "scores": {k: round(v, 4) for k, v in self.intent.scores.items()},
            },
            "grounded": self.grounding.is_grounded,
            "confidence": round(self.grounding.confidence, 4),
            "context": [
                {
                    "id": hit.chunk_id,
                    "source": hit.source,
                    "title": hit.heading or hit.title,
                    "text": hit.text,
                    "score": round(hit.score, 4),
                }
                for hit in self.grounding.context
            ],
            "optimized_prompt": self.optimized.prompt,
            "suggestions": list(self.optimized.suggestions),
            "refusal": None
            if refusal is None
            else {"code": refusal.code, "reason": refusal.reason},
            "tokens": {
                "prompt": tokens.prompt,
                "context": tokens.context,
                "estimated_output": tokens.estimated_output,
                "tokenizer": tokens.tokenizer,
                "exact": tokens.exact,
            },
            "model": {
                "id": self.model.id,
                "reason": self.model.reason,
                "estimated_cost_usd": self.model.estimated_cost_usd,
                "strong_benefit": round(self.model.strong_benefit, 4),
                "alternatives": [
                    {
                        "id": alt.id,
                        "estimated_cost_usd": alt.estimated_cost_usd,
                        "fits_context": alt.fits_context,
                    }
                    for alt in self.model.alternatives
                ],
            },
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
