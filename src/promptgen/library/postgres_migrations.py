"""Named, ordered schema migrations for the PostgreSQL store; applied once each, recorded."""

from __future__ import annotations

from typing import Any

import psycopg

Connection = psycopg.Connection[tuple[Any, ...]]

# Advisory lock key (any constant bigint; this one spells "pgmigr" in ASCII).
MIGRATION_LOCK = 0x70676D696772

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "documents_chunks_tsvector",
        """
        CREATE TABLE documents (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            library TEXT NOT NULL, key TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL,
            title TEXT NOT NULL, kind TEXT NOT NULL, content_hash TEXT NOT NULL,
            chunk_count INTEGER NOT NULL, ingested_at TEXT NOT NULL,
            UNIQUE (library, key)
        );
        CREATE INDEX documents_path ON documents (path);
        -- head_terms/body_terms are the normalized terms made in Python (library/terms.py);
        -- 'simple' only splits and lowercases them, so PostgreSQL never re-stems.
        CREATE TABLE chunks (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            library TEXT NOT NULL,
            position INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL,
            head_terms TEXT NOT NULL, body_terms TEXT NOT NULL,
            length INTEGER NOT NULL,  -- terms in head + body, for BM25 length normalization
            vector BYTEA,  -- static embedding of the chunk (float16), for dense similarity
            tsv TSVECTOR GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', head_terms), 'A')
                || to_tsvector('simple', body_terms)
            ) STORED
        );
        CREATE INDEX chunks_document ON chunks (document_id);
        CREATE INDEX chunks_tsv ON chunks USING GIN (tsv);
        -- Chunks containing each term, kept in step with chunks by every write transaction.
        CREATE TABLE term_stats (term TEXT PRIMARY KEY, df INTEGER NOT NULL CHECK (df >= 0));
        CREATE TABLE corpus_totals (
            only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
            chunks BIGINT NOT NULL, total_length BIGINT NOT NULL
        );
        INSERT INTO corpus_totals (chunks, total_length) VALUES (0, 0);
        CREATE TABLE ingests (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            finished_at TEXT NOT NULL, added INTEGER NOT NULL, updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL, removed INTEGER NOT NULL, failed INTEGER NOT NULL,
            chunks INTEGER NOT NULL, seconds DOUBLE PRECISION NOT NULL
        );
        """,
    ),
    (
        2,
        "change_generations",
        """
        -- Every write transaction takes the next generation; chunks remember the one that added
        -- them and deleted chunks leave a tombstone, so each replica's search index can catch
        -- up from any generation it has seen (library/index.py).
        CREATE TABLE library_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO library_meta VALUES ('generation', '1'), ('library_id', md5(random()::text));
        ALTER TABLE chunks ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
        CREATE INDEX chunks_generation ON chunks (generation);
        CREATE TABLE chunk_tombstones (generation BIGINT NOT NULL, chunk_id BIGINT NOT NULL);
        CREATE INDEX chunk_tombstones_generation ON chunk_tombstones (generation);
        """,
    ),
    (
        3,
        "document_terms_version",
        """
        -- The term rules (library/terms.py TERMS_VERSION) each document was indexed with, so a
        -- Library holding documents from older rules can say that they need a re-ingest.
        ALTER TABLE documents ADD COLUMN terms_version INTEGER NOT NULL DEFAULT 1;
        """,
    ),
)


def migrate(conn: Connection) -> list[str]:
    """Apply the migrations this database lacks, in order, under an advisory lock; return names.

    The lock makes replicas that start at the same time take turns: the first applies, the
    others then find the migrations recorded and apply nothing.
    """
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            conn.execute(sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            applied.append(name)
    return applied
