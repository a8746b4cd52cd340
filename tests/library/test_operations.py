"""The Library's own operations on the facade (``PromptGen.library``), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptgen import PromptGen
from promptgen.errors import DocumentNotFound
from tests.library.test_stores import engine, make_engine, store, where

pytest_plugins = ["tests.pg"]
__all__ = ["engine", "make_engine", "store", "where"]  # fixtures shared with test_stores


def test_documents_are_paged_by_the_database(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    everything = engine.library.documents(limit=None)
    assert everything.total == len(everything.documents) == 5
    ids = [d.id for d in everything.documents]
    assert ids == sorted(ids)  # oldest first
    pages = [engine.library.documents(limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [[d.id for d in p.documents] for p in pages] == [ids[0:2], ids[2:4], ids[4:5], []]
    assert {p.total for p in pages} == {5}


def test_documents_of_one_library(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes / "deploy.md"], library="ops")
    engine.ingest([notes / "oncall.txt", notes / "page.html"])
    ops = engine.library.documents(library="ops")
    assert ops.total == 1 and ops.documents[0].source.endswith("deploy.md")
    assert engine.library.documents(library="default").total == 2
    assert engine.library.documents(library="nowhere").total == 0
    assert engine.library.documents().total == 3


def test_delete_returns_the_document_and_keeps_search_in_step(
    engine: PromptGen, notes: Path
) -> None:
    engine.ingest([notes])
    assert engine.search("pager escalates secondary")
    doomed = next(d for d in engine.library.documents().documents if d.path.endswith("oncall.txt"))
    assert engine.library.document(doomed.id) == doomed
    assert engine.library.delete(doomed.id) == doomed
    assert engine.library.stats().documents == 4
    assert not any(h.document_id == doomed.id for h in engine.search("pager escalates secondary"))
    assert not engine.library.is_stored(Path(doomed.path))
    with pytest.raises(DocumentNotFound):
        engine.library.delete(doomed.id)
    with pytest.raises(DocumentNotFound):
        engine.library.document(doomed.id)


def test_reindex_and_describe(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    report = engine.library.reindex(full=True)
    described = engine.library.describe_index()
    if report is None:  # the index is off for this store: the store searches
        assert described.startswith("off")
    else:
        assert report.full and report.added > 0
        assert described.startswith("current")
