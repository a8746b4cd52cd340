"""PostgreSQL implementation of LibraryStore, so several replicas can share one Library."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from promptgen.errors import LibraryUnavailable
from promptgen.library.breaker import Breaker
from promptgen.library.postgres_migrations import Connection, migrate
from promptgen.library.postgres_sql import (
    BATCH,
    CANDIDATES,
    COPY,
    COUNTS,
    INSERT,
    NEXT_GENERATION,
    SEARCH,
    TABLES,
    chunk_row,
    clean,
    document_row,
    reason,
    redacted,
    ts_query,
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

# Advisory lock key for writes (any constant bigint; this one spells "pgwrite" in ASCII).
WRITE_LOCK = 0x70677772697465


@dataclass(slots=True)
class _Delta:
    """How one write transaction changes the corpus statistics."""

    generation: int
    chunks: int = 0
    length: int = 0
    df: Counter[str] = field(default_factory=Counter)

    def count(self, head_terms: str, body_terms: str, sign: int) -> None:
        head, body = head_terms.split(), body_terms.split()
        self.chunks += sign
        self.length += sign * (len(head) + len(body))
        self.df.update(dict.fromkeys({*head, *body}, sign))


# How long a health check waits for a pooled connection.
PING_WAIT_S = 0.5
# libpq's shortest connect timeout; a stopped server on a reachable host refuses at once.
PROBE_CONNECT_TIMEOUT_S = 2


def lost_connection(exc: psycopg.Error) -> bool:
    """Whether ``exc`` means the server cannot be reached (as opposed to a failed statement)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    # No SQLSTATE: the client lost the connection; class 08 connection exceptions; 57P0x:
    # the server is shutting down or starting up.
    return exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P"))


