"""The precompute answer's wire format: one pydantic model tree and the one mapping into it.

Everything that shows a ``PrecomputeResult`` outside Python goes through ``response()``: the HTTP
route (as its ``response_model``), ``promptgen precompute --json`` and the CLI's human view. The
OpenAPI document is generated from these models, and ``web/src/api/schema.d.ts`` from that
document (``make types``), so the four copies the contract once had are one.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from promptgen.types import (
    STAGES,
    Hit,
    IntentLabel,
    PrecomputeResult,
    RefusalCode,
    WarningCategory,
)


class IntentOut(BaseModel):
    label: IntentLabel = Field(description="The most probable intent.")
    confidence: float = Field(ge=0.0, le=1.0, description="Calibrated probability of the label.")
    scores: dict[str, float] = Field(description="Every label's probability.")


class ContextOut(BaseModel):
    id: int = Field(description="The passage (chunk) id.")
    source: str = Field(description="The document it comes from.")
    title: str = Field(description="Its section heading, or the document title.")
    text: str
    score: float = Field(
        ge=0.0, le=1.0, description="Calibrated probability that the passage grounds the draft."
    )
    flags: list[str] = Field(
        default_factory=list,
        description="Screening flags: instruction_to_model (text aimed at a model), hidden_text "
        "(zero-width characters, bidi overrides, HTML comments). Empty when clean.",
    )


class RefusalOut(BaseModel):
    code: RefusalCode = Field(description="Stable code; docs/grounding.md explains each.")
    reason: str = Field(description="Why, for a person.")


class TokensOut(BaseModel):
    prompt: int = Field(description="Tokens of the prompt that would be sent.")
    context: int = Field(description="The part of them that came from the Library.")
    estimated_output: int
    tokenizer: str
    exact: bool = Field(description="False when the count is an estimate.")


class AlternativeOut(BaseModel):
    id: str
    estimated_cost_usd: float
    fits_context: bool


class ModelOut(BaseModel):
    id: str
    reason: str
    estimated_cost_usd: float
    strong_benefit: float | None = Field(
        ge=0.0,
        le=1.0,
        description="The router's estimate of how much the strong tier helps on this draft: the "
        "percentile of its expected gain among benchmark prompts (0 = least, 1 = most). Tiers "
        "cut it at PROMPTGEN_ROUTE_BALANCED_AT and PROMPTGEN_ROUTE_FRONTIER_AT; a client may "
        "apply its own cut. Null when the request named the model (the router does not run).",
    )
    alternatives: list[AlternativeOut] = Field(
        description="Every catalogued model, cheapest first."
    )


class TimingsOut(BaseModel):
    """Milliseconds per stage; an answer from the cache ran no stage (each is 0, see cached)."""

    intent: float
    retrieve: float
    ground: float
    optimize: float
    cost: float
    total: float


class WarningOut(BaseModel):
    kind: str = Field(description="What was found: aws-access-key, jwt, email, iban, ...")
    category: WarningCategory = Field(description="A secret, or personal data.")
    start: int = Field(ge=0, description="Its first character in the draft (0-based).")
    end: int = Field(ge=0, description="One past its last character.")
    preview: str = Field(description="A few leading characters and its length, never the whole.")


class PrecomputeResponse(BaseModel):
    """Everything PromptGen answers for one draft (docs/api.md)."""

    request_id: str
    version: str
    intent: IntentOut
    grounded: bool
    confidence: float = Field(ge=0.0, le=1.0, description="The best passage's score.")
    context: list[ContextOut]
    optimized_prompt: str | None = Field(description="Null when the Refusal Contract refuses.")
    suggestions: list[str]
    variables: list[str] = Field(
        description="The draft's template variables ({{name}}, {name}, $NAME, ${NAME}, "
        "<placeholder>) as typed, each once, in order of first appearance. The optimized prompt "
        "keeps every one verbatim, and none is searched as a Library term."
    )
    warnings: list[WarningOut] = Field(
        description="Secrets and personal data found in the draft, in text order (docs/api.md)."
    )
    refusal: RefusalOut | None
    tokens: TokensOut
    model: ModelOut
    cached: bool = Field(description="True when the answer came from the answer cache.")
    timings_ms: TimingsOut


def _context(hit: Hit) -> ContextOut:
    return ContextOut(
        id=hit.chunk_id,
        source=hit.source,
        title=hit.heading or hit.title,
        text=hit.text,
        score=round(hit.score, 4),
        flags=list(hit.flags),
    )


def response(result: PrecomputeResult) -> PrecomputeResponse:
    """``result`` as the public answer (probabilities to 4 places, timings to 3)."""
    refusal, tokens, model = result.grounding.refusal, result.model.tokens, result.model
    benefit = model.strong_benefit
    return PrecomputeResponse(
        request_id=result.request_id,
        version=result.version,
        intent=IntentOut(
            label=result.intent.label,
            confidence=round(result.intent.confidence, 4),
            scores={k: round(v, 4) for k, v in result.intent.scores.items()},
        ),
        grounded=result.grounding.is_grounded,
        confidence=round(result.grounding.confidence, 4),
        context=[_context(hit) for hit in result.grounding.context],
        optimized_prompt=result.optimized.prompt,
        suggestions=list(result.optimized.suggestions),
        variables=list(result.variables),
        warnings=[
            WarningOut(
                kind=w.kind, category=w.category, start=w.start, end=w.end, preview=w.preview
            )
            for w in result.warnings
        ],
        refusal=None if refusal is None else RefusalOut(code=refusal.code, reason=refusal.reason),
        tokens=TokensOut(
            prompt=tokens.prompt,
            context=tokens.context,
            estimated_output=tokens.estimated_output,
            tokenizer=tokens.tokenizer,
            exact=tokens.exact,
        ),
        model=ModelOut(
            id=model.id,
            reason=model.reason,
            estimated_cost_usd=model.estimated_cost_usd,
            strong_benefit=None if benefit is None else round(benefit, 4),
            alternatives=[
                AlternativeOut(
                    id=alt.id,
                    estimated_cost_usd=alt.estimated_cost_usd,
                    fits_context=alt.fits_context,
                )
                for alt in model.alternatives
            ],
        ),
        cached=result.cached,
        timings_ms=TimingsOut(
            **{stage: round(result.timings_ms.get(stage, 0.0), 3) for stage in STAGES}
        ),
    )
