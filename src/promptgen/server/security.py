"""Who is calling (API keys, their scope and Libraries) and per-caller rate limits."""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from promptgen.errors import Forbidden, InvalidInput, RateLimited, Unauthorized
from promptgen.keys import ApiKey, KeyFile, Scope, digest, legacy_key

log = logging.getLogger(__name__)
# How often a request may look at the keys file for changes.
RELOAD_CHECK_S = 1.0


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: their key, or None when keys are off (then everything is allowed)."""

    key: ApiKey | None
    address: str

    @property
    def id(self) -> str:
        """A non-secret id for rate limits and logs: the key's id, or the client address."""
        return self.key.id if self.key else self.address

    def require(self, scope: Scope, library: str) -> None:
        """Forbidden unless this caller may do ``scope`` on ``library``.

        The message is the same whether or not the Library exists: a key learns nothing about
        Libraries outside its own.
        """
        if self.key is None:
            return
        if not self.key.may_use(library):
            raise Forbidden("this API key may not use that Library")
        if not self.key.allows(scope):
            raise Forbidden(f"this API key's scope ({self.key.scope}) does not allow {scope}")

    def may_see(self, library: str) -> bool:
        """Whether this caller may learn anything about ``library`` (its documents, its size)."""
        return self.key is None or self.key.may_use(library)

    def libraries(self) -> tuple[str, ...] | None:
        """The Libraries this caller may list; None: every one."""
        if self.key is None or self.key.every_library:
            return None
        return self.key.libraries


class Keyring:
    """The configured keys by digest; re-reads the keys file when it changes (revocation is live).

    No keys and no keys file configured means the API is open. A configured keys file keeps it
    closed whatever becomes of the file: removed, emptied or damaged, it lets no one in (a
    damaged file keeps the keys last read from it, and says so in the log).
    """

    def __init__(
        self,
        plain: frozenset[str],
        file: Path | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._plain = {k.digest: k for k in map(legacy_key, plain)}
        self._file = KeyFile(file) if file is not None else None
        self._required = bool(plain) or file is not None
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: tuple[float, int] | None = None  # the file's (mtime, size) when read
        self._loaded = False
        self._checked = -math.inf
        self._keys = dict(self._plain)
        self._reload()

    @property
    def required(self) -> bool:
        """True when keys are configured."""
        return self._required

    def _reload(self) -> None:
        """Read the file again when its mtime or size changed (looked at once a second)."""
        if self._file is None or self._clock() - self._checked < RELOAD_CHECK_S:
            return
        with self._lock:
            self._checked = self._clock()
            try:
                stat = self._file.path.stat()
                seen: tuple[float, int] | None = (stat.st_mtime, stat.st_size)
            except FileNotFoundError:
                seen = None
            if self._loaded and seen == self._seen:
                return
            try:
                loaded = {k.digest: k for k in self._file.load()}
            except (InvalidInput, OSError) as exc:
                log.warning("Keys file unreadable, keeping the keys last read: %s", exc)
                return
            self._keys, self._seen, self._loaded = {**self._plain, **loaded}, seen, True

    def identify(self, header: str | None, address: str) -> Caller:
        """The caller; Unauthorized when keys are configured and the key is missing or wrong."""
        self._reload()
        if not self.required:
            return Caller(None, address)
        token = bearer_token(header)
        if token is None:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        wanted = digest(token)
        # Compare every digest in constant time; a dict lookup would be as safe (the caller
        # does not control the digest), this keeps the check's time independent of the keys.
        found = None
        for known, key in self._keys.items():
            if hmac.compare_digest(wanted, known):
                found = key
        if found is None:
            raise Unauthorized("wrong API key")
        return Caller(found, address)


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
