"""FastAPI dependencies: the engine, auth and rate limits, all read from app.state.

Async on purpose: they do no I/O, and a sync dependency costs a thread-pool hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from promptgen.engine import PromptGen
from promptgen.errors import PromptGenUnavailable
from promptgen.server.security import Caller


async def get_promptgen(request: Request) -> PromptGen:
    """The app's PromptGen, or 503 promptgen_unavailable with the reason it could not be built."""
    promptgen: PromptGen | None = request.app.state.promptgen
    if promptgen is None:
        raise PromptGenUnavailable(f"PromptGen is unavailable: {request.app.state.unavailable}")
    return promptgen


async def authorize(request: Request) -> Caller:
    """The caller (their key, its scope and Libraries), after the rate limit took its token.

    Routes check what the caller may do with ``caller.require(scope, library)``.
    """
    address = request.client.host if request.client else "anonymous"
    caller: Caller = request.app.state.keys.identify(request.headers.get("authorization"), address)
    request.app.state.rate_limiter.check(caller.id)
    return caller


PromptGenDep = Annotated[PromptGen, Depends(get_promptgen)]
CallerDep = Annotated[Caller, Depends(authorize)]
