"""Ingest files into the Library: parse, diff by content hash, write everything in one transaction."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from promptgen.library.chunking import chunk_text
from promptgen.library.parsers import SUPPORTED_SUFFIXES, ParsedDocument, ParseError, parse_file
from promptgen.library.store import ChunkRecord, DocumentRecord, IngestPlan, LibraryStore
from promptgen.library.terms import terms

Progress = Callable[[Path], None]
# Texts → one vector blob each (see promptgen.embed); None stores no vectors.
EmbedBlobs = Callable[[list[str]], list[bytes]]
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


def display_source(path: Path) -> str:
    """The path as a person would name it: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def content_hash(doc: ParsedDocument) -> str:
    """SHA-256 over a document's title and sections: equal hashes mean nothing to re-index."""
    digest = hashlib.sha256(doc.title.encode())
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


def plan_file(
    store: LibraryStore,
    path: Path,
    docs: list[ParsedDocument],
    library: str,
    report: IngestReport,
    embed: EmbedBlobs | None = None,
) -> tuple[list[DocumentRecord], list[int]]:
    """Upserts and deletes for one parsed file, counting what changes."""
    abs_path = str(path.resolve())
    existing = {d.key: d for d in store.documents(library=library, path=abs_path)}
    upserts: list[DocumentRecord] = []
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
        chunks = chunk_document(doc, embed)
        upserts.append(
            DocumentRecord(
                library, key, abs_path, display_source(path), doc.title, doc.kind, digest, chunks
            )
        )
        report.chunks += len(chunks)
        if old is None:
            report.added += 1
        else:
            report.updated += 1
    deletes = [d.id for key, d in existing.items() if key not in seen]
    report.removed += len(deletes)
    return upserts, deletes


def ingest(
    store: LibraryStore,
    paths: Iterable[Path],
    *,
    library: str = "default",
    prune: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
    embed: EmbedBlobs | None = None,
) -> IngestReport:
    """Ingest ``paths`` into ``library``; files that fail are reported and change nothing."""
    started = clock()
    report = IngestReport()
    files, report.failed = collect_files(paths)
    upserts: list[DocumentRecord] = []
    deletes: list[int] = []
    for path in files:
        report.files += 1
        try:
            docs = parse_file(path)
        except ParseError as exc:
            report.failed.append((str(path), str(exc).removeprefix(f"{path}: ")))
        else:
            file_upserts, file_deletes = plan_file(store, path, docs, library, report)
            upserts.extend(file_upserts)
            deletes.extend(file_deletes)
        if progress is not None:
            progress(path)
    if prune:
        gone = [d.id for d in store.documents(library=library) if not Path(d.path).exists()]
        report.removed += len(gone)
        deletes.extend(gone)
    if embed is not None:
        upserts = with_vectors(upserts, embed)
    report.seconds = clock() - started
    store.apply(IngestPlan(tuple(upserts), tuple(deletes), report.as_dict()))
    return report


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
