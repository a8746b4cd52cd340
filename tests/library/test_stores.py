"""The same store-level behaviours, checked against SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.errors import LibraryUnavailable
from promptgen.intent.classifier import IntentClassifier
from promptgen.library import open_store
from promptgen.library.ingest import chunk_document, collect_files, ingest
from promptgen.library.parsers import parse_file
from promptgen.library.postgres import PostgresStore, redacted, ts_query
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.store import LibraryStore
from promptgen.library.terms import query_terms
from tests.conftest import REPO
from tests.serving import free_port

if TYPE_CHECKING:
    from tests.pg import PostgresServer

pytest_plugins = ["tests.pg"]

# A trigger that fails the insert of the document titled "Second", in each SQL dialect.
FAILING_TRIGGER = {
    "sqlite": "CREATE TRIGGER refuse AFTER INSERT ON documents WHEN NEW.title = 'Second'"
    " BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END",
    "postgres": "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$;"
    " CREATE TRIGGER refuse AFTER INSERT ON documents FOR EACH ROW"
    " WHEN (NEW.title = 'Second') EXECUTE FUNCTION refuse()",
}


def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh Library of the requested kind lives: a file path or a database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "library.db")
    return str(request.getfixturevalue("postgres_url"))


def connect(where: str) -> LibraryStore:
    """A store over ``where`` (PostgreSQL with a short pool timeout, so failures surface fast)."""
    if "://" in where:
        return PostgresStore(where, timeout=2.0)
    return SQLiteStore(Path(where))


def execute(where: str, script: str) -> None:
    """Run raw SQL statements beside the store (to set up failures)."""
    if "://" in where:
        with psycopg.connect(where, autocommit=True) as pg:
            pg.execute(script)
        return
    conn = sqlite3.connect(where)
    try:
        conn.executescript(script)
    finally:
        conn.close()


def query(where: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a raw SQL query beside the store (to read what was stored)."""
    if "://" in where:
        with psycopg.connect(where) as pg:
            return pg.execute(sql).fetchall()
    conn = sqlite3.connect(where)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh Library location of each kind."""
    return location(request, tmp_path)


@pytest.fixture
def store(where: str) -> Iterator[LibraryStore]:
    """A store over a fresh Library: SQLite, then PostgreSQL."""
    opened = connect(where)
    yield opened
    opened.close()


@pytest.fixture
def make_engine(
    settings: Settings, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> Callable[[LibraryStore], PromptGen]:
    """PromptGen over a given store (the facade with an injected store)."""

    def build(library: LibraryStore) -> PromptGen:
        return PromptGen(
            settings, store=library, classifier=classifier, catalog=catalog, tokenizer=tokenizer
        )

    return build


@pytest.fixture
def engine(store: LibraryStore, make_engine: Callable[[LibraryStore], PromptGen]) -> PromptGen:
    """PromptGen over the parametrized store."""
    return make_engine(store)


def chunks(where: str) -> list[tuple[str, str]]:
    """Every stored chunk as (source, text), in a stable order."""
    rows = query(
        where,
        "SELECT d.source, c.text FROM chunks c JOIN documents d ON d.id = c.document_id"
        " ORDER BY d.source, d.key, c.position",
    )
    return [(str(s), str(t)) for s, t in rows]


def expected_corpus(folder: Path) -> tuple[int, float, Counter[str]]:
    """Chunk count, average length and document frequencies computed straight from the files."""
    records = [
        chunk
        for path in collect_files([folder])[0]
        for doc in parse_file(path)
        for chunk in chunk_document(doc)
    ]
    lengths = [len(f"{c.head_terms} {c.body_terms}".split()) for c in records]
    df: Counter[str] = Counter()
    for c in records:
        df.update(set(f"{c.head_terms} {c.body_terms}".split()))
    return len(records), sum(lengths) / len(lengths), df


def test_ingest_counts_and_reingest_is_a_no_op(engine: PromptGen, where: str, notes: Path) -> None:
    first = engine.ingest([notes])
    assert (first.added, first.updated, first.unchanged, first.failed) == (5, 0, 0, [])
    before = chunks(where)
    assert len(before) == first.chunks >= 5
    second = engine.ingest([notes])
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 5, 0)
    assert chunks(where) == before
    stats = engine.library.stats()
    assert stats.documents == 5 and stats.chunks == len(before) and stats.last_ingest
    assert stats.size_bytes > 0 and stats.libraries == {"default": 5}


def test_changed_file_replaces_its_chunks(engine: PromptGen, where: str, notes: Path) -> None:
    engine.ingest([notes])
    (notes / "oncall.txt").write_text("The pager now escalates after five minutes.", "utf-8")
    report = engine.ingest([notes])
    assert (report.updated, report.unchanged) == (1, 4)
    texts = [t for s, t in chunks(where) if s.endswith("oncall.txt")]
    assert texts == ["The pager now escalates after five minutes."]
    assert all("fifteen" not in h.text for h in engine.search("fifteen minutes"))


def test_prune_removes_documents_whose_files_are_gone(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    (notes / "page.html").unlink()
    assert engine.ingest([notes]).removed == 0
    assert engine.ingest([notes], prune=True).removed == 1
    assert engine.library.stats().documents == 4


def test_a_failing_file_is_reported_and_the_rest_is_ingested(
    engine: PromptGen, notes: Path
) -> None:
    engine.ingest([notes])
    (notes / "oncall.txt").write_bytes(b"caf\xe9 is not utf-8")
    (notes / "deploy.md").write_text("# Deploy runbook\n\nNow with canaries.", encoding="utf-8")
    report = engine.ingest([notes])
    assert [p for p, _ in report.failed] == [str(notes / "oncall.txt")]
    assert "UTF-8" in report.failed[0][1]
    assert report.updated == 1
    assert engine.search("pager escalates secondary")  # the failed file's old text stays


def test_a_database_failure_mid_ingest_leaves_the_library_as_it_was(
    engine: PromptGen, store: LibraryStore, where: str, notes: Path
) -> None:
    engine.ingest([notes])
    before, totals = chunks(where), store.corpus_stats(["pager", "new"])
    execute(where, FAILING_TRIGGER["postgres" if "://" in where else "sqlite"])
    (notes / "a.md").write_text("# First\n\nnew document one", encoding="utf-8")
    (notes / "b.md").write_text("# Second\n\nnew document two", encoding="utf-8")
    (notes / "oncall.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(LibraryUnavailable, match="disk full"):
        engine.ingest([notes])
    assert chunks(where) == before
    assert store.corpus_stats(["pager", "new"]) == totals


def test_libraries_are_separate(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes / "deploy.md"], library="ops")
    assert engine.search("blue-green releases", library="ops")
    assert not engine.search("blue-green releases")


def test_corpus_stats_follow_every_write(
    engine: PromptGen, store: LibraryStore, notes: Path
) -> None:
    engine.ingest([notes])
    (notes / "deploy.md").write_text("# Deploy\n\nThe pager pages the billing team.", "utf-8")
    (notes / "page.html").unlink()
    engine.ingest([notes], prune=True)
    doomed = next(d for d in store.documents() if d.title == "Kafka retention")
    assert store.delete_document(doomed.id)
    (notes / "corpus.jsonl").write_text(
        json.dumps({"id": "k2", "title": "Kafka partitions", "text": "Partition by customer id."}),
        encoding="utf-8",
    )
    total, average, df = expected_corpus(notes)
    terms = [*sorted(df), "absent"]
    stats = store.corpus_stats(terms)
    assert stats.chunks == total and stats.average_length == pytest.approx(average)
    assert stats.frequencies == {t: df.get(t, 0) for t in terms}
    assert store.corpus_stats([]).chunks == total


def test_search_ranks_the_best_passage_first(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    best = engine.search("how do we roll back the billing router?")[0]
    assert best.source.endswith("deploy.md") and "Rollback" in best.heading
    assert engine.search("kafka retention")[0].title == "Kafka retention"
    assert not engine.search("zebra crossings")


def test_delete_document_removes_it_from_search_and_stats(
    engine: PromptGen, store: LibraryStore, notes: Path
) -> None:
    engine.ingest([notes])
    doc = next(d for d in store.documents() if d.path.endswith("oncall.txt"))
    assert store.delete_document(doc.id)
    assert not store.delete_document(doc.id)
    assert not engine.search("pager escalates secondary")
    assert store.corpus_stats(["pager"]).frequencies == {"pager": 0}
    assert engine.library.stats().documents == 4


def test_another_connection_sees_writes_at_once(where: str, notes: Path) -> None:
    writer, reader = connect(where), connect(where)
    try:
        assert reader.corpus_stats(["pager"]).chunks == 0
        ingest(writer, [notes / "oncall.txt"])
        stats = reader.corpus_stats(["pager"])
        assert stats.chunks == 1 and stats.frequencies == {"pager": 1}
        assert reader.search(["pager"], library="default", k=5)
    finally:
        writer.close()
        reader.close()


def test_text_with_nul_characters_is_stored(engine: PromptGen, tmp_path: Path) -> None:
    (tmp_path / "nul.jsonl").write_text(
        json.dumps({"id": "n", "title": "Odd", "text": "a zebra\u0000crossing"}), "utf-8"
    )
    assert engine.ingest([tmp_path / "nul.jsonl"]).added == 1
    assert engine.search("zebra crossing")


def test_concurrent_openings_migrate_once(where: str) -> None:
    barrier, errors = threading.Barrier(4), []

    def open_and_close() -> None:
        barrier.wait()
        try:
            connect(where).close()
        except LibraryUnavailable as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = [row[0] for row in query(where, "SELECT version FROM schema_migrations")]
    assert len(versions) == len(set(versions)) >= 1


def test_a_damaged_database_gives_a_clear_error(where: str) -> None:
    if "://" in where:
        # Someone else's schema in the database: the migration cannot create its tables.
        execute(where, "CREATE TABLE documents (id TEXT)")
    else:
        Path(where).write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryUnavailable, match="cannot open the Library"):
        connect(where)


def test_open_store_follows_the_database_url(where: str) -> None:
    url = where if "://" in where else f"sqlite:///{where}"
    store = open_store(Settings(database_url=url))
    try:
        expected = PostgresStore if "://" in where else SQLiteStore
        assert isinstance(store, expected)
        store.ping()
    finally:
        store.close()


def test_postgres_ranks_like_sqlite(
    tmp_path: Path, postgres_url: str, make_engine: Callable[[LibraryStore], PromptGen]
) -> None:
    lite, pg = SQLiteStore(tmp_path / "lite.db"), PostgresStore(postgres_url)
    try:
        engines = [make_engine(lite), make_engine(pg)]
        for engine in engines:
            engine.ingest([REPO / "docs"])
        for query in (
            "grounding threshold",
            "how is the Library chunked?",
            "rate limit per API key",
            "which model is selected and why",
        ):
            first, second = (
                [(h.source, h.heading, round(h.bm25, 6)) for h in e.search(query, k=5)]
                for e in engines
            )
            assert first == second, query
    finally:
        lite.close()
        pg.close()


def test_postgres_replaces_connections_the_server_closed(postgres_url: str, notes: Path) -> None:
    store = PostgresStore(postgres_url, timeout=2.0)
    try:
        ingest(store, [notes])
        execute(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        assert store.search(["pager"], library="default", k=5)
    finally:
        store.close()


def test_postgres_unreachable_is_reported_without_the_password() -> None:
    url = f"postgresql://promptgen:s3cret@127.0.0.1:{free_port()}/library"
    with pytest.raises(LibraryUnavailable, match="cannot open the Library") as caught:
        PostgresStore(url, timeout=1.0)
    assert "s3cret" not in caught.value.message and "promptgen:***@" in caught.value.message


def test_postgres_going_away_after_opening_is_reported(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url, timeout=1.0)
    try:
        postgres_server.drop_database(postgres_url.rsplit("/", 1)[1])
        with pytest.raises(LibraryUnavailable, match="health check failed"):
            store.ping()
    finally:
        store.close()


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(draft=st.text(max_size=200))
def test_any_draft_makes_a_valid_tsquery(postgres_url: str, draft: str) -> None:
    terms = query_terms(draft)
    if terms:
        with psycopg.connect(postgres_url) as pg:
            pg.execute("SELECT to_tsquery('simple', %s)", (ts_query(terms),)).fetchall()


def test_redacted_hides_passwords() -> None:
    assert redacted("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert (
        redacted("postgresql://h/db?user=u&password=pw") == "postgresql://h/db?user=u&password=***"
    )
    assert redacted("postgresql://u@h/db") == "postgresql://u@h/db"
