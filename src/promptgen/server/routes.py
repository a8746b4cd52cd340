"""Routes: /api/precompute, /api/config, /health, /health/deep, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from promptgen import __version__
from promptgen.errors import PromptGenError
from promptgen.server.deps import CallerDep, PromptGenDep, authorize
from promptgen.server.health import LIBRARY_DETAILS, deep_health
from promptgen.server.schemas import (
    ERROR_RESPONSES,
    ConfigOut,
    DeepHealthOut,
    HealthOut,
    PrecomputeRequest,
)
from promptgen.wire import PrecomputeResponse

api = APIRouter(prefix="/api", dependencies=[Depends(authorize)], responses=ERROR_RESPONSES)
ops = APIRouter()


@api.post("/precompute", response_model=PrecomputeResponse, tags=["precompute"])
async def precompute(
    body: PrecomputeRequest, request: Request, promptgen: PromptGenDep, caller: CallerDep
) -> PrecomputeResponse:
    """Intent, grounded context, optimized prompt, tokens and model for a draft."""
    caller.require("read", body.library or promptgen.settings.library)
    # Off the event loop: the store's generation read and the search are I/O (a network round
    # trip on PostgreSQL), and one slow read must not stall every other request of the worker.
    result = await run_in_threadpool(
        promptgen.precompute, body.text, body.engine_options(), request_id=request.state.request_id
    )
    request.state.result = result  # server/observe.py records it once the answer has gone out
    return result.response()


@api.get("/config", response_model=ConfigOut, tags=["web"])
def config(request: Request) -> ConfigOut:
    """Settings the web page needs: typing intelligence, debounce, limits, the default Library."""
    settings = request.app.state.settings
    promptgen = request.app.state.promptgen
    # The Library routes resolve "no name" with the engine's settings; without an engine, the app's.
    library = (promptgen.settings if promptgen is not None else settings).library
    return ConfigOut(
        typing_intelligence=settings.feature_typing_intelligence,
        available=request.app.state.promptgen is not None,
        debounce_ms=settings.debounce_ms,
        min_chars=settings.min_chars,
        max_text_chars=settings.max_text_chars,
        auth_required=request.app.state.keys.required,
        library=library,
        version=__version__,
    )


# Liveness does no I/O: async, so it never waits for a thread-pool token behind precomputes.
@ops.get("/health", response_model=HealthOut, tags=["operations"])
async def health() -> HealthOut:
    """Liveness: the process answers. No I/O."""
    return HealthOut(status="ok")


@ops.get(
    "/health/deep",
    response_model=DeepHealthOut,
    tags=["operations"],
    responses={503: {"model": DeepHealthOut, "description": "unhealthy"}},
)
def health_deep(request: Request) -> JSONResponse:
    """Readiness: engine built, canary precompute, database query, Library content.

    Open to load balancers; with keys configured, what it says about the Library's content is
    only for an admin key of the default Library (the checks themselves are for everyone).
    """
    report = deep_health(request.app.state.promptgen, request.app.state.unavailable)
    if not _may_see_library_details(request):
        report.details = {k: v for k, v in report.details.items() if k not in LIBRARY_DETAILS}
    status = 200 if report.status == "healthy" else 503
    return JSONResponse(report.model_dump(), status_code=status)


def _may_see_library_details(request: Request) -> bool:
    keys = request.app.state.keys
    if not keys.required:
        return True
    try:
        caller = keys.identify(request.headers.get("authorization"), "")
        caller.require("admin", request.app.state.settings.library)
    except PromptGenError:
        return False
    return True


@ops.get("/metrics", tags=["operations"], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus exposition text."""
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
