"""SQLite implementation of LibraryStore: WAL file, FTS5 BM25 index over normalized terms."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from promptgen.errors import LibraryUnavailable
from promptgen.library.migrations import migrate
from promptgen.library.sqlite_faults import (
    cannot_open,
    ensure_same_file,
    failure,
    file_identity,
    rollback,
)
from promptgen.library.store import (
    DOCUMENT_COLUMNS,
    Candidate,
    Changes,
    CorpusStats,
    DocumentPage,
    DocumentRecord,
    IndexRow,
    IngestPlan,
    LibraryStats,
    StoredDocument,
    catch_up_from,
    ordered_candidates,
    prune_horizon,
)
from promptgen.library.terms import TERMS_VERSION
from promptgen.types import Hit

# Rows per batch when a derived index reads the Library.
_BATCH = 5000
_CANDIDATES = (
    "SELECT c.id, c.document_id, d.source, d.title, c.heading, c.text, f.head, f.body, c.vector"
    " FROM chunks c JOIN documents d ON d.id = c.document_id JOIN chunks_fts f ON f.rowid = c.id"
    " WHERE c.id IN ({marks})"
)

# Heading/title terms count twice as much as body terms in BM25.
_BM25 = "bm25(chunks_fts, 2.0, 1.0)"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fts_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the terms, each quoted so no term is read as syntax."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SQLiteStore:
    """The Library in one SQLite file (WAL), safe to share between threads."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        # Seconds a write waits for another process's write transaction before SQLITE_BUSY.
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        # PRAGMA data_version ignores this connection's own commits, so count those too.
        self._writes = 0
        self._totals_cache: tuple[tuple[int, int], tuple[int, float]] | None = None
        self._df_cache: dict[str, int] = {}
        self._libraries: set[str] = set()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._conn.execute(f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}")
            self._switch_to_wal()
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn)
            self._file = file_identity(path)
        except (sqlite3.Error, OSError) as exc:
            raise LibraryUnavailable(cannot_open(path, exc)) from exc

    def _switch_to_wal(self) -> None:
        """WAL mode, retried: switching a new file fails at once (no busy wait) while another
        process opening the same new file holds it, as replicas starting together do."""
        deadline = time.monotonic() + 10.0
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _guard(self, doing: str) -> Iterator[sqlite3.Connection]:
        """Serialize access and turn sqlite3 errors into LibraryUnavailable."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise LibraryUnavailable(
                    failure(f"Library {doing}", self.path, exc, self.busy_timeout)
                ) from exc

    def documents(
        self, *, library: str | None = None, path: str | None = None
    ) -> list[StoredDocument]:
        """Stored documents, optionally only one Library's or one file's."""
        sql = (
            f"SELECT {DOCUMENT_COLUMNS} FROM documents"  # nosec B608  # constant SQL; values are bound
            " WHERE (? IS NULL OR library = ?) AND (? IS NULL OR path = ?)"
        )
        with self._guard("listing") as conn:
            rows = conn.execute(sql + " ORDER BY id", (library, library, path, path)).fetchall()
        return [StoredDocument(*row) for row in rows]

    def document(self, document_id: int) -> StoredDocument | None:
        """One stored document, or None when there is none with that id."""
        with self._guard("reading") as conn:
            row = conn.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?",  # nosec B608  # constant SQL; values are bound
                (document_id,),
            ).fetchone()
        return None if row is None else StoredDocument(*row)

    def page(
        self, *, libraries: Sequence[str] | None, limit: int | None, offset: int
    ) -> DocumentPage:
        """``limit`` documents (None: all) from ``offset``, oldest first, paged by the database;
        only those of ``libraries`` (None: every Library)."""
        names = list(libraries or ())
        where = "" if libraries is None else f" WHERE library IN ({', '.join('?' * len(names))})"
        with self._guard("listing") as conn:
            # One read transaction: the page and the total describe the same Library.
            conn.execute("BEGIN")
            try:
                rows = conn.execute(
                    f"SELECT {DOCUMENT_COLUMNS} FROM documents{where} ORDER BY id LIMIT ? OFFSET ?",  # nosec B608  # constant SQL; values are bound
                    (*names, -1 if limit is None else limit, offset),
                ).fetchall()
                total = conn.execute(
                    f"SELECT count(*) FROM documents{where}",  # nosec B608  # constant SQL; values are bound
                    names,
                ).fetchone()[0]
            finally:
                if conn.in_transaction:  # SQLite may have ended it (an I/O error)
                    conn.execute("COMMIT")
        return DocumentPage(tuple(StoredDocument(*row) for row in rows), int(total))

    def _next_generation(self, conn: sqlite3.Connection) -> int:
        """Take the next generation for the write transaction open on ``conn``."""
        row = conn.execute(
            "UPDATE library_meta SET value = CAST(value AS INTEGER) + 1"
            " WHERE key = 'generation' RETURNING value"
        ).fetchone()
        generation = int(row[0])
        conn.execute(
            "DELETE FROM chunk_tombstones WHERE generation <= ?", (prune_horizon(generation),)
        )
        return generation

    def _delete(self, conn: sqlite3.Connection, document_id: int, generation: int) -> None:
        conn.execute(
            "INSERT INTO chunk_tombstones (generation, chunk_id)"
            " SELECT ?, id FROM chunks WHERE document_id = ?",
            (generation, document_id),
        )
        conn.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE document_id = ?)",
            (document_id,),
        )
        conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def _insert(
        self, conn: sqlite3.Connection, doc: DocumentRecord, now: str, generation: int
    ) -> None:
        old = conn.execute(
            "SELECT id FROM documents WHERE library = ? AND key = ?", (doc.library, doc.key)
        ).fetchone()
        if old:
            self._delete(conn, old[0], generation)
        cursor = conn.execute(
            "INSERT INTO documents (library, key, path, source, title, kind, content_hash,"
            " chunk_count, ingested_at, terms_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.library,
                doc.key,
                doc.path,
                doc.source,
                doc.title,
                doc.kind,
                doc.content_hash,
                len(doc.chunks),
                now,
                TERMS_VERSION,
            ),
        )
        document_id = cursor.lastrowid
        for chunk in doc.chunks:
            chunk_id = conn.execute(
                "INSERT INTO chunks (document_id, position, heading, text, length, vector,"
                " generation) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    chunk.position,
                    chunk.heading,
                    chunk.text,
                    len(chunk.head_terms.split()) + len(chunk.body_terms.split()),
                    chunk.vector,
                    generation,
                ),
            ).lastrowid
            conn.execute(
                "INSERT INTO chunks_fts (rowid, head, body) VALUES (?, ?, ?)",
                (chunk_id, chunk.head_terms, chunk.body_terms),
            )

    def apply(self, plan: IngestPlan) -> None:
        """Apply every write of ``plan`` in one transaction; on any error nothing changes."""
        now = _now()
        with self._guard("ingest") as conn:
            ensure_same_file("ingest", self.path, self._file)
            conn.execute("BEGIN IMMEDIATE")
            try:
                generation = self._next_generation(conn)
                for document_id in plan.deletes:
                    self._delete(conn, document_id, generation)
                for doc in plan.upserts:
                    self._insert(conn, doc, now, generation)
                if plan.summary:
                    s = plan.summary
                    conn.execute(
                        "INSERT INTO ingests (finished_at, added, updated, unchanged, removed,"
                        " failed, chunks, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            now,
                            int(s.get("added", 0)),
                            int(s.get("updated", 0)),
                            int(s.get("unchanged", 0)),
                            int(s.get("removed", 0)),
                            int(s.get("failed", 0)),
                            int(s.get("chunks", 0)),
                            s.get("seconds", 0.0),
                        ),
                    )
                conn.execute("COMMIT")
                self._writes += 1
            except BaseException:
                rollback(conn)
                raise

    def delete_document(self, document_id: int) -> bool:
        """Delete one document and its chunks; False when there was none."""
        with self._guard("delete") as conn:
            ensure_same_file("delete", self.path, self._file)
            if not conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone():
                return False
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._delete(conn, document_id, self._next_generation(conn))
                conn.execute("COMMIT")
                self._writes += 1
            except BaseException:
                rollback(conn)
                raise
        return True

    def search(self, terms: list[str], *, library: str, k: int) -> list[Candidate]:
        """The ``k`` best chunks for ``terms`` by BM25, best first (scores: higher is better)."""
        if not terms:
            return []
        with self._guard("search") as conn:
            self._totals(conn)
            if self._libraries == {library}:
                # The usual case, one Library in the file: rank inside FTS5 and join only the
                # top rows (half the time of ranking the joined rows at 100k chunks).
                sql = (
                    "WITH top AS (SELECT rowid AS id, rank, head, body FROM chunks_fts"
                    " WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?)"
                    " SELECT c.id, c.document_id, d.source, d.title, c.heading, c.text,"
                    " -top.rank, top.head, top.body, c.vector FROM top"
                    " JOIN chunks c ON c.id = top.id JOIN documents d ON d.id = c.document_id"
                    " ORDER BY top.rank"
                )
                rows = conn.execute(sql, (fts_query(terms), k)).fetchall()
            else:
                sql = (
                    "SELECT c.id, c.document_id, d.source, d.title, c.heading, c.text,"  # nosec B608  # constant SQL; values are bound
                    f" -{_BM25}, f.head, f.body, c.vector"
                    " FROM chunks_fts f JOIN chunks c ON c.id = f.rowid"
                    " JOIN documents d ON d.id = c.document_id"
                    f" WHERE chunks_fts MATCH ? AND d.library = ? ORDER BY {_BM25} LIMIT ?"
                )
                rows = conn.execute(sql, (fts_query(terms), library, k)).fetchall()
        return [Candidate(Hit(*row[:7]), f"{row[7]} {row[8]}", row[9]) for row in rows]

    def fetch(self, scored: list[tuple[int, float]]) -> list[Candidate]:
        """Candidates for (chunk id, score) pairs, in that order; ids no longer stored are skipped."""
        if not scored:
            return []
        sql = _CANDIDATES.format(marks=",".join("?" * len(scored)))
        with self._guard("search") as conn:
            rows = conn.execute(sql, [i for i, _ in scored]).fetchall()
        return ordered_candidates(rows, scored)

    def generation(self) -> tuple[str, int]:
        """This Library's identity and the generation of its last write."""
        with self._guard("generation check") as conn:
            meta = dict(conn.execute("SELECT key, value FROM library_meta").fetchall())
        return str(meta["library_id"]), int(meta["generation"])

    @contextmanager
    def changes(self, since: int | None) -> Iterator[Changes]:
        """Writes after generation ``since`` (every chunk when None), in one read snapshot.

        A connection of its own, so that reading a whole Library never holds up searches.
        """
        ensure_same_file("reading the changes", self.path, self._file)
        try:
            # mode=rw: a Library file removed meanwhile is an error, not a new empty file.
            where = f"{self.path.resolve().as_uri()}?mode=rw"
            with closing(sqlite3.connect(where, isolation_level=None, uri=True)) as conn:
                conn.execute(f"PRAGMA busy_timeout = {round(self.busy_timeout * 1000)}")
                conn.execute("BEGIN")
                try:
                    meta = dict(conn.execute("SELECT key, value FROM library_meta").fetchall())
                    since = catch_up_from(since, int(meta["generation"]))
                    count, average = conn.execute(
                        "SELECT count(*), coalesce(avg(length), 0) FROM chunks"
                    ).fetchone()
                    removed: tuple[int, ...] = ()
                    if since is not None:
                        removed = tuple(
                            row[0]
                            for row in conn.execute(
                                "SELECT chunk_id FROM chunk_tombstones WHERE generation > ?",
                                (since,),
                            )
                        )
                    cursor = conn.execute(
                        "SELECT c.id, d.library, f.head, f.body FROM chunks c"
                        " JOIN documents d ON d.id = c.document_id"
                        " JOIN chunks_fts f ON f.rowid = c.id WHERE c.generation > ?",
                        (-1 if since is None else since,),
                    )
                    rows = (
                        [IndexRow(*row) for row in batch]
                        for batch in iter(lambda: cursor.fetchmany(_BATCH), [])
                    )
                    yield Changes(
                        str(meta["library_id"]),
                        int(meta["generation"]),
                        since is None,
                        removed,
                        rows,
                        int(count),
                        float(average),
                    )
                finally:
                    rollback(conn)
        except sqlite3.Error as exc:
            raise LibraryUnavailable(
                failure("Reading the Library's changes", self.path, exc, self.busy_timeout)
            ) from exc

    def _totals(self, conn: sqlite3.Connection) -> tuple[int, float]:
        """Chunk count and average length, cached until any connection commits a change."""
        version = (conn.execute("PRAGMA data_version").fetchone()[0], self._writes)
        if self._totals_cache is None or self._totals_cache[0] != version:
            row = conn.execute("SELECT count(*), coalesce(avg(length), 0) FROM chunks").fetchone()
            self._totals_cache = (version, (int(row[0]), float(row[1])))
            self._df_cache.clear()
            self._libraries = {r[0] for r in conn.execute("SELECT DISTINCT library FROM documents")}
        return self._totals_cache[1]

    def corpus_stats(self, terms: list[str]) -> CorpusStats:
        """Chunk count, average chunk length and, per term, how many chunks contain it."""
        with self._guard("statistics") as conn:
            total, average = self._totals(conn)
            # Term frequencies repeat across drafts (Zipf); the cache dies with any change.
            missing = [t for t in terms if t not in self._df_cache]
            for term in missing:
                row = conn.execute(
                    "SELECT doc FROM chunks_vocab WHERE term = ?", (term,)
                ).fetchone()
                self._df_cache[term] = row[0] if row else 0
            if len(self._df_cache) > 500_000:
                self._df_cache.clear()
            frequencies = {t: self._df_cache[t] for t in terms if t in self._df_cache}
        return CorpusStats(total, average, frequencies)

    def stats(self) -> LibraryStats:
        """Counts, size on disk (with the WAL) and the time of the last ingest."""
        with self._guard("stats") as conn:
            documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            last = conn.execute("SELECT max(finished_at) FROM ingests").fetchone()[0]
            libraries = dict(conn.execute("SELECT library, count(*) FROM documents GROUP BY 1"))
            kinds = dict(conn.execute("SELECT kind, count(*) FROM documents GROUP BY 1"))
            outdated = conn.execute(
                "SELECT count(*) FROM documents WHERE terms_version < ?", (TERMS_VERSION,)
            ).fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return LibraryStats(documents, chunks, size, last, libraries, kinds, outdated)

    def ping(self) -> None:
        """Run a trivial query against the real tables."""
        with self._guard("health check") as conn:
            ensure_same_file("health check", self.path, self._file)
            conn.execute("SELECT count(*) FROM documents").fetchone()

    def close(self) -> None:
        """Release the connection."""
        with self._lock:
            self._conn.close()
