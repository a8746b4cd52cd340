"""Frozen value types passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from promptgen.wire import PrecomputeResponse

# The pipeline's stages in order; each answer times every one of them, then the total.
STAGES: tuple[str, ...] = ("intent", "retrieve", "ground", "optimize", "cost", "total")

IntentLabel = Literal["code", "math", "writing", "research", "analysis", "brainstorm", "general"]
INTENT_LABELS: tuple[str, ...] = get_args(IntentLabel)


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier message of the conversation the draft belongs to."""

    role: Literal["user", "assistant"]
    content: str


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
    # Screening flags (promptgen.screening): set when the hit is judged for the context.
    flags: tuple[str, ...] = ()


# Every Refusal.code PromptGen gives (docs/grounding.md explains each); the metrics label by them.
# What happens to Library passages screening flags (PROMPTGEN_FLAGGED_CONTEXT, grounding.screened).
FlaggedMode = Literal["keep", "rank_down", "leave_out"]
FLAGGED_MODES: tuple[FlaggedMode, ...] = get_args(FlaggedMode)

RefusalCode = Literal[
    "no_grounding", "empty_library", "no_query_terms", "too_few_terms", "library_unavailable"
]
REFUSAL_CODES: tuple[str, ...] = get_args(RefusalCode)


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
    # settings route_balanced_at / route_frontier_at. None when the request named the model: the
    # router does not run then.
    strong_benefit: float | None = None


WarningCategory = Literal["secret", "personal"]


@dataclass(frozen=True, slots=True)
class DraftWarning:
    """A secret or a piece of personal data found in the draft: its kind and character span."""

    kind: str
    start: int
    end: int
    category: WarningCategory
    preview: str = ""  # a few leading characters and the length, never the whole value


@dataclass(frozen=True, slots=True)
class PrecomputeResult:
    """Everything PromptGen answers for one draft; ``response()`` is the public JSON contract."""

    request_id: str
    version: str
    intent: Intent
    grounding: Grounding
    optimized: Optimized
    model: ModelChoice
    timings_ms: dict[str, float] = field(default_factory=dict)
    cached: bool = False  # answered from the answer cache (no stage ran)
    # The draft's template variables ({{name}}, {name}, $NAME, <name>) as typed, distinct, in
    # order of first appearance (variables.py); the optimized prompt keeps each verbatim.
    variables: tuple[str, ...] = ()
    warnings: tuple[DraftWarning, ...] = ()  # secrets and personal data in the draft (safety.py)

    @property
    def grounded(self) -> bool:
        """True when the Library grounds the draft."""
        return self.grounding.is_grounded

    @property
    def optimized_prompt(self) -> str | None:
        """The optimized prompt, or None when refused."""
        return self.optimized.prompt

    def response(self) -> PrecomputeResponse:
        """The public answer (the HTTP body, ``promptgen precompute --json``): see wire.py."""
        from promptgen.wire import response

        return response(self)
