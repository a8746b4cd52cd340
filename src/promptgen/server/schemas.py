"""Request, error and operations models of the HTTP API; the precompute answer is wire.py's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from promptgen.engine import PrecomputeOptions
from promptgen.types import Turn

# ASCII on purpose: JSON Schema's \w is ASCII, Python's is Unicode, and the schema must say
# exactly what the server accepts.
LIBRARY_PATTERN = r"^[A-Za-z0-9_.-]+$"


def _whole_number(value: object) -> object:
    """JSON Schema's integer: 38.0 is one (so strict mode must take it), "38" and true are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# After the bounds: a validator before them would hide them from the JSON Schema (pydantic).
WholeNumber = BeforeValidator(_whole_number)


class PrecomputeOptionsIn(BaseModel):
    """Optional per-request knobs."""

    # Strict: a JSON true is not a budget, nor "5" a count; the schema's types are the types.
    model_config = ConfigDict(extra="forbid", strict=True)

    max_context: Annotated[int, Field(ge=1, le=50), WholeNumber] | None = Field(
        None, description="Most passages to insert."
    )
    # Finite: Python's JSON reads Infinity, NaN and 1e999 (an overflow) as floats, and no
    # budget is infinite; JSON Schema has no such numbers either.
    budget_usd: float | None = Field(
        None, gt=0, allow_inf_nan=False, description="Most USD to spend on the call."
    )
    model: str | None = Field(None, max_length=100, description="Price this catalogued model.")


class TurnIn(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["user", "assistant"]
    content: StrictStr = Field(min_length=1, max_length=20_000)


class PrecomputeRequest(BaseModel):
    """The draft being typed."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: StrictStr = Field(description="The draft, as typed (1..PROMPTGEN_MAX_TEXT_CHARS).")
    library: str | None = Field(None, min_length=1, max_length=64, pattern=LIBRARY_PATTERN)
    options: PrecomputeOptionsIn | None = None
    history: list[TurnIn] | None = Field(
        None,
        max_length=1000,
        description="The conversation so far, oldest first (bounded by "
        "PROMPTGEN_MAX_HISTORY_TURNS and _CHARS): a follow-up such as 'and for PostgreSQL?' is "
        "classified, grounded and optimized with the turn it follows.",
    )

    def engine_options(self) -> PrecomputeOptions:
        """The engine's options: the fields have the same names (a test keeps them so)."""
        given = self.options.model_dump() if self.options else {}
        history = tuple(Turn(t.role, t.content) for t in self.history or ())
        return PrecomputeOptions(library=self.library, history=history, **given)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code.")
    message: str = Field(description="What is wrong and what to do, for a person.")
    request_id: str


class ErrorBody(BaseModel):
    """Every error response has this shape."""

    error: ErrorDetail


class ConfigOut(BaseModel):
    """What the web page needs to know."""

    typing_intelligence: bool = Field(
        description="FEATURE_TYPING_INTELLIGENCE: show the indicator."
    )
    available: bool = Field(
        description="False when the engine could not be built (precompute is 503)."
    )
    debounce_ms: int
    min_chars: int
    max_text_chars: int
    auth_required: bool
    library: str = Field(description="The Library used when a request names none.")
    version: str


class HealthOut(BaseModel):
    status: str


class DeepHealthOut(BaseModel):
    status: str
    checks: dict[str, bool]
    details: dict[str, str]
    version: str


class DocumentOut(BaseModel):
    id: int
    library: str
    source: str
    title: str
    kind: str
    chunks: int
    ingested_at: str


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    total: int


class IngestOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    removed: int
    chunks: int
    seconds: float
    failed: list[dict[str, str]]


class HitOut(BaseModel):
    id: int
    document_id: int
    source: str
    title: str
    text: str
    score: float
    bm25: float


class SearchOut(BaseModel):
    hits: list[HitOut]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "malformed_json, malformed_body, empty_text, invalid_text or invalid_input",
        401: "unauthorized: missing or wrong API key",
        403: "forbidden: the key's scope or Libraries do not cover the request",
        404: "unknown_model, document_not_found or not_found",
        413: "text_too_long or body_too_large",
        422: "invalid_input (wrong types or fields), budget_exceeded",
        429: "rate_limited",
        503: "promptgen_unavailable or library_unavailable",
    }.items()
}
