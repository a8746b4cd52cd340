"""The search index: a tantivy index of the Library's chunks, derived from the store of record.

The store (SQLite or PostgreSQL) holds the truth. This index only answers "which chunks match
these terms best" and "how many chunks hold this term", 10-20x faster than FTS5 or a GIN index
(docs/performance.md). Every process keeps it on local disk and follows the store: each query
reads the store's generation (one cheap read); when the index is behind, a background thread
catches it up from the store's change log while the store itself answers, so a result is never
stale, only slower for a moment. Deleting the folder is always safe: it is rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import tantivy

from promptgen.library.store import Candidate, Changes, CorpusStats, IndexRow, LibraryStore

log = logging.getLogger(__name__)

# Bumped whenever the fields below change: a new version builds a new folder.
SCHEMA_VERSION = 1
# Heading terms count twice: once in ``text`` and once more in ``head`` (as FTS5's bm25(2, 1)).
HEAD_BOOST = 1.0
WRITER_HEAP_BYTES = 64_000_000
STATE_FILE = "state.json"
# After a failed catch-up (full disk, damaged files) the next try waits this long, so a broken
# folder costs one warning per interval, not one per query; while another process holds the
# folder's lock, a much shorter wait.
FAILED_RETRY_SECONDS = 30.0
BUSY_RETRY_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class IndexState:
    """Which store and generation the index on disk reflects, and that store's totals then."""

    library_id: str
    generation: int
    chunks: int
    average_length: float
    schema: int = SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one catch-up did."""

    generation: int
    full: bool
    added: int
    removed: int
    seconds: float


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("library", tokenizer_name="raw", index_option="basic")
    # The terms are already normalized (library/terms.py): split on spaces, nothing more.
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("head", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def _document(row: IndexRow) -> tantivy.Document:
    document = tantivy.Document()
    document.add_integer("id", row.id)
    document.add_text("library", row.library)
    document.add_text("text", f"{row.head_terms} {row.body_terms}")
    document.add_text("head", row.head_terms)
    return document


@contextmanager
def _file_lock(path: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive lock shared by every process using the folder; yields False if busy."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _panics_as_errors() -> Iterator[None]:
    """tantivy panics on some damaged files (pyo3's PanicException, a BaseException, so no
    ``except Exception`` sees it): a ValueError like its other failures, so the caller falls back
    to the store instead of failing the request."""
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise ValueError(f"the search index is damaged: {exc}") from exc


class IndexReader:
    """One consistent view of the index: search and corpus statistics for one query."""

    def __init__(
        self,
        searcher: tantivy.Searcher,
        schema: tantivy.Schema,
        state: IndexState,
        store: LibraryStore,
    ) -> None:
        self._searcher = searcher
        self._schema = schema
        self._state = state
        self._store = store

    def search(self, terms: list[str], *, library: str, k: int) -> list[Candidate]:
        """The ``k`` best chunks of ``library`` for ``terms`` by BM25, best first."""
        if not terms:
            return []
        should = tantivy.Occur.Should
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for term in dict.fromkeys(terms):
            clauses.append((should, tantivy.Query.term_query(self._schema, "text", term)))
            head = tantivy.Query.term_query(self._schema, "head", term)
            clauses.append((should, tantivy.Query.boost_query(head, HEAD_BOOST)))
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self._schema, "library", library)),
                (tantivy.Occur.Must, tantivy.Query.boolean_query(clauses)),
            ]
        )
        with _panics_as_errors():
            hits = self._searcher.search(query, k, count=False).hits
            doc = self._searcher.doc
            scored = [(doc(address)["id"][0], score) for score, address in hits]
        return self._store.fetch(scored)

    def corpus_stats(self, terms: list[str]) -> CorpusStats:
        """Chunk count, average length and per-term chunk counts, as of this view."""
        doc_freq = self._searcher.doc_freq
        with _panics_as_errors():
            frequencies = {term: doc_freq("text", term) for term in terms}
        return CorpusStats(self._state.chunks, self._state.average_length, frequencies)


def default_directory(store: LibraryStore) -> Path | None:
    """Beside a SQLite file; for PostgreSQL, a folder named after the database (a hash of its
    URL, so no password lands in a path) under .promptgen/index; None for another store."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return path.with_name(path.name + ".index")
    url = getattr(store, "url", None)
    if isinstance(url, str):
        return Path(".promptgen/index") / hashlib.sha256(url.encode()).hexdigest()[:16]
    return None


