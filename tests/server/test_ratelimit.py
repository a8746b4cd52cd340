"""Rate limits that hold across workers and replicas (issue #14): counted in the Library's DB.

Two limiters over one table stand for two workers (SQLite) or two replicas (PostgreSQL); the
clock is injected, so windows turn by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.errors import RateLimited
from promptgen.intent.classifier import IntentClassifier
from promptgen.server import create_app
from promptgen.server.ratelimit import (
    PostgresWindows,
    SharedRateLimiter,
    SQLiteWindows,
    Windows,
)

pytest_plugins = ["tests.pg"]


class Clock:
    def __init__(self) -> None:
        self.now = 6_000.0  # the start of a window

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def open_windows(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Windows]]:
    """Opens another handle on one shared table (another worker or replica)."""
    opened: list[Windows] = []

    def another() -> Windows:
        if request.param == "sqlite":
            windows: Windows = SQLiteWindows(tmp_path / "library.db.ratelimit")
        else:
            windows = PostgresWindows(request.getfixturevalue("postgres_url"))
        opened.append(windows)
        return windows

    yield another
    for windows in opened:
        windows.close()


def test_two_workers_share_one_budget(open_windows: Callable[[], Windows]) -> None:
    clock = Clock()
    first = SharedRateLimiter(3, open_windows(), clock)
    second = SharedRateLimiter(3, open_windows(), clock)
    first.check("key-a")
    second.check("key-a")
    first.check("key-a")
    with pytest.raises(RateLimited) as limited:
        second.check("key-a")  # the fourth request, whichever worker takes it
    assert limited.value.retry_after == 60
    second.check("key-b")  # another caller has a budget of its own
    clock.now += 30
    with pytest.raises(RateLimited) as still:
        first.check("key-a")
    assert still.value.retry_after == 30
    clock.now += 30  # the next minute
    first.check("key-a")


def test_old_windows_are_deleted(tmp_path: Path) -> None:
    clock = Clock()
    windows = SQLiteWindows(tmp_path / "limits.db")
    limiter = SharedRateLimiter(100, windows, clock)
    for caller in range(50):
        limiter.check(f"caller-{caller}")
    clock.now += 120  # two windows later: the first is pruned on the next request
    limiter.check("caller-0")
    rows = windows._conn.execute("SELECT count(*) FROM rate_limit_windows").fetchone()[0]
    windows.close()
    assert rows == 1  # memory and disk stay bounded whatever the number of callers


class BrokenWindows:
    def __init__(self) -> None:
        self.calls = 0

    def hit(self, caller: str, window_start: int) -> int:
        self.calls += 1
        raise OSError("database is gone")

    def prune(self, before: int) -> None:
        self.calls += 1
        raise OSError("database is gone")

    def close(self) -> None:
        pass


def test_a_failed_database_lets_requests_through_and_is_not_asked_again_at_once() -> None:
    clock = Clock()
    broken = BrokenWindows()
    limiter = SharedRateLimiter(1, broken, clock)
    for _ in range(5):
        limiter.check("key-a")  # no error, no RateLimited: the limit fails open
    assert broken.calls == 1
    clock.now += 10
    limiter.check("key-a")
    assert broken.calls == 2


@pytest.mark.anyio
async def test_two_apps_over_one_library_share_the_limit(
    tmp_path: Path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/library.db", rate_limit_per_minute=3)
    engine = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    clock = Clock()
    clients = []
    for _ in range(2):  # two workers of one machine
        app = create_app(engine, settings)
        limiter = app.state.rate_limiter
        assert isinstance(limiter, SharedRateLimiter)  # the default: counted in the Library
        limiter.clock = clock
        clients.append(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        )
    one, two = clients
    statuses = [(await c.get("/api/config")).status_code for c in (one, two, one, two)]
    for client in clients:
        await client.aclose()
    engine.close()
    assert statuses == [200, 200, 200, 429]
