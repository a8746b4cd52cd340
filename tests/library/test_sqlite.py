"""The SQLite store: migrations, WAL, FTS5 escaping, damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptgen.errors import LibraryUnavailable
from promptgen.library import migrations
from promptgen.library.ingest import ingest
from promptgen.library.migrations import MIGRATIONS, statements
from promptgen.library.sqlite import SQLiteStore, fts_query
from promptgen.library.terms import query_terms, terms


def test_migrations_are_recorded_once_and_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SQLiteStore(path).close()
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [
        (v,) for v, _, _ in MIGRATIONS
    ]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_damaged_database_file_gives_a_clear_error_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryUnavailable, match="move it aside"):
        SQLiteStore(path)
    assert path.read_bytes() == b"this is not a database" * 100


@pytest.fixture(scope="module")
def fts(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path_factory.mktemp("fts") / "f.db")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    conn.execute("INSERT INTO t VALUES ('alpha beta')")
    return conn


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_draft_makes_a_valid_fts_query(fts: sqlite3.Connection, draft: str) -> None:
    query = query_terms(draft)
    if query:
        fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts_query(query),)).fetchall()


def test_terms_drop_stopwords_and_stem() -> None:
    assert terms("The Libraries are integrating") == ["librari", "integr"]
    assert fts_query(['a"b']) == '"a""b"'


def test_a_library_from_before_terms_versions_is_migrated_and_reported(
    tmp_path: Path, notes: Path
) -> None:
    path = tmp_path / "old.db"
    store = SQLiteStore(path)
    ingest(store, [notes])
    store.close()
    # The schema and rows as they were before migration 5.
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_migrations WHERE version = 5")
    conn.execute("ALTER TABLE documents DROP COLUMN terms_version")
    conn.commit()
    conn.close()
    reopened = SQLiteStore(path)
    try:
        assert reopened.stats().outdated_documents == 5
        assert {d.terms_version for d in reopened.documents()} == {1}
    finally:
        reopened.close()


# A migration whose `;`s a naive split on ";" would cut: in string literals, a comment, a
# quoted name and a trigger body.
SEMICOLONS = """
    -- Notes; each one kept with its text.
    CREATE TABLE notes (id INTEGER PRIMARY KEY, "a;b" TEXT NOT NULL DEFAULT 'x;y');
    INSERT INTO notes ("a;b") VALUES ('first; with a semicolon');
    CREATE TABLE notes_log (entry TEXT NOT NULL);
    CREATE TRIGGER notes_logged AFTER INSERT ON notes BEGIN
        INSERT INTO notes_log VALUES ('added; ' || NEW."a;b");
        INSERT INTO notes_log VALUES ('twice;');
    END;
    INSERT INTO notes ("a;b") VALUES ('second')
"""


def test_statements_end_where_sqlite_ends_them() -> None:
    found = [" ".join(s.split()) for s in statements(SEMICOLONS)]
    assert len(found) == 5
    assert found[0].startswith("-- Notes; each one kept") and found[0].endswith("'x;y');")
    assert found[3].startswith("CREATE TRIGGER") and found[3].endswith("'twice;'); END;")
    assert found[4] == """INSERT INTO notes ("a;b") VALUES ('second')"""
    assert statements("SELECT 1;\n  -- trailing; comment\n") == [
        "SELECT 1;",
        "\n  -- trailing; comment\n",
    ]


def test_a_migration_with_semicolons_in_literals_and_trigger_bodies_applies_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, (99, "semicolons", SEMICOLONS)))
    SQLiteStore(tmp_path / "lib.db").close()
    conn = sqlite3.connect(tmp_path / "lib.db")
    try:
        assert conn.execute('SELECT "a;b" FROM notes ORDER BY id').fetchall() == [
            ("first; with a semicolon",),
            ("second",),
        ]
        assert conn.execute("SELECT entry FROM notes_log").fetchall() == [
            ("added; second",),
            ("twice;",),
        ]
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (99,)
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_database_at_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lib.db"
    SQLiteStore(path).close()
    failing = SEMICOLONS + ";\n INSERT INTO no_such_table VALUES ('fails; at the end')"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, (99, "failing", failing)))
    with pytest.raises(LibraryUnavailable, match="no such table: no_such_table"):
        SQLiteStore(path)
    conn = sqlite3.connect(path)
    try:
        last = MIGRATIONS[-1][0]
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (last,)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "notes" not in tables and "notes_log" not in tables and "documents" in tables
    finally:
        conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS)
    SQLiteStore(path).close()  # the Library still opens at the version it had


def test_a_full_disk_during_ingest_says_so_and_changes_nothing(tmp_path: Path, notes: Path) -> None:
    # Issue #14, defect 9: SQLite rolls back by itself on SQLITE_FULL, and our ROLLBACK then
    # failed with "no transaction is active", which hid the cause. SQLite answers a full disk
    # (ENOSPC) and a reached max_page_count with the same SQLITE_FULL; the latter needs no
    # tiny filesystem. max_page_count is a setting of the connection, hence _conn.
    store = SQLiteStore(tmp_path / "library.db")
    ingest(store, [notes / "oncall.txt"])
    before = [(d.key, d.content_hash) for d in store.documents()]
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = tmp_path / "big"
    big.mkdir()
    for n in range(40):
        (big / f"note{n}.md").write_text(f"# Note {n}\n\n" + "words of a long note " * 200)
    with pytest.raises(LibraryUnavailable) as failed:
        ingest(store, [big])
    message = failed.value.message
    assert "disk is full" in message and "Library is as it was" in message
    assert "no transaction is active" not in message
    assert [(d.key, d.content_hash) for d in store.documents()] == before
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    assert ingest(store, [big]).added == 40  # space again: the same ingest completes
    store.close()
