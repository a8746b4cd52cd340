"""The PostgreSQL store's SQL text and row shapes (library/postgres.py runs them)."""

from __future__ import annotations

import re

from promptgen.library.store import ChunkRecord, DocumentRecord
from promptgen.library.terms import TERMS_VERSION

# Candidate ranking: term frequency with head (weight A) terms counting twice body (D) terms,
# divided by 1 + log(length); retrieve.py re-scores the candidates with real BM25. Measured
# (docs/library.md): as good as ts_rank_cd after re-scoring and 2-4x faster.
RANK = "ts_rank('{0.5, 0.5, 0.5, 1.0}', tsv, query, 1)"
SEARCH = f"""
    SELECT c.id, c.document_id, d.source, d.title, c.heading, c.text, r.rank,
           c.head_terms, c.body_terms, c.vector
    FROM (
        SELECT id, {RANK} AS rank FROM chunks, to_tsquery('simple', %(query)s) query
        WHERE tsv @@ query AND library = %(library)s ORDER BY rank DESC, id LIMIT %(k)s
    ) r
    JOIN chunks c ON c.id = r.id JOIN documents d ON d.id = c.document_id
    ORDER BY r.rank DESC, r.id
"""  # nosec B608  # constant SQL; values are bound
INSERT = (
    "INSERT INTO documents (library, key, path, source, title, kind, content_hash, chunk_count,"
    " ingested_at, terms_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
COPY = (
    "COPY chunks (document_id, library, position, heading, text, head_terms, body_terms, length,"
    " vector, generation) FROM STDIN"
)
CANDIDATES = (
    "SELECT c.id, c.document_id, d.source, d.title, c.heading, c.text, c.head_terms,"
    " c.body_terms, c.vector FROM chunks c JOIN documents d ON d.id = c.document_id"
    " WHERE c.id = ANY(%s::bigint[])"
)
NEXT_GENERATION = (
    "UPDATE library_meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"
    " RETURNING value::bigint"
)
# Rows per batch when a derived index reads the Library.
BATCH = 5000
COUNTS = ("added", "updated", "unchanged", "removed", "failed", "chunks")
TABLES = (
    "documents",
    "chunks",
    "term_stats",
    "corpus_totals",
    "ingests",
    "schema_migrations",
    "library_meta",
    "chunk_tombstones",
)


def redacted(url: str) -> str:
    """The database URL without its password, fit for messages and logs."""
    url = re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


def ts_query(terms: list[str]) -> str:
    """A to_tsquery expression that ORs the terms, each quoted so no term is read as syntax."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters; SQLite can, so keep them visible instead."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__


def document_row(doc: DocumentRecord, now: str) -> tuple[object, ...]:
    """One INSERT row for ``doc``."""
    texts = (doc.library, doc.key, doc.path, doc.source, doc.title, doc.kind)
    return (*map(clean, texts), doc.content_hash, len(doc.chunks), now, TERMS_VERSION)


def chunk_row(document_id: int, library: str, chunk: ChunkRecord) -> tuple[object, ...]:
    """One COPY row for ``chunk``."""
    length = len(chunk.head_terms.split()) + len(chunk.body_terms.split())
    return (
        document_id,
        clean(library),
        chunk.position,
        clean(chunk.heading),
        clean(chunk.text),
        chunk.head_terms,
        chunk.body_terms,
        length,
        chunk.vector,
    )
