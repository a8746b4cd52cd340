"""A precompute waiting on the Library does not stall the worker's other requests (#15 item 3).

The route runs the pipeline in the thread pool: the store's reads and the search are I/O (a
network round trip, or a pool timeout, on PostgreSQL). Were it run on the event loop, a stuck
read would hold every request of the worker, /health included.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from tests.fakes import WrappedLibrary

pytestmark = pytest.mark.anyio
# Only a safety bound: the test is decided by the order of events, never by how long they take.
BOUND_S = 10.0


class StuckLibrary(WrappedLibrary):
    """A retriever whose read blocks until released."""

    def __init__(self, real: PromptGen) -> None:
        super().__init__(real.retriever)
        self.entered = threading.Event()
        self.released = threading.Event()
        self.returned = threading.Event()

    def before(self) -> None:
        self.entered.set()
        self.released.wait(BOUND_S)
        self.returned.set()


async def test_health_answers_while_a_precompute_waits_on_the_library(
    make_client: Callable[..., httpx.AsyncClient],
    tmp_path: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/stuck.db")
    plain = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    stuck = StuckLibrary(plain)
    engine = PromptGen(
        settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer, retriever=stuck
    )
    async with make_client(engine=engine) as client:
        waiting = asyncio.create_task(
            client.post("/api/precompute", json={"text": "how do we roll back a release?"})
        )
        assert await asyncio.to_thread(stuck.entered.wait, BOUND_S)
        health = await client.get("/health")
        answered_while_stuck = not stuck.returned.is_set()
        stuck.released.set()
        precompute = await waiting
    engine.close()
    plain.close()
    assert health.status_code == 200 and answered_while_stuck
    assert precompute.status_code == 200
