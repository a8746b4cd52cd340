"""Rate limits every worker and replica share: requests per caller per minute, counted in SQL.

The per-process token bucket (server/security.py) gives each worker its own budget, so with N
workers a caller gets N times the limit. ``SharedRateLimiter`` counts each caller's requests in a
table of fixed one-minute windows in the Library's own database: a small SQLite file beside a
SQLite Library (shared by the workers of one machine), or a table in the PostgreSQL database
(shared by every replica). One row per active caller and minute; older windows are deleted, so
memory and disk stay bounded whatever the number of callers.

Why not a library: ``limits`` stores counters only in Redis, Memcached, MongoDB or etcd, none of
which PromptGen runs; pyrate-limiter's SQL buckets count every caller in one table (a caller
needs a bucket of its own). A fixed window admits up to twice the limit across a minute
boundary; that is the price of one upsert per request.

A database that cannot be reached lets requests through (and logs it): the limit protects the
service, and the Library's own outage handling answers those requests anyway.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from promptgen.errors import RateLimited

log = logging.getLogger(__name__)

WINDOW_S = 60
# After the table's database fails, requests are not counted for this long.
RETRY_S = 5
_CREATE = (
    "CREATE TABLE IF NOT EXISTS rate_limit_windows (caller TEXT NOT NULL, window_start BIGINT"
    " NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (caller, window_start))"
)
_HIT = (
    "INSERT INTO rate_limit_windows (caller, window_start, hits) VALUES ({p}, {p}, 1)"
    " ON CONFLICT (caller, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1"
    " RETURNING hits"
)
_PRUNE = "DELETE FROM rate_limit_windows WHERE window_start < {p}"


class Windows(Protocol):
    """Counts a caller's hits in a window; deletes windows before a start."""

    def hit(self, caller: str, window_start: int) -> int: ...

    def prune(self, before: int) -> None: ...

    def close(self) -> None: ...


class SQLiteWindows:
    """The windows in a SQLite file of their own (WAL: the workers of one machine share it)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout = 1000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(_CREATE)

    def hit(self, caller: str, window_start: int) -> int:
        with self._lock:
            row = self._conn.execute(_HIT.format(p="?"), (caller, window_start)).fetchone()
        return int(row[0])

    def prune(self, before: int) -> None:
        with self._lock:
            self._conn.execute(_PRUNE.format(p="?"), (before,))

    def close(self) -> None:
        self._conn.close()


class PostgresWindows:
    """The windows in a table of the PostgreSQL database every replica shares."""

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
            url,
            kwargs={"autocommit": True, "connect_timeout": 2},
            min_size=1,
            max_size=4,
            timeout=1.0,
            name="promptgen-rate-limit",
            open=True,
        )
        with self._pool.connection() as conn:
            conn.execute(_CREATE)

    def hit(self, caller: str, window_start: int) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(_HIT.format(p="%s"), (caller, window_start)).fetchone()
        return int(row[0]) if row else 0  # type: ignore[call-overload]

    def prune(self, before: int) -> None:
        with self._pool.connection() as conn:
            conn.execute(_PRUNE.format(p="%s"), (before,))

    def close(self) -> None:
        self._pool.close()


class SharedRateLimiter:
    """``per_minute`` requests per caller per minute, whichever worker or replica answers."""

    def __init__(
        self, per_minute: int, windows: Windows, clock: Callable[[], float] = time.time
    ) -> None:
        self.per_minute = per_minute
        self._windows = windows
        self.clock = clock  # replaceable: tests turn the minute by hand
        self._pruned = -1
        self._skip_until = -math.inf

    def check(self, caller: str) -> None:
        """Count one request for ``caller``; RateLimited when the minute's budget is spent."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        if now < self._skip_until:  # its database failed a moment ago: do not wait on it again
            return
        window = int(now // WINDOW_S) * WINDOW_S
        try:
            if window != self._pruned:  # once per window and process: drop the windows before
                self._windows.prune(window - WINDOW_S)
                self._pruned = window
            hits = self._windows.hit(caller, window)
        except Exception as exc:  # the database: let the request through, say so
            log.warning("Rate limit not counted for %s s (its database failed): %s", RETRY_S, exc)
            self._skip_until = now + RETRY_S
            return
        if hits > self.per_minute:
            wait = max(1, math.ceil(window + WINDOW_S - now))
            raise RateLimited(
                f"rate limit of {self.per_minute} requests a minute reached; retry in {wait} s",
                retry_after=wait,
            )


def shared_windows(database_url: str, sqlite_path: Path | None) -> Windows:
    """The windows beside the Library: ``<library>.ratelimit`` for SQLite, a table otherwise."""
    if sqlite_path is not None:
        return SQLiteWindows(sqlite_path.with_name(sqlite_path.name + ".ratelimit"))
    return PostgresWindows(database_url)
