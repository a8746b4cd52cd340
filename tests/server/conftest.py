"""Server fixtures: in-process apps over real SQLite Libraries, called through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.server import create_app
from tests.conftest import REPO

AppFactory = Callable[..., Any]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_client(
    tmp_path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> Callable[..., httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """Build a client over an app with these settings (the demo Library unless empty=True)."""

    def build(
        *, empty: bool = False, engine: PromptGen | None = None, **overrides: Any
    ) -> httpx.AsyncClient:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/library.db",
            upload_dir=tmp_path / "uploads",
            **overrides,
        )
        if engine is None:
            engine = PromptGen(
                settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer
            )
            if not empty:
                engine.ingest([REPO / "docs"])
        app = create_app(engine, settings)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    return build


@pytest.fixture
async def client(make_client: Callable[..., httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    """A client over the demo Library with default settings."""
    async with make_client() as c:
        yield c
