"""A circuit breaker for the Library's database: fail fast while it is known to be down.

Without it, every request during a PostgreSQL outage waited the pool's whole timeout (5 s) for
a connection that could not come, holding a worker thread each, and a readiness check took as
long. After a connection-level failure the breaker opens: calls fail at once for
``retry_after`` seconds. Then one caller probes the server (the others still fail fast); when
it answers, the breaker closes and traffic resumes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Breaker:
    """Open (fail fast), probing (one caller tries the server) or closed (normal)."""

    def __init__(
        self, *, retry_after: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.retry_after = retry_after
        self._clock = clock
        self._opened_at: float | None = None
        self._probing = threading.Lock()
        self.last_error = ""

    @property
    def is_closed(self) -> bool:
        """True while the database is believed reachable."""
        return self._opened_at is None

    def down_for(self) -> float:
        """Seconds since the breaker opened (0 when closed)."""
        return 0.0 if self._opened_at is None else self._clock() - self._opened_at

    def may_probe(self) -> bool:
        """True for the one caller that should try the server now; False: fail fast."""
        if self._opened_at is None or self.down_for() < self.retry_after:
            return False
        return self._probing.acquire(blocking=False)

    def probed(self, error: str | None) -> None:
        """The probe's outcome (None: the server answered); releases the probe."""
        if error is None:
            self.close()
        else:
            self.trip(error)
        self._probing.release()

    def trip(self, error: str) -> None:
        """Open (again) after a connection-level failure; the retry wait starts now."""
        self._opened_at = self._clock()
        self.last_error = error

    def close(self) -> None:
        """The database answered: back to normal."""
        self._opened_at = None
        self.last_error = ""
