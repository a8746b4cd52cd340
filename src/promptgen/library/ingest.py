"""Ingest files into the Library: parse, diff by content hash, write everything in one transaction."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from promptgen.embed.embedder import Embedder
from promptgen.errors import ParseError
from promptgen.library.chunking import chunk_text
from promptgen.library.documents import DEFAULT_LIMITS, ParsedDocument, ParseLimits
from promptgen.library.parsers import SUPPORTED_SUFFIXES, parse_file
from promptgen.library.store import (
    ChunkRecord,
    DocumentRecord,
    IngestPlan,
    LibraryStore,
    StoredDocument,
)
from promptgen.library.terms import TERMS_VERSION, terms

Progress = Callable[[Path], None]
# Texts → one vector blob each (see promptgen.embed); None stores no vectors.
EmbedBlobs = Callable[[list[str]], list[bytes]]
# Picks the stored documents an ingest removes (see ``ingest``'s ``prune``).
Stale = Callable[[StoredDocument], bool]
EMBED_BATCH = 1024


@dataclass(slots=True)
class IngestReport:
    """What one ingest did: document counts, failures with reasons, chunks written, seconds."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    files: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, float]:
        """Counts as a flat mapping (what the ingests table records)."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": len(self.failed),
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest under ``paths`` (folders walked, hidden entries skipped) and missing paths."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(
                    Path(root) / n
                    for n in sorted(names)
                    if not n.startswith(".") and Path(n).suffix.lower() in SUPPORTED_SUFFIXES
                )
        elif path.is_file():
            files.append(path)
        else:
            missing.append((str(path), "no such file or folder"))
    return files, missing


def display_source(path: Path, root: Path | None = None) -> str:
    """The path as a person would name it: relative to ``root`` (an upload folder, whose place
    on the server is nobody's business) or else to the working folder, when inside it."""
    resolved = path.resolve()
    for base in (root, Path.cwd()):
        if base is not None and resolved.is_relative_to(base.resolve()):
            return str(resolved.relative_to(base.resolve()))
    return str(resolved)


def content_hash(doc: ParsedDocument) -> str:
    """SHA-256 over a document's title and sections: equal hashes mean nothing to re-index."""
    digest = hashlib.sha256(f"terms v{TERMS_VERSION}\x1d{doc.title}".encode())
    for section in doc.sections:
        digest.update(b"\x1e" + section.heading.encode() + b"\x1f" + section.text.encode())
    return digest.hexdigest()


def chunk_document(doc: ParsedDocument, embed: EmbedBlobs | None = None) -> tuple[ChunkRecord, ...]:
    """The document's chunks with their heading paths, index terms and (optionally) vectors."""
    pieces = [
        (section.heading, " ".join(terms(f"{doc.title} {section.heading}")), text)
        for section in doc.sections
        for text in chunk_text(section.text)
    ]
    # The heading path is embedded with the text: it often says what the passage is about.
    vectors = (
        embed([f"{heading}\n{text}" for heading, _, text in pieces]) if embed and pieces else []
    )
    return tuple(
        ChunkRecord(
            n, heading, text, head_terms, " ".join(terms(text)), vectors[n] if vectors else None
        )
        for n, (heading, head_terms, text) in enumerate(pieces)
    )


def _plan(
    store: LibraryStore,
    path: Path,
    docs: list[ParsedDocument],
    library: str,
    report: IngestReport,
    root: Path | None = None,
) -> tuple[list[tuple[DocumentRecord, ParsedDocument]], list[int]]:
    """What changes for one parsed file: documents to (re)write, not chunked yet, and deletes."""
    abs_path = str(path.resolve())
    existing = {d.key: d for d in store.documents(library=library, path=abs_path)}
    source = display_source(path, root)
    pending: list[tuple[DocumentRecord, ParsedDocument]] = []
    seen: set[str] = set()
    for doc in docs:
        key = f"{abs_path}#{doc.key}" if doc.key else abs_path
        if key in seen:
            continue
        seen.add(key)
        digest = content_hash(doc)
        old = existing.get(key)
        if old is not None and old.content_hash == digest:
            report.unchanged += 1
            continue
        record = DocumentRecord(library, key, abs_path, source, doc.title, doc.kind, digest, ())
        pending.append((record, doc))
        if old is None:
            report.added += 1
        else:
            report.updated += 1
    deletes = [d.id for key, d in existing.items() if key not in seen]
    report.removed += len(deletes)
    return pending, deletes


def _diff(
    store: LibraryStore,
    files: list[Path],
    chunker: ChunkPool,
    report: IngestReport,
    library: str,
    limits: ParseLimits,
    root: Path | None,
    progress: Progress | None,
) -> list[int]:
    """Parse and diff each file against the store: the documents to (re)write go to
    ``chunker``, the ids to delete are returned, failures and counts land in ``report``."""
    deletes: list[int] = []
    for path in files:
        report.files += 1
        try:
            docs = parse_file(path, limits)
        except ParseError as exc:
            report.failed.append((str(path), str(exc).removeprefix(f"{path}: ")))
        else:
            pending, file_deletes = _plan(store, path, docs, library, report, root)
            chunker.add(pending)
            deletes.extend(file_deletes)
        if progress is not None:
            progress(path)
    return deletes


def ingest(
    store: LibraryStore,
    paths: Iterable[Path],
    *,
    library: str = "default",
    prune: bool | Stale = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
    embed: EmbedBlobs | None = None,
    record_idle: bool = True,
    limits: ParseLimits = DEFAULT_LIMITS,
    root: Path | None = None,
) -> IngestReport:
    """Ingest ``paths`` into ``library``; files that fail are reported and change nothing.

    A large ingest chunks, indexes and embeds its documents in worker processes (see
    ``ChunkPool``) while this process parses and diffs files; either way every write
    happens at the end, in one transaction. ``prune``: True removes the documents whose files
    are gone, a function the documents it picks. ``record_idle=False``: an ingest that changes
    nothing writes nothing, not even its record in the ingests table (a folder watch's pass).
    A file past ``limits`` (size, PDF pages, JSON depth, text) fails with the reason. A file
    under ``root`` is named (its ``source``) relative to it.
    Interrupted (Ctrl-C) or failing, it stops its workers at once and writes nothing.
    """
    started = clock()
    report = IngestReport()
    files, report.failed = collect_files(paths)
    chunker = ChunkPool.for_ingest(files, embed)
    try:
        deletes = _diff(store, files, chunker, report, library, limits, root, progress)
        if prune:
            stale = prune if callable(prune) else _file_gone
            gone = [d.id for d in store.documents(library=library) if stale(d)]
            report.removed += len(gone)
            deletes.extend(gone)
        upserts = chunker.results()
    except BaseException:
        chunker.close(abandon=True)
        raise
    chunker.close()
    report.chunks += sum(len(u.chunks) for u in upserts)
    if embed is not None and not chunker.embeds:
        upserts = with_vectors(upserts, embed)
    report.seconds = clock() - started
    if record_idle or upserts or deletes:
        store.apply(IngestPlan(tuple(upserts), tuple(deletes), report.as_dict()))
    return report


def _file_gone(document: StoredDocument) -> bool:
    return not Path(document.path).exists()


def with_vectors(upserts: list[DocumentRecord], embed: EmbedBlobs) -> list[DocumentRecord]:
    """The documents with every chunk's vector, embedded in large batches.

    The tokenizer has a fixed cost per call (~0.7 ms) that dwarfs one chunk's work, so the
    chunks of the whole ingest are embedded together rather than document by document.
    """
    texts = [f"{c.heading}\n{c.text}" for doc in upserts for c in doc.chunks]
    vectors: list[bytes] = []
    for start in range(0, len(texts), EMBED_BATCH):
        vectors.extend(embed(texts[start : start + EMBED_BATCH]))
    remaining = iter(vectors)
    return [
        replace(doc, chunks=tuple(replace(c, vector=next(remaining)) for c in doc.chunks))
        for doc in upserts
    ]


# --- chunking in worker processes -------------------------------------------------------------

# Below this many bytes of files an ingest stays in this process (starting workers costs ~1 s).
POOL_MIN_BYTES = 2_000_000
POOL_WORKERS = 2
# Documents go to a worker in batches of about this many characters (a few hundred chunks).
POOL_BATCH_CHARS = 250_000

_worker_embed: EmbedBlobs | None = None


def _start_worker(embedder: Embedder | None) -> None:
    global _worker_embed
    # Ctrl-C reaches the whole process group: the ingest process decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_embed = embedder.for_bulk().blobs if embedder is not None else None


def _chunk_batch(docs: list[ParsedDocument]) -> list[tuple[ChunkRecord, ...]]:
    """Worker side: each document's chunks, with vectors when the worker embeds."""
    chunked = [chunk_document(doc) for doc in docs]
    if _worker_embed is None:
        return chunked
    texts = [f"{c.heading}\n{c.text}" for chunks in chunked for c in chunks]
    remaining = iter(_worker_embed(texts) if texts else [])
    return [tuple(replace(c, vector=next(remaining)) for c in chunks) for chunks in chunked]


def portable_embedder(embed: EmbedBlobs | None) -> Embedder | None:
    """The Embedder behind ``embed`` when a worker process can rebuild it, else None.

    Recognized: ``Embedder.blobs`` of a plain Embedder (what ``PromptGen.ingest`` passes). Any
    other callable is called in this process, after the workers have chunked.
    """
    owner = getattr(embed, "__self__", None)
    func = getattr(embed, "__func__", None)
    if type(owner) is Embedder and func is Embedder.blobs:
        return owner
    return None


class ChunkPool:
    """Chunks (and indexes, and embeds) planned documents in this process or in a pool.

    ``add`` takes documents as files are planned, ``results`` gives them back in the same
    order with their chunks. Pooled, batches run in ``POOL_WORKERS`` spawned processes while
    the caller goes on parsing; a worker's failure fails the ingest before anything is written.
    """

    def __init__(self, pool: ProcessPoolExecutor | None = None, *, embeds: bool = False) -> None:
        self.pool = pool
        self.embeds = embeds
        self._records: list[DocumentRecord] = []
        self._chunked: list[tuple[ChunkRecord, ...]] = []
        self._futures: list[Future[list[tuple[ChunkRecord, ...]]]] = []
        self._batch: list[ParsedDocument] = []
        self._batch_chars = 0

    @classmethod
    def for_ingest(cls, files: list[Path], embed: EmbedBlobs | None) -> ChunkPool:
        """A pool when the files are big enough to pay for one and there are cores to use."""
        workers = min(POOL_WORKERS, os.cpu_count() or 1)
        if workers < 2 or _total_bytes(files) < POOL_MIN_BYTES or not _spawn_safe():
            return cls()
        embedder = portable_embedder(embed)
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(embedder,),
        )
        return cls(pool, embeds=embedder is not None)

    def add(self, pending: list[tuple[DocumentRecord, ParsedDocument]]) -> None:
        """Documents to chunk (records without chunks, and the parsed documents)."""
        for record, doc in pending:
            self._records.append(record)
            if self.pool is None:
                self._chunked.append(chunk_document(doc))
            else:
                self._batch.append(doc)
                self._batch_chars += sum(len(s.text) + len(s.heading) for s in doc.sections)
        if self._batch_chars >= POOL_BATCH_CHARS:
            self._submit()

    def _submit(self) -> None:
        if self.pool is not None and self._batch:
            self._futures.append(self.pool.submit(_chunk_batch, self._batch))
        self._batch = []
        self._batch_chars = 0

    def results(self) -> list[DocumentRecord]:
        """Every added document with its chunks, in the order added."""
        if self.pool is not None:
            self._submit()
            self._chunked = [chunks for future in self._futures for chunks in future.result()]
        return [
            replace(record, chunks=chunks)
            for record, chunks in zip(self._records, self._chunked, strict=True)
        ]

    def close(self, *, abandon: bool = False) -> None:
        """Stop the workers; ``abandon`` (the ingest failed or was interrupted): at once.

        Abandoning cancels the batches not started and terminates the workers rather than
        waiting for the batches they are chunking or embedding.
        """
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if not abandon:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        workers = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        # Wait for them to end without reaping them (the executor's own thread does that).
        multiprocessing.connection.wait([w.sentinel for w in workers], timeout=5)


def _spawn_safe() -> bool:
    """True when spawned workers can start without running the main script's code again.

    A spawned process re-imports the main script (as ``__mp_main__``); one without the
    ``if __name__ == "__main__":`` guard would run its ingest again there, so such a
    script ingests in this process instead.
    """
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    path = getattr(main, "__file__", None)
    if name == "__main__" or name.endswith(".__main__") or path is None:
        return True  # `python -m package`, the REPL, `python -c`: nothing is re-run
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "__main__" in source


def _total_bytes(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total
