"""The derived search index follows the store of record: SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import tantivy

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.library import store as store_module
from promptgen.library.index import SCHEMA_VERSION, STATE_FILE, IndexReader, SearchIndex
from promptgen.library.ingest import ingest
from tests.library.test_stores import connect, location, query

pytest_plugins = ["tests.pg"]


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh Library location of each kind."""
    return location(request, tmp_path)


@pytest.fixture
def engine(
    where: str,
    tmp_path: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> Iterator[PromptGen]:
    """PromptGen over the parametrized store, its index in tmp_path."""
    settings = Settings(index_dir=tmp_path / "index")
    pg = PromptGen(
        settings, store=connect(where), classifier=classifier, catalog=catalog, tokenizer=tokenizer
    )
    yield pg
    pg.close()


def index_of(engine: PromptGen) -> SearchIndex:
    assert engine.library.index is not None
    return engine.library.index


def caught_up(engine: PromptGen) -> IndexReader:
    """The index's reader once any background catch-up has finished."""
    index = index_of(engine)
    index.reader()  # starts the catch-up if the index is behind
    index.close()  # waits for it
    reader = index.reader()
    assert isinstance(reader, IndexReader), index.last_error
    return reader


def ids(engine: PromptGen, query: str) -> list[int]:
    return [hit.chunk_id for hit in engine.search(query)]


def test_ingest_leaves_the_index_current_and_ranking_like_the_store(
    engine: PromptGen, notes: Path
) -> None:
    engine.ingest([notes])
    reader = index_of(engine).reader()
    assert isinstance(reader, IndexReader)
    for terms in (["rollback", "billing"], ["kafka", "retention"], ["pager"]):
        from_index = reader.search(terms, library="default", k=3)
        from_store = engine.library.store.search(terms, library="default", k=3)
        assert from_index and from_index[0].hit.chunk_id == from_store[0].hit.chunk_id
        assert from_index[0].terms == from_store[0].terms
    stats = reader.corpus_stats(["pager", "zebra"])
    assert stats.frequencies == engine.library.store.corpus_stats(["pager", "zebra"]).frequencies
    assert stats.chunks == engine.library.store.corpus_stats([]).chunks


def test_writes_by_another_process_are_seen_at_once_then_indexed(
    engine: PromptGen, where: str, notes: Path, tmp_path: Path
) -> None:
    engine.ingest([notes / "deploy.md"])
    other = connect(where)  # another replica or worker writing to the same Library
    try:
        ingest(other, [notes / "oncall.txt"])
        # The index is behind: the store answers, so the new chunk is found at once.
        assert not isinstance(index_of(engine).reader(), IndexReader)
        assert ids(engine, "pager escalates secondary")
        reader = caught_up(engine)
        assert reader.search(["pager"], library="default", k=5)

        doc = next(d for d in other.documents() if d.path.endswith("oncall.txt"))
        assert other.delete_document(doc.id)
        assert not ids(engine, "pager escalates secondary")
        assert not caught_up(engine).search(["pager"], library="default", k=5)
    finally:
        other.close()


def test_a_changed_file_replaces_its_chunks_in_the_index(engine: PromptGen, tmp_path: Path) -> None:
    folder = tmp_path / "changing"
    folder.mkdir()
    note = folder / "note.md"
    note.write_text("# Cache\n\nThe cache evicts entries after ninety seconds.\n", encoding="utf-8")
    engine.ingest([folder])
    note.write_text("# Cache\n\nThe cache keeps entries for twelve hours.\n", encoding="utf-8")
    engine.ingest([folder])
    reader = caught_up(engine)
    assert not reader.search(["ninety"], library="default", k=5)
    assert len(reader.search(["cach"], library="default", k=5)) == 1


def test_a_replayed_sync_adds_nothing_twice(engine: PromptGen, notes: Path) -> None:
    """A crash between the index commit and its state file replays the same changes."""
    index = index_of(engine)
    engine.ingest([notes / "deploy.md"])
    state_file = index.directory / STATE_FILE
    before = state_file.read_text(encoding="utf-8")
    engine.ingest([notes / "oncall.txt"])
    state_file.write_text(before, encoding="utf-8")  # as if the state write was lost
    report = index.sync()
    assert report is not None and report.added >= 1 and not report.full
    hits = caught_up(engine).search(["pager"], library="default", k=10)
    assert len(hits) == len({h.hit.chunk_id for h in hits}) == 1


def test_a_deleted_or_foreign_index_is_rebuilt(engine: PromptGen, notes: Path) -> None:
    index = index_of(engine)
    engine.ingest([notes])
    state = json.loads((index.directory / STATE_FILE).read_text(encoding="utf-8"))
    state["library_id"] = "another-library"
    (index.directory / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    report = index.sync()
    assert report is not None and report.full
    assert report.added == engine.library.store.corpus_stats([]).chunks
    (index.directory / STATE_FILE).unlink()
    assert caught_up(engine).search(["kafka"], library="default", k=3)


def test_libraries_stay_apart_in_the_index(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes / "deploy.md"], library="ops")
    engine.ingest([notes / "oncall.txt"], library="support")
    reader = caught_up(engine)
    assert reader.search(["pager"], library="support", k=5)
    assert not reader.search(["pager"], library="ops", k=5)


def test_an_unusable_index_folder_leaves_the_store_searching(
    tmp_path: Path,
    notes: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/lib.db", index_dir=blocker)
    pg = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    try:
        assert pg.library.index is None
        pg.ingest([notes])
        assert pg.search("kafka retention")[0].title == "Kafka retention"
    finally:
        pg.close()


def test_the_index_can_be_turned_off(
    tmp_path: Path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/lib.db", search_index="store")
    pg = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    assert pg.library.index is None
    pg.close()


def test_sqlite_index_lives_beside_the_database(
    tmp_path: Path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/lib.db")
    pg = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    try:
        assert index_of(pg).directory.parent == tmp_path / "lib.db.index"
    finally:
        pg.close()


def test_an_index_with_other_fields_is_rebuilt(tmp_path: Path, notes: Path) -> None:
    store = connect(str(tmp_path / "lib.db"))
    try:
        ingest(store, [notes])
        folder = tmp_path / "index"
        stale = folder / f"v{SCHEMA_VERSION}"
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("something_else")
        tantivy.Index(builder.build(), path=str(stale.mkdir(parents=True) or stale))
        index = SearchIndex(folder, store)
        report = index.sync()
        assert report is not None and report.full
        assert report.added == store.corpus_stats([]).chunks > 0
        assert isinstance(index.reader(), IndexReader)
    finally:
        store.close()


def test_old_tombstones_are_pruned_and_an_index_that_far_behind_starts_over(
    engine: PromptGen, where: str, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TOMBSTONE_GENERATIONS", 2)
    index = index_of(engine)
    engine.ingest([notes / "deploy.md", notes / "oncall.txt"])
    behind = json.loads((index.directory / STATE_FILE).read_text(encoding="utf-8"))
    other = connect(where)
    try:
        for doc in other.documents():  # three more writes, each leaving tombstones
            other.delete_document(doc.id)
        ingest(other, [notes / "oncall.txt"])
    finally:
        other.close()
    generation = engine.library.store.generation()[1]
    kept = query(where, "SELECT min(generation) FROM chunk_tombstones")[0][0]
    assert kept is None or kept > generation - 2  # older tombstones are gone
    (index.directory / STATE_FILE).write_text(json.dumps(behind), encoding="utf-8")
    report = index.sync()
    assert report is not None and report.full  # too far behind to replay: rebuilt
    reader = caught_up(engine)
    assert reader.search(["pager"], library="default", k=5)
    assert not reader.search(["rollback"], library="default", k=5)


def test_a_failing_catch_up_is_reported_and_not_retried_on_every_query(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = connect(str(tmp_path / "lib.db"))
    try:
        ingest(store, [notes])
        index = SearchIndex(tmp_path / "index", store)
        attempts = []

        def broken(since: int | None) -> None:
            attempts.append(since)
            raise OSError("No space left on device")

        monkeypatch.setattr(store, "changes", broken)
        for _ in range(5):
            assert index.reader() is store  # the store answers meanwhile
            index.close()
        assert len(attempts) == 1
        assert "No space left on device" in (index.last_error or "")
        assert index.describe().startswith("failing")
    finally:
        store.close()


def test_an_index_folder_removed_while_running_is_rebuilt(engine: PromptGen, notes: Path) -> None:
    # Issue #14: a deleted folder ("always safe") failed every catch-up until a restart.
    index = index_of(engine)
    engine.ingest([notes / "deploy.md"])
    shutil.rmtree(index.directory.parent)
    assert ids(engine, "rollback billing")  # the open view answers meanwhile
    engine.ingest([notes / "oncall.txt"])  # this write's catch-up finds the folder gone
    assert (index.directory / STATE_FILE).exists()
    reader = caught_up(engine)
    assert reader.search(["pager"], library="default", k=5)
    assert reader.search(["rollback"], library="default", k=5)
    assert index.describe().startswith("current")


def damage(files: list[Path]) -> None:
    """Flip the bits of the middle half of each file, written anew (a process that has the old
    file mapped keeps reading it; one that opens the index now reads the damaged one)."""
    for path in files:
        raw = bytearray(path.read_bytes())
        for n in range(len(raw) // 4, len(raw) // 2):
            raw[n] ^= 0x5A
        fresh = path.with_name(path.name + ".damaged")
        fresh.write_bytes(bytes(raw))
        fresh.replace(path)


@pytest.mark.parametrize(
    ("damaged", "found"), [("meta.json", "at start"), (".term", "by a search")]
)
def test_a_damaged_index_is_rebuilt_while_the_store_answers(
    damaged: str,
    found: str,
    engine: PromptGen,
    where: str,
    notes: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue #14: a damaged index found at start left the store searching for good (no rebuild);
    # one found by a search made tantivy panic (a BaseException, not caught): a 500.
    engine.ingest([notes])
    expected = ids(engine, "kafka retention partitions")
    folder = index_of(engine).directory
    damage([p for p in folder.iterdir() if p.name == damaged or p.suffix == damaged])
    restarted = PromptGen(
        engine.settings,
        store=connect(where),
        classifier=engine.classifier,
        catalog=engine.catalog,
        tokenizer=engine.tokenizer,
    )
    try:
        with caplog.at_level(logging.WARNING, logger="promptgen"):
            assert ids(restarted, "kafka retention partitions") == expected  # the store answers
        said = {"at start": "is damaged", "by a search": "failed ("}[found]
        assert any(
            said in r.getMessage() and "rebuilding it" in r.getMessage() for r in caplog.records
        )
        reader = caught_up(restarted)  # rebuilt from the store
        assert [c.hit.chunk_id for c in reader.search(["kafka"], library="default", k=5)]
        assert ids(restarted, "kafka retention partitions") == expected
        assert index_of(restarted).describe().startswith("current")
    finally:
        restarted.close()
