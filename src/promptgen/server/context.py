"""ASGI middleware: request id, body-size limit, timing and the one log line per request
(a precompute's is written by server/observe.py)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promptgen.errors import BodyTooLarge, PromptGenError
from promptgen.server.logs import log
from promptgen.server.observe import PrecomputeObserver

_REQUEST_ID = re.compile(r"^[\w.-]{1,64}$")
UPLOAD_PATH = "/api/library/documents"


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"request body is over the {limit:,}-byte limit")


def request_id_of(scope: Scope) -> str:
    """The request id the middleware assigned (or a fresh one outside it)."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex
    return str(state["request_id"])


def error_json(code: str, message: str, request_id: str) -> bytes:
    """The one error body shape."""
    return json.dumps(
        {"error": {"code": code, "message": message, "request_id": request_id}}
    ).encode()


class RequestContext:
    """Assigns X-Request-ID, bounds the body, times the request and logs one line for it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        logger: logging.Logger,
        observer: PrecomputeObserver,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.logger = logger
        self.observer = observer
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        state = scope.setdefault("state", {})
        state["request_id"] = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        state["started"] = started = self.clock()
        limit = self.max_upload if scope["path"] == UPLOAD_PATH else self.max_body
        status = {"code": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", state["request_id"].encode()),
                ]
            await send(message)

        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        try:
            if int(headers.get("content-length") or 0) > limit:
                raise _too_large(limit)
            await self.app(scope, bounded_receive, send_with_id)
        except BodyTooLarge as exc:
            # Raised before the app ran (Content-Length), or from the body read if the app did
            # not answer it itself (server/errors.py answers the ones a route's body parse hits).
            state["error_code"] = exc.code
            if not status["started"]:
                await self._refuse(send_with_id, state["request_id"], exc)
        except Exception:
            # A crash reaches the app's outermost handler (the 500 body) only after this
            # middleware has logged the request: record its code here.
            state.setdefault("error_code", "internal")
            raise
        finally:
            self._log(scope, state, int(status["code"]), (self.clock() - started) * 1000)

    async def _refuse(self, send: Send, request_id: str, exc: PromptGenError) -> None:
        body = error_json(exc.code, exc.message, request_id)
        await send(
            {
                "type": "http.response.start",
                "status": exc.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope: Scope, state: dict[str, Any], status: int, latency_ms: float) -> None:
        fields: dict[str, Any] = {
            "request_id": state["request_id"],
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "latency_ms": round(latency_ms, 2),
        }
        if self.observer.observes(scope["method"], scope["path"]):
            self.observer.record(fields, state, status)
        else:
            log(self.logger, logging.INFO, "Request:", **fields)
