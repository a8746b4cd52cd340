"""FastAPI dependencies: the engine, auth and rate limits, all read from app.state.

Async on purpose: they do no I/O, and a sync dependency costs a thread-pool hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from promptgen.engine import PromptGen
from promptgen.errors import PromptGenUnavailable


async def get_promptgen(request: Request) -> PromptGen:
    """The app's PromptGen, or 503 promptgen_unavailable with the reason it could not be built."""
    promptgen: PromptGen | None = request.app.state.promptgen
    if promptgen is None:
        raise PromptGenUnavailable(f"PromptGen is unavailable: {request.app.state.unavailable}")
    return promptgen


async def authorize(request: Request) -> None:
    """Check the API key (when keys are configured) and the caller's rate limit."""
    identity = request.app.state.keys.identity(request.headers.get("authorization"))
    caller = identity or (request.client.host if request.client else "anonymous")
    request.app.state.rate_limiter.check(caller)


PromptGenDep = Annotated[PromptGen, Depends(get_promptgen)]
