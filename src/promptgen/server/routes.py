"""Routes: /api/precompute, /api/config, /health, /health/deep, /metrics."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from promptgen import __version__
from promptgen.engine import PrecomputeOptions
from promptgen.server.deps import PromptGenDep, authorize
from promptgen.server.health import deep_health
from promptgen.server.metrics import Metrics
from promptgen.server.schemas import (
    ERROR_RESPONSES,
    ConfigOut,
    DeepHealthOut,
    HealthOut,
    PrecomputeRequest,
    PrecomputeResponse,
)

api = APIRouter(prefix="/api", dependencies=[Depends(authorize)], responses=ERROR_RESPONSES)
ops = APIRouter()


@api.post("/precompute", response_model=PrecomputeResponse, tags=["precompute"])
async def precompute(
    body: PrecomputeRequest, request: Request, promptgen: PromptGenDep
) -> Response:
    """Intent, grounded context, optimized prompt, tokens, cost and model for a draft."""
    # Runs on the event loop on purpose: the work is a few ms of CPU, and a thread-pool hop per
    # request costs more (GIL hand-offs between the loop and the workers) than it frees.
    options = body.options
    result = promptgen.precompute(
        body.text,
        PrecomputeOptions(
            library=body.library,
            max_context=options.max_context if options else None,
            budget_usd=options.budget_usd if options else None,
            model=options.model if options else None,
        ),
        request_id=request.state.request_id,
    )
    metrics: Metrics = request.app.state.metrics
    refusal = result.grounding.refusal
    metrics.observe(
        intent=result.intent.label,
        grounded=result.grounded,
        refusal=refusal.code if refusal else None,
        confidence=result.grounding.confidence,
        seconds=result.timings_ms["total"] / 1000,
    )
    request.state.outcome = {"intent": result.intent.label, "grounded": result.grounded}
    # The result is built by our own code: serialize it directly instead of re-validating it.
    return Response(json.dumps(result.to_dict(), ensure_ascii=False), media_type="application/json")


@api.get("/config", response_model=ConfigOut, tags=["web"])
def config(request: Request) -> ConfigOut:
    """Settings the web page needs: is typing intelligence on, how long to debounce."""
    settings = request.app.state.settings
    return ConfigOut(
        typing_intelligence=settings.feature_typing_intelligence,
        available=request.app.state.promptgen is not None,
        debounce_ms=settings.debounce_ms,
        min_chars=settings.min_chars,
        max_text_chars=settings.max_text_chars,
        auth_required=request.app.state.keys.required,
        version=__version__,
    )


@ops.get("/health", response_model=HealthOut, tags=["operations"])
def health() -> HealthOut:
    """Liveness: the process answers. No I/O."""
    return HealthOut(status="ok")


@ops.get(
    "/health/deep",
    response_model=DeepHealthOut,
    tags=["operations"],
    responses={503: {"model": DeepHealthOut, "description": "unhealthy"}},
)
def health_deep(request: Request) -> JSONResponse:
    """Readiness: engine built, canary precompute, database query, Library content."""
    report = deep_health(request.app.state.promptgen, request.app.state.unavailable)
    status = 200 if report.status == "healthy" else 503
    return JSONResponse(report.model_dump(), status_code=status)


@ops.get("/metrics", tags=["operations"], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus exposition text."""
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
