"""The LibraryStore protocol and the records it stores; SQLite and PostgreSQL implement it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from promptgen.types import Hit


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    """A chunk ready to store: its text, heading path, position and index terms."""

    position: int
    heading: str
    text: str
    head_terms: str
    body_terms: str
    vector: bytes | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document ready to store, with every chunk it is made of."""

    library: str
    key: str
    path: str
    source: str
    title: str
    kind: str
    content_hash: str
    chunks: tuple[ChunkRecord, ...]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as the Library holds it."""

    id: int
    library: str
    key: str
    path: str
    source: str
    title: str
    kind: str
    content_hash: str
    chunk_count: int
    ingested_at: str
    terms_version: int  # the term rules it was indexed with (library/terms.py TERMS_VERSION)


# The columns of ``StoredDocument``, in its field order (both stores select them by name).
DOCUMENT_COLUMNS = (
    "id, library, key, path, source, title, kind, content_hash, chunk_count, ingested_at,"
    " terms_version"
)


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """One page of a Library's documents (oldest first) and how many there are in all."""

    documents: tuple[StoredDocument, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A search hit together with the index terms of its chunk, in order (head then body).

    ``terms`` is the stored space-separated string, split only by the re-ranker (which may
    already hold its counts: see ``retrieve.TermCounts``).
    """

    hit: Hit
    terms: str
    vector: bytes | None = None


# Tombstones are kept for this many generations (writes); an index further behind than that
# starts over with a full rebuild, which takes seconds even at 100k chunks.
TOMBSTONE_GENERATIONS = 1000


def prune_horizon(generation: int) -> int:
    """Tombstones at or below this generation can go once ``generation`` is written."""
    return generation - TOMBSTONE_GENERATIONS


def catch_up_from(since: int | None, generation: int) -> int | None:
    """``since`` when the kept tombstones still reach back to it, else None (a full rebuild)."""
    if since is None or since < prune_horizon(generation):
        return None
    return since


def ordered_candidates(
    rows: Iterable[Sequence[Any]], scored: list[tuple[int, float]]
) -> list[Candidate]:
    """Candidates in the order and with the scores of ``scored`` (chunk id, score), from rows of
    (id, document id, source, title, heading, text, head terms, body terms, vector); ids
    without a row (deleted since the index saw them) are skipped."""
    by_id = {row[0]: row for row in rows}
    return [
        Candidate(
            Hit(row[0], row[1], row[2], row[3], row[4], row[5], score),
            f"{row[6]} {row[7]}",
            row[8],
        )
        for chunk_id, score in scored
        if (row := by_id.get(chunk_id)) is not None
    ]


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What BM25 needs to know about the whole Library."""

    chunks: int
    average_length: float
    frequencies: dict[str, int]


@dataclass(frozen=True, slots=True)
class IngestPlan:
    """Writes that one ingest makes, applied together or not at all."""

    upserts: tuple[DocumentRecord, ...] = ()
    deletes: tuple[int, ...] = ()
    summary: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What a derived search index holds of one chunk."""

    id: int
    library: str
    head_terms: str
    body_terms: str


@dataclass(frozen=True, slots=True)
class Changes:
    """The writes after a generation, read in one snapshot, for a derived index to catch up.

    ``full`` means ``rows`` holds every chunk (the index starts over); otherwise ``rows`` holds
    the chunks added after the generation asked for and ``removed`` the ones deleted since.
    """

    library_id: str
    generation: int
    full: bool
    removed: tuple[int, ...]
    rows: Iterator[list[IndexRow]]
    chunks: int
    average_length: float


@dataclass(frozen=True, slots=True)
class LibraryStats:
    """Size and freshness of the Library."""

    documents: int
    chunks: int
    size_bytes: int
    last_ingest: str | None
    libraries: dict[str, int]
    kinds: dict[str, int]
    # Documents indexed with older term rules (library/terms.py TERMS_VERSION): re-ingest them.
    outdated_documents: int = 0

    def reingest_note(self) -> str | None:
        """What to do about documents indexed with older term rules; None when there are none."""
        if not self.outdated_documents:
            return None
        count = self.outdated_documents
        return (
            f"{count} document{'s' if count != 1 else ''} indexed with older term rules: "
            "searches may miss them until their folders are ingested again (promptgen ingest PATH)"
        )


class Searchable(Protocol):
    """What retrieval needs: BM25 candidates and corpus statistics (a store or its index)."""

    def search(self, terms: list[str], *, library: str, k: int) -> list[Candidate]:
        """The ``k`` best chunks for ``terms`` by BM25, best first."""
        ...

    def corpus_stats(self, terms: list[str]) -> CorpusStats:
        """Chunk count, average chunk length and, per term, how many chunks contain it."""
        ...


class LibraryStore(Protocol):
    """Store of record for documents and chunks, with a BM25 full-text index over chunks."""

    def documents(
        self, *, library: str | None = None, path: str | None = None
    ) -> list[StoredDocument]:
        """Stored documents, optionally only one Library's or one file's."""
        ...

    def document(self, document_id: int) -> StoredDocument | None:
        """One stored document, or None when there is none with that id."""
        ...

    def page(
        self, *, libraries: Sequence[str] | None, limit: int | None, offset: int
    ) -> DocumentPage:
        """``limit`` documents (None: all) from ``offset``, oldest first, paged by the database;
        only those of ``libraries`` (None: every Library)."""
        ...

    def apply(self, plan: IngestPlan) -> None:
        """Apply every write of ``plan`` in one transaction."""
        ...

    def delete_document(self, document_id: int) -> bool:
        """Delete one document and its chunks; False when there was none."""
        ...

    def search(self, terms: list[str], *, library: str, k: int) -> list[Candidate]:
        """The ``k`` best chunks for ``terms`` by BM25, best first."""
        ...

    def corpus_stats(self, terms: list[str]) -> CorpusStats:
        """Chunk count, average chunk length and, per term, how many chunks contain it."""
        ...

    def fetch(self, scored: list[tuple[int, float]]) -> list[Candidate]:
        """Candidates for (chunk id, score) pairs, in that order; ids no longer stored are skipped."""
        ...

    def generation(self) -> tuple[str, int]:
        """This Library's identity and the generation of its last write (cheap: per query)."""
        ...

    def changes(self, since: int | None) -> AbstractContextManager[Changes]:
        """Writes after generation ``since`` (every chunk when None), in one read snapshot."""
        ...

    def stats(self) -> LibraryStats:
        """Counts, size and last ingest."""
        ...

    def ping(self) -> None:
        """Run a trivial query; raises LibraryUnavailable when the store cannot answer."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