class PostgresStore:
    """The Library in a PostgreSQL database, through a pool of connections; thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 10,
        timeout: float = 5.0,
        breaker: Breaker | None = None,
    ) -> None:
        self.url = url  # may hold a password: messages use ``where``
        self.where = redacted(url)
        self._breaker = breaker or Breaker()
        try:
            extra: dict[str, Any] = {}
            if "connect_timeout" not in conninfo_to_dict(url):
                extra["connect_timeout"] = max(1, math.ceil(timeout))
            with psycopg.connect(url, **extra) as conn:
                migrate(conn)
            self._pool_options: dict[str, Any] = {
                "kwargs": {"autocommit": True, **extra},
                "min_size": 1,
                "max_size": max_connections,
                "timeout": timeout,
            }
            self._pool = self._open_pool()
        except psycopg.Error as exc:
            raise LibraryUnavailable(
                f"cannot open the Library at {self.where}: {reason(exc)}. Check that PostgreSQL "
                "is running, that the database exists and that PROMPTGEN_DATABASE_URL names it."
            ) from exc

    def _open_pool(self) -> ConnectionPool[Connection]:
        return ConnectionPool(
            self.url,
            check=ConnectionPool.check_connection,
            name="promptgen-library",
            open=True,
            **self._pool_options,
        )

    @contextmanager
    def _connection(self, doing: str, *, wait: float | None = None) -> Iterator[Connection]:
        """A pooled connection (autocommit); psycopg errors become LibraryUnavailable.

        While the database is known to be down this fails at once instead of waiting the pool's
        timeout (library/breaker.py); a lost connection opens the breaker. ``wait``: the most
        seconds to wait for a pooled connection (default: the pool's timeout).
        """
        if not self._breaker.is_closed:
            self._probe(doing)
        try:
            with self._pool.connection(timeout=wait) as conn:
                yield conn
        except psycopg.Error as exc:
            if lost_connection(exc):
                self._breaker.trip(reason(exc))
            raise LibraryUnavailable(
                f"Library {doing} failed at {self.where}: {reason(exc)}"
            ) from exc

    def _probe(self, doing: str) -> None:
        """Fail fast while the breaker is open; past its wait, one caller tries the server."""
        if not self._breaker.may_probe():
            raise LibraryUnavailable(
                f"Library {doing} failed at {self.where}: the database has been unreachable for "
                f"{self._breaker.down_for():.0f} s ({self._breaker.last_error}); it is tried "
                f"again every {self._breaker.retry_after:g} s"
            )
        error: str | None = None
        try:
            with psycopg.connect(self.url, connect_timeout=PROBE_CONNECT_TIMEOUT_S):
                pass
            # The outage broke the pooled connections and left the pool's own reconnects in
            # back-off (seconds): a fresh pool connects now. Connections still out in other
            # threads are closed when they come back (they were broken anyway).
            stale, self._pool = self._pool, self._open_pool()
            stale.close(timeout=0)
        except psycopg.Error as exc:
            error = reason(exc)
        finally:
            self._breaker.probed(error)
        if error is not None:
            raise LibraryUnavailable(f"Library {doing} failed at {self.where}: {error}")

    def documents(
        self, *, library: str | None = None, path: str | None = None
    ) -> list[StoredDocument]:
        """Stored documents, optionally only one Library's or one file's."""
        # Only the filters given, so the (library, key) and path indexes can be used.
        where = {"library": library, "path": path}
        given = [f"{column} = %({column})s" for column, value in where.items() if value is not None]
        sql = (
            f"SELECT {DOCUMENT_COLUMNS} FROM documents"  # nosec B608  # constant SQL; values are bound
            f" WHERE {' AND '.join(given) or 'TRUE'} ORDER BY id"
        )
        with self._connection("listing") as conn:
            rows = conn.execute(sql, where).fetchall()
        return [StoredDocument(*row) for row in rows]

    def document(self, document_id: int) -> StoredDocument | None:
        """One stored document, or None when there is none with that id."""
        with self._connection("reading") as conn:
            row = conn.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = %s",  # nosec B608  # constant SQL; values are bound
                (document_id,),
            ).fetchone()
        return None if row is None else StoredDocument(*row)

    def page(
        self, *, libraries: Sequence[str] | None, limit: int | None, offset: int
    ) -> DocumentPage:
        """``limit`` documents (None: all) from ``offset``, oldest first, paged by the database;
        only those of ``libraries`` (None: every Library)."""
        where = "" if libraries is None else " WHERE library = ANY(%(libraries)s)"
        params = {"libraries": list(libraries or ()), "limit": limit, "offset": offset}
        # One snapshot: the page and the total describe the same Library. LIMIT NULL: all.
        with self._connection("listing") as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            rows = conn.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM documents{where}"  # nosec B608  # constant SQL; values are bound
                " ORDER BY id LIMIT %(limit)s OFFSET %(offset)s",
                params,
            ).fetchall()
            (total,) = conn.execute(
                f"SELECT count(*) FROM documents{where}",  # nosec B608  # constant SQL; values are bound
                params,
            ).fetchone() or (0,)
        return DocumentPage(tuple(StoredDocument(*row) for row in rows), int(total))

    def _delete(self, conn: Connection, ids: list[int], delta: _Delta) -> int:
        """Delete documents (their chunks cascade), counting the chunks' terms out of ``delta``."""
        conn.execute(
            "INSERT INTO chunk_tombstones (generation, chunk_id)"
            " SELECT %s, id FROM chunks WHERE document_id = ANY(%s::bigint[])",
            (delta.generation, ids),
        )
        rows = conn.execute(
            "SELECT head_terms, body_terms FROM chunks WHERE document_id = ANY(%s::bigint[])",
            (ids,),
        ).fetchall()
        for head, body in rows:
            delta.count(head, body, -1)
        return conn.execute("DELETE FROM documents WHERE id = ANY(%s::bigint[])", (ids,)).rowcount

    def _insert(
        self, conn: Connection, docs: tuple[DocumentRecord, ...], now: str, delta: _Delta
    ) -> None:
        """Insert documents, replacing any with the same library and key, and their chunks."""
        latest = list({(d.library, d.key): d for d in docs}.values())  # given twice: last wins
        if not latest:
            return
        old = conn.execute(
            "SELECT id FROM documents JOIN unnest(%s::text[], %s::text[]) u(library, key)"
            " USING (library, key)",
            ([clean(d.library) for d in latest], [clean(d.key) for d in latest]),
        ).fetchall()
        if old:
            self._delete(conn, [row[0] for row in old], delta)
        with conn.cursor() as cursor:
            # Batched (pipeline mode): one round trip for all documents, one COPY for all chunks.
            cursor.executemany(INSERT, [document_row(d, now) for d in latest], returning=True)
            ids: list[int] = []
            while (row := cursor.fetchone()) is not None:
                ids.append(row[0])
                if not cursor.nextset():
                    break
            with cursor.copy(COPY) as copy:
                for document_id, doc in zip(ids, latest, strict=True):
                    for chunk in doc.chunks:
                        row = chunk_row(document_id, doc.library, chunk)
                        copy.write_row((*row, delta.generation))
                        delta.count(chunk.head_terms, chunk.body_terms, 1)

    def _record(self, conn: Connection, delta: _Delta) -> None:
        """Apply ``delta`` to term_stats and corpus_totals (terms in order, rows emptied removed)."""
        added = sorted((t, n) for t, n in delta.df.items() if n > 0)
        removed = sorted((t, -n) for t, n in delta.df.items() if n < 0)
        if added:
            conn.execute(
                "INSERT INTO term_stats (term, df) SELECT * FROM unnest(%s::text[], %s::int[])"
                " ON CONFLICT (term) DO UPDATE SET df = term_stats.df + excluded.df",
                ([t for t, _ in added], [n for _, n in added]),
            )
        if removed:
            # Not an upsert: CHECK (df >= 0) would reject the negative row proposed for insert.
            terms = [t for t, _ in removed]
            conn.execute(
                "UPDATE term_stats s SET df = s.df - r.n FROM unnest(%s::text[], %s::int[])"
                " r(term, n) WHERE s.term = r.term",
                (terms, [n for _, n in removed]),
            )
            conn.execute("DELETE FROM term_stats WHERE term = ANY(%s) AND df = 0", (terms,))
        if delta.chunks or delta.length:
            conn.execute(
                "UPDATE corpus_totals SET chunks = chunks + %s, total_length = total_length + %s",
                (delta.chunks, delta.length),
            )

    def apply(self, plan: IngestPlan) -> None:
        """Apply every write of ``plan`` in one transaction; on any error nothing changes."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connection("ingest") as conn, conn.transaction():
            # One writer at a time across replicas: term_stats rows never deadlock.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            delta = _Delta(self._next_generation(conn))
            if plan.deletes:
                self._delete(conn, list(plan.deletes), delta)
            self._insert(conn, plan.upserts, now, delta)
            self._record(conn, delta)
            if plan.summary:
                counts = [int(plan.summary.get(name, 0)) for name in COUNTS]
                conn.execute(
                    "INSERT INTO ingests (finished_at, added, updated, unchanged, removed, failed,"
                    " chunks, seconds) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (now, *counts, float(plan.summary.get("seconds", 0.0))),
                )

    def delete_document(self, document_id: int) -> bool:
        """Delete one document and its chunks; False when there was none."""
        with self._connection("delete") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            delta = _Delta(self._next_generation(conn))
            if not self._delete(conn, [document_id], delta):
                return False
            self._record(conn, delta)
        return True

    def search(self, terms: list[str], *, library: str, k: int) -> list[Candidate]:
        """The ``k`` best chunks for ``terms`` (GIN match, ts_rank), best first."""
        if not terms:
            return []
        params = {"query": ts_query(terms), "library": library, "k": k}
        with self._connection("search") as conn:
            rows = conn.execute(SEARCH, params).fetchall()
        return [
            Candidate(
                Hit(row[0], row[1], row[2], row[3], row[4], row[5], float(row[6])),
                f"{row[7]} {row[8]}",
                row[9],
            )
            for row in rows
        ]

    @staticmethod
    def _next_generation(conn: Connection) -> int:
        """Take the next generation for the write transaction open on ``conn``."""
        row = conn.execute(NEXT_GENERATION).fetchone()
        generation = int(row[0]) if row else 0
        conn.execute(
            "DELETE FROM chunk_tombstones WHERE generation <= %s", (prune_horizon(generation),)
        )
        return generation

    def fetch(self, scored: list[tuple[int, float]]) -> list[Candidate]:
        """Candidates for (chunk id, score) pairs, in that order; ids no longer stored are skipped."""
        if not scored:
            return []
        with self._connection("search") as conn:
            rows = conn.execute(CANDIDATES, ([i for i, _ in scored],)).fetchall()
        return ordered_candidates(rows, scored)

    def generation(self) -> tuple[str, int]:
        """This Library's identity and the generation of its last write."""
        with self._connection("generation check") as conn:
            meta = dict(conn.execute("SELECT key, value FROM library_meta").fetchall())
        return str(meta["library_id"]), int(meta["generation"])

    @contextmanager
    def changes(self, since: int | None) -> Iterator[Changes]:
        """Writes after generation ``since`` (every chunk when None), in one read snapshot."""
        with self._connection("reading changes") as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            meta = dict(conn.execute("SELECT key, value FROM library_meta").fetchall())
            since = catch_up_from(since, int(meta["generation"]))
            totals = conn.execute("SELECT chunks, total_length FROM corpus_totals").fetchone()
            chunks, length = (int(totals[0]), int(totals[1])) if totals else (0, 0)
            removed: tuple[int, ...] = ()
            if since is not None:
                removed = tuple(
                    row[0]
                    for row in conn.execute(
                        "SELECT chunk_id FROM chunk_tombstones WHERE generation > %s", (since,)
                    )
                )
            with conn.cursor(name="promptgen_index_rows") as cursor:
                cursor.execute(
                    "SELECT id, library, head_terms, body_terms FROM chunks WHERE generation > %s",
                    (-1 if since is None else since,),
                )
                rows = (
                    [IndexRow(*row) for row in batch]
                    for batch in iter(lambda: cursor.fetchmany(BATCH), [])
                )
                yield Changes(
                    str(meta["library_id"]),
                    int(meta["generation"]),
                    since is None,
                    removed,
                    rows,
                    chunks,
                    length / chunks if chunks else 0.0,
                )

    def corpus_stats(self, terms: list[str]) -> CorpusStats:
        """Chunk count, average chunk length and per-term chunk counts, read in one snapshot."""
        sql = (
            "SELECT t.chunks, t.total_length, s.term, s.df FROM corpus_totals t"
            " LEFT JOIN term_stats s ON s.term = ANY(%s)"
        )
        with self._connection("statistics") as conn:
            rows = conn.execute(sql, (terms,)).fetchall()
        chunks, total = (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)
        found = {row[2]: int(row[3]) for row in rows if row[2] is not None}
        frequencies = {term: found.get(term, 0) for term in terms}
        return CorpusStats(chunks, total / chunks if chunks else 0.0, frequencies)

    def stats(self) -> LibraryStats:
        """Counts, size of the Library's tables and indexes, and the time of the last ingest."""
        with self._connection("stats") as conn:
            documents = conn.execute("SELECT count(*) FROM documents").fetchone()
            chunks = conn.execute("SELECT chunks FROM corpus_totals").fetchone()
            last = conn.execute("SELECT max(finished_at) FROM ingests").fetchone()
            size = conn.execute(
                "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t",
                (list(TABLES),),
            ).fetchone()
            libraries = conn.execute(
                "SELECT library, count(*) FROM documents GROUP BY 1"
            ).fetchall()
            kinds = conn.execute("SELECT kind, count(*) FROM documents GROUP BY 1").fetchall()
            outdated = conn.execute(
                "SELECT count(*) FROM documents WHERE terms_version < %s", (TERMS_VERSION,)
            ).fetchone()
        return LibraryStats(
            int(documents[0]) if documents else 0,
            int(chunks[0]) if chunks else 0,
            int(size[0] or 0) if size else 0,
            last[0] if last else None,
            {name: int(n) for name, n in libraries},
            {name: int(n) for name, n in kinds},
            int(outdated[0]) if outdated else 0,
        )

    def ping(self) -> None:
        """Run a trivial query against the real tables."""
        # A readiness check answers within a second even as the database goes down.
        with self._connection("health check", wait=PING_WAIT_S) as conn:
            conn.execute("SELECT chunks FROM corpus_totals").fetchone()

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()
