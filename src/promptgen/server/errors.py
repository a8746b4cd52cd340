"""Exception → JSON: every error body is {"error": {"code", "message", "request_id"}}."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from promptgen.errors import PromptGenError, RateLimited
from promptgen.server.context import request_id_of

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_HTTP_CODES = {
    # A body FastAPI cannot parse at all (bad multipart, JSON that is not UTF-8).
    400: "malformed_body",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
}


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    request_id = request_id_of(request.scope)
    # Read by server/observe.py when the response has gone out (metrics and the log line).
    request.scope.setdefault("state", {})["error_code"] = code
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message, "request_id": request_id}},
        headers=headers,
    )


def _allowed_methods(request: Request) -> str | None:
    """Every method the path takes. Starlette's 405 names only the first route's, and a GET and
    a POST on one path are two routes: /api/library/documents allowed POST, not GET."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
            if not isinstance(route, Mount)  # the web page at / matches every method
        )
    ]
    return ", ".join(allowed) or None


def install_error_handlers(app: FastAPI) -> None:
    """Map PromptGen errors, validation errors, HTTP errors and crashes to the JSON error body."""

    @app.exception_handler(PromptGenError)
    async def promptgen_error(request: Request, exc: PromptGenError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return _respond(request, exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _respond(request, 400, "malformed_json", "the request body is not valid JSON")
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
            for e in errors[:5]
        )
        return _respond(request, 422, "invalid_input", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        cause = exc.__cause__
        if isinstance(cause, PromptGenError):
            # FastAPI turns any failure while reading a body into a 400; the body limit
            # (BodyTooLarge from the request middleware) is ours and keeps its own answer.
            return await promptgen_error(request, cause)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        # Starlette's own headers matter: a 405 carries Allow (RFC 9110 §15.5.6).
        headers = dict(exc.headers or {})
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed:
            headers["Allow"] = allowed
        return _respond(request, exc.status_code, code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        app.state.logger.error(
            "Unhandled error: request_id=%s", request_id_of(request.scope), exc_info=exc
        )
        return _respond(
            request, 500, "internal", "internal error; see the server log for this request_id"
        )
