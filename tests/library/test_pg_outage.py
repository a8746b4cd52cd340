"""PostgreSQL stopped and restarted: fail fast while it is down, readiness says so, then recover.

Issue #14, defect 8: with the database stopped, every precompute waited the pool's 5 s for a
connection and /health/deep gave no answer within 10 s. The breaker's clock is injected, so
this test is decided by what happens, not by how long it takes.
"""

from __future__ import annotations

from pathlib import Path

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.library.breaker import Breaker
from promptgen.library.postgres import PostgresStore
from promptgen.server.health import deep_health
from tests.pg import running_postgres

DRAFT = "which pager escalates to the secondary on call?"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_fails_fast_is_reported_and_recovers(
    notes: Path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    with running_postgres() as server:  # its own server: this test stops it
        url = server.url(server.create_database())
        clock = Clock()
        breaker = Breaker(retry_after=1.0, clock=clock)
        store = PostgresStore(url, timeout=1.0, breaker=breaker)
        pg = PromptGen(
            Settings(database_url=url),
            store=store,
            classifier=classifier,
            catalog=catalog,
            tokenizer=tokenizer,
        )
        try:
            pg.ingest([notes])
            assert pg.precompute(DRAFT).grounded

            server.stop()
            # Readiness first: the health check waits half a second for a connection at most,
            # says the database is down, and its failure opens the breaker.
            health = deep_health(pg, None)
            assert health.status == "unhealthy" and health.checks["database"] is False
            assert health.checks["promptgen_functional"] is True  # the engine degrades, answers
            assert not breaker.is_closed

            # While it is open nothing waits on the pool: refused at once, saying it is down.
            refusal = pg.precompute(DRAFT, fresh=True).grounding.refusal
            assert refusal is not None and refusal.code == "library_unavailable"
            assert "unreachable for" in refusal.reason

            clock.now += 1.5  # past the wait: one probe, which still finds it down
            assert pg.precompute(DRAFT, fresh=True).grounding.refusal is not None
            assert not breaker.is_closed

            server.start()
            clock.now += 1.5  # the next probe finds it back: pooled connections are replaced
            back = pg.precompute(DRAFT, fresh=True)
            assert back.grounded, back.grounding.refusal
            assert breaker.is_closed
            assert deep_health(pg, None).status == "healthy"
            assert pg.library.stats().documents == 5  # nothing was lost
        finally:
            pg.close()
