"""Deep health: each check runs for real and says why it failed."""

from __future__ import annotations

from promptgen import __version__
from promptgen.engine import PromptGen
from promptgen.errors import PromptGenError
from promptgen.server.schemas import DeepHealthOut

CANARY_DRAFT = "health check: how is the Library searched?"
# Details that describe the Library's content (its size, emptiness, index generation): with API
# keys on, /health/deep shows them to an admin key only.
LIBRARY_DETAILS = frozenset({"library_terms", "context_builder", "search_index"})


def deep_health(promptgen: PromptGen | None, unavailable: str | None) -> DeepHealthOut:
    """Checks from the spec; context_builder=false alone (empty Library) stays healthy."""
    checks = {
        "promptgen_import": promptgen is not None,
        "promptgen_functional": False,
        "server": True,
        "database": False,
        "context_builder": False,
    }
    details: dict[str, str] = {}
    if promptgen is None:
        details["promptgen_import"] = unavailable or "engine not built"
    else:
        try:
            promptgen.library.ping()
            checks["database"] = True
            note = promptgen.library.stats().reingest_note()
            if note:
                details["library_terms"] = note
        except PromptGenError as exc:
            details["database"] = exc.message
        try:
            details["search_index"] = promptgen.library.describe_index()
        except PromptGenError as exc:
            details["search_index"] = exc.message
        try:
            # fresh: every stage runs each time; a cached answer would hide a broken engine.
            result = promptgen.precompute(CANARY_DRAFT, request_id="health-canary", fresh=True)
            checks["promptgen_functional"] = True
            refusal = result.grounding.refusal
            if refusal and refusal.code in ("empty_library", "library_unavailable"):
                details["context_builder"] = refusal.reason
            else:
                checks["context_builder"] = True
        except Exception as exc:
            details["promptgen_functional"] = f"{type(exc).__name__}: {exc}"
    healthy = checks["promptgen_import"] and checks["promptgen_functional"] and checks["database"]
    return DeepHealthOut(
        status="healthy" if healthy else "unhealthy",
        checks=checks,
        details=details,
        version=__version__,
    )