class SearchIndex:
    """The tantivy index of one store in ``directory``; thread-safe, shared between processes."""

    def __init__(self, directory: Path, store: LibraryStore) -> None:
        self.directory = directory / f"v{SCHEMA_VERSION}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.store = store
        self._schema = _schema()
        self._index = self._open()
        self._lock = threading.Lock()
        # One catch-up (or re-creation of a removed folder) at a time in this process; the
        # folder's file lock does the same between processes.
        self._one_sync = threading.Lock()
        self._serving: IndexState | None = None
        self._searcher: tantivy.Searcher | None = None
        self._syncing: threading.Thread | None = None
        self._next_attempt = 0.0  # monotonic time before which no catch-up is started
        # A search failed on the index's own files: rebuild it whole before serving it again.
        self._rebuild: str | None = None
        self.last_error: str | None = None

    def _open(self) -> tantivy.Index:
        """The index in the folder; one written with other fields, or one tantivy cannot open
        (a damaged or half-written file), is derived data: start over (the next sync rebuilds
        it from the store, which answers meanwhile)."""
        try:
            return tantivy.Index(self._schema, path=str(self.directory), reuse=True)
        except ValueError as exc:
            why = (
                "has other fields" if "schema does not match" in str(exc) else f"is damaged ({exc})"
            )
        with _file_lock(self.directory / "sync.lock", wait=True):
            log.warning("Search index at %s %s: rebuilding it", self.directory, why)
            for entry in self.directory.iterdir():
                if entry.name != "sync.lock":
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            return tantivy.Index(self._schema, path=str(self.directory), reuse=True)

    def reader(self, current: tuple[str, int] | None = None) -> IndexReader | LibraryStore:
        """A view of the index when it holds the store's latest generation, else the store.

        ``current``: the store's generation when the caller has just read it.
        """
        if current is None:
            current = self.store.generation()
        with self._lock:
            searcher, serving = self._searcher, self._serving
            if searcher is None or serving is None or not self._matches(serving, current):
                state = self._read_state()
                if self._rebuild or state is None or not self._matches(state, current):
                    self._start_sync()
                    return self.store
                self._index.reload()
                searcher, serving = self._index.searcher(), state
                self._searcher, self._serving = searcher, serving
            return IndexReader(searcher, self._schema, serving, self.store)

    @staticmethod
    def _matches(state: IndexState | None, current: tuple[str, int]) -> bool:
        return state is not None and (state.library_id, state.generation) == current

    def _start_sync(self) -> None:
        """Catch up in a background thread (one at a time) while the store answers."""
        if self._syncing is not None and self._syncing.is_alive():
            return
        if time.monotonic() < self._next_attempt:
            return
        self._syncing = threading.Thread(
            target=self._sync_quietly, name="promptgen-index-sync", daemon=True
        )
        self._syncing.start()

    def _sync_quietly(self) -> None:
        try:
            if self.sync(wait=False) is None:  # another is catching up: look again soon
                self._next_attempt = time.monotonic() + BUSY_RETRY_SECONDS
        except Exception as exc:  # the store keeps answering; /health/deep reports it
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._next_attempt = time.monotonic() + FAILED_RETRY_SECONDS
            log.warning("Search index sync failed: %s", self.last_error)

    def sync(self, *, wait: bool = True) -> SyncReport | None:
        """Bring the index up to the store's latest generation.

        None when another thread or process is catching up and ``wait`` is False (it is doing
        the same work).
        """
        if not self._one_sync.acquire(blocking=wait):
            return None
        try:
            self._recreate_if_removed()
            return self._sync(wait=wait)
        finally:
            self._one_sync.release()

    def _sync(self, *, wait: bool) -> SyncReport | None:
        with _file_lock(self.directory / "sync.lock", wait=wait) as locked:
            if not locked:
                return None
            started = time.perf_counter()
            rebuild = self._rebuild
            state = None if rebuild else self._read_state()
            library_id, generation = self.store.generation()
            if self._matches(state, (library_id, generation)):
                return SyncReport(generation, False, 0, 0, 0.0)
            since = state.generation if state and state.library_id == library_id else None
            with self.store.changes(since) as changes:
                added = self._apply(changes)
                self._write_state(
                    IndexState(
                        changes.library_id,
                        changes.generation,
                        changes.chunks,
                        changes.average_length,
                    )
                )
            if rebuild:
                self._rebuild = None
            report = SyncReport(
                changes.generation,
                changes.full,
                added,
                len(changes.removed),
                time.perf_counter() - started,
            )
        self.last_error = None
        log.info(
            "Search index synced: generation %d, %d chunks added, %d removed%s in %.2f s",
            report.generation,
            report.added,
            report.removed,
            " (full rebuild)" if report.full else "",
            report.seconds,
        )
        return report

    def _apply(self, changes: Changes) -> int:
        """Write ``changes`` in one tantivy commit; returns the chunks added."""
        writer = self._index.writer(WRITER_HEAP_BYTES, 1)
        added = 0
        try:
            if changes.full:
                writer.delete_all_documents()
            for chunk_id in changes.removed:
                writer.delete_documents_by_term("id", chunk_id)
            for batch in changes.rows:
                for row in batch:
                    if not changes.full:  # a chunk id the store reused, or a replayed sync
                        writer.delete_documents_by_term("id", row.id)
                    writer.add_document(_document(row))
                added += len(batch)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        return added

    def _recreate_if_removed(self) -> None:
        """The folder deleted while this process runs: a new, empty index there, which this
        sync fills from the store (until it has, the store answers). Under ``_one_sync``."""
        if (self.directory / "meta.json").is_file():
            return
        log.warning("Search index folder %s was removed: rebuilding it", self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        index = self._open()
        with self._lock:
            self._index, self._searcher, self._serving = index, None, None

    def _read_state(self) -> IndexState | None:
        try:
            raw = json.loads((self.directory / STATE_FILE).read_text(encoding="utf-8"))
            state = IndexState(**raw)
        except (OSError, ValueError, TypeError):
            return None
        return state if state.schema == SCHEMA_VERSION else None

    def _write_state(self, state: IndexState) -> None:
        """Written after the commit, atomically: a crash in between replays the same changes."""
        temporary = self.directory / f".{STATE_FILE}.{os.getpid()}"
        temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
        temporary.replace(self.directory / STATE_FILE)

    def damaged(self, exc: BaseException) -> None:
        """A search of the index failed (a damaged file): the store answers until a full
        rebuild, started now in the background, has replaced the index."""
        why = f"{type(exc).__name__}: {exc}"
        log.warning("Search index at %s failed (%s): rebuilding it", self.directory, why)
        with self._lock:
            self._searcher, self._serving, self._rebuild = None, None, why
        self._start_sync()

    def forget(self) -> None:
        """Make the next sync a full rebuild (the state it would have caught up from is gone)."""
        with self._one_sync:
            self._recreate_if_removed()
            with _file_lock(self.directory / "sync.lock", wait=True):
                (self.directory / STATE_FILE).unlink(missing_ok=True)

    def describe(self) -> str:
        """One line for /health/deep: current, catching up, or why it fails."""
        if self.last_error:
            return f"failing (the store searches meanwhile): {self.last_error}"
        if self._rebuild:
            return (
                f"rebuilding after a failed search (the store searches meanwhile): {self._rebuild}"
            )
        library_id, generation = self.store.generation()
        if self._matches(self._serving or self._read_state(), (library_id, generation)):
            return f"current at generation {generation}"
        return f"catching up to generation {generation} (the store searches meanwhile)"

    def close(self) -> None:
        """Wait for a running catch-up to finish."""
        if self._syncing is not None:
            self._syncing.join()
