"""API keys, per-key rate limits and the request-body limit."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from promptgen.errors import RateLimited, Unauthorized


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class KeyChecker:
    """Constant-time API key check; no keys configured means the API is open."""

    def __init__(self, keys: frozenset[str]) -> None:
        self._digests = [hashlib.sha256(k.encode()).digest() for k in keys]

    @property
    def required(self) -> bool:
        """True when keys are configured."""
        return bool(self._digests)

    def identity(self, header: str | None) -> str | None:
        """A short, non-secret id of the caller's key; Unauthorized when it is wrong or missing."""
        if not self.required:
            return None
        token = bearer_token(header)
        if token is None:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        digest = hashlib.sha256(token.encode()).digest()
        if not any(hmac.compare_digest(digest, known) for known in self._digests):
            raise Unauthorized("wrong API key")
        return digest.hex()[:12]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token bucket per caller: ``per_minute`` requests a minute, bursts up to the same number.

    Per process: with several workers each enforces its own share (docs/operations.md).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, caller: str) -> None:
        """Take one token for ``caller``; RateLimited when none is left."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = math.ceil((1.0 - bucket.tokens) / rate)
                raise RateLimited(
                    f"rate limit of {self.per_minute} requests a minute reached; retry in {wait} s",
                    retry_after=wait,
                )
            bucket.tokens -= 1.0
            if len(self._buckets) > 10_000:  # bound memory under many callers
                oldest = min(self._buckets, key=lambda k: self._buckets[k].updated)
                del self._buckets[oldest]
