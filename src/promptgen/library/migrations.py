"""Named, ordered schema migrations for the SQLite store; applied once each, recorded."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "documents_chunks_fts",
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            library TEXT NOT NULL,
            key TEXT NOT NULL,
            path TEXT NOT NULL,
            source TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            chunk_count INTEGER NOT NULL,
            ingested_at TEXT NOT NULL,
            UNIQUE (library, key)
        );
        CREATE INDEX documents_path ON documents (path);
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            heading TEXT NOT NULL,
            text TEXT NOT NULL,
            length INTEGER NOT NULL  -- index terms in head + body, for BM25 length normalization
        );
        CREATE INDEX chunks_document ON chunks (document_id);
        -- Holds normalized terms (stemmed, stopwords dropped) made in Python, so the query
        -- side and the coverage computation use exactly the same terms as the index.
        CREATE VIRTUAL TABLE chunks_fts USING fts5 (
            head, body, tokenize = 'unicode61 remove_diacritics 0'
        );
        CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab (chunks_fts, 'row');
        CREATE TABLE ingests (
            id INTEGER PRIMARY KEY,
            finished_at TEXT NOT NULL,
            added INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            removed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            chunks INTEGER NOT NULL,
            seconds REAL NOT NULL
        );
        """,
    ),
    (
        2,
        "chunk_vectors",
        """
        -- Static embedding of each chunk (float16), for the dense half of hybrid retrieval.
        ALTER TABLE chunks ADD COLUMN vector BLOB
        """,
    ),
    (
        3,
        "fts_rank_weights",
        """
        -- FTS5's `rank` column then scores heading terms twice as much as body terms, so the
        -- search can order by rank inside a CTE and join only the top rows.
        INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0)')
        """,
    ),
    (
        4,
        "change_generations",
        """
        -- Every write transaction takes the next generation, chunks remember the one that added
        -- them and deleted chunks leave a tombstone: a derived search index can catch up from
        -- any generation it has seen (library/index.py).
        CREATE TABLE library_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO library_meta VALUES ('generation', '1');
        INSERT INTO library_meta VALUES ('library_id', lower(hex(randomblob(16))));
        ALTER TABLE chunks ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX chunks_generation ON chunks (generation);
        CREATE TABLE chunk_tombstones (
            generation INTEGER NOT NULL,
            chunk_id INTEGER NOT NULL
        );
        CREATE INDEX chunk_tombstones_generation ON chunk_tombstones (generation)
        """,
    ),
    (
        5,
        "document_terms_version",
        """
        -- The term rules (library/terms.py TERMS_VERSION) each document was indexed with, so a
        -- Library holding documents from older rules can say that they need a re-ingest.
        ALTER TABLE documents ADD COLUMN terms_version INTEGER NOT NULL DEFAULT 1
        """,
    ),
    (
        6,
        "fts_marks_in_words",
        """
        -- Combining marks belong to their word (the vowel signs of Hindi or Tamil, Thai tone
        -- marks): FTS5's default token characters split "हिंदी" into its consonants, while the
        -- terms made in Python keep it whole. The table is rebuilt with marks as token characters.
        CREATE VIRTUAL TABLE chunks_fts_marks USING fts5 (
            head, body, tokenize = 'unicode61 remove_diacritics 0 categories ''L* N* Co M*'''
        );
        INSERT INTO chunks_fts_marks (rowid, head, body) SELECT rowid, head, body FROM chunks_fts;
        DROP TABLE chunks_vocab;
        DROP TABLE chunks_fts;
        ALTER TABLE chunks_fts_marks RENAME TO chunks_fts;
        CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab (chunks_fts, 'row');
        INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0)')
        """,
    ),
)


def statements(script: str) -> list[str]:
    """The statements of ``script``, each ending where SQLite itself sees one end.

    ``sqlite3.complete_statement`` decides, so a ``;`` inside a string literal, a quoted name,
    a comment or a trigger's ``BEGIN ... END`` body does not cut a statement short; the last
    statement needs no ``;``.
    """
    found: list[str] = []
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            found.append(script[start : end + 1])
            start = end + 1
    if script[start:].strip():
        found.append(script[start:])  # the last statement, or trailing comments (a no-op)
    return found


def _applied(conn: sqlite3.Connection) -> set[int]:
    """The versions recorded in this database (none when it has no migrations table yet)."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone():
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database lacks, in order; return their names.

    Each migration is one transaction: its whole script and the version it records commit
    together, so a migration that fails leaves the database at the version before it. Safe
    when several processes open a new file at once: the write lock is taken before the
    applied versions are read, so a second process waits and then finds nothing left to do.
    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    applied: list[str] = []
    if {version for version, _, _ in MIGRATIONS} <= _applied(conn):
        return applied  # the usual case: no write lock taken
    for version, name, script in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            if version not in _applied(conn):
                for statement in statements(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (version, name, datetime.now(UTC).isoformat(timespec="seconds")),
                )
                applied.append(name)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back itself (a full disk)
                conn.execute("ROLLBACK")
            raise
    return applied
