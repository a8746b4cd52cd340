"""A precompute's metrics, outcome and one log line, recorded in one place whatever the outcome.

The route leaves its result in the request state and the error handlers their error code; when
the response has gone out, the request middleware hands both here. A 413 written by the
middleware itself, a 401 from auth, a 422 from validation and a crash are all recorded the same
way as an answer.
"""

from __future__ import annotations

import logging
from typing import Any

from promptgen.server.logs import log
from promptgen.server.metrics import Metrics
from promptgen.types import PrecomputeResult

PRECOMPUTE_PATH = "/api/precompute"


class PrecomputeObserver:
    """Records each precompute: Prometheus metrics and the "Precompute complete/error" line."""

    def __init__(self, metrics: Metrics, logger: logging.Logger) -> None:
        self.metrics = metrics
        self.logger = logger

    def observes(self, method: str, path: str) -> bool:
        """Whether the request is a precompute (a CORS preflight or a wrong method is not)."""
        return method == "POST" and path == PRECOMPUTE_PATH

    def record(self, fields: dict[str, Any], state: dict[str, Any], status: int) -> None:
        """One finished precompute request: ``fields`` are the request's log fields."""
        seconds = fields["latency_ms"] / 1000
        result: PrecomputeResult | None = state.get("result")
        if result is not None and status < 400:
            refusal = result.grounding.refusal
            self.metrics.observe(
                intent=result.intent.label,
                grounded=result.grounded,
                refusal=refusal.code if refusal else None,
                confidence=result.grounding.confidence,
                seconds=seconds,
            )
            # Never the draft's text: only what kind of draft it was and what became of it.
            log(
                self.logger,
                logging.INFO,
                "Precompute complete:",
                **fields,
                intent=result.intent.label,
                grounded=result.grounded,
                cached=result.cached,
            )
            return
        code = state.get("error_code") or "error"
        self.metrics.failed(code=code, seconds=seconds)
        level = logging.ERROR if status >= 500 else logging.WARNING
        log(self.logger, level, "Precompute error:", **fields, code=code)
