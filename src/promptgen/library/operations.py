"""The Library's own operations, owned by the PromptGen facade: list, delete, stats, reindex.

The HTTP routes, the CLI and ``/health/deep`` call these instead of reaching into the store and
the search index, so what a Library operation does (page in SQL, keep the index in step) is
written once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from promptgen.errors import DocumentNotFound
from promptgen.library.documents import DEFAULT_LIMITS, ParseLimits
from promptgen.library.index import SearchIndex, SyncReport
from promptgen.library.ingest import EmbedBlobs, IngestReport, Progress, ingest
from promptgen.library.store import DocumentPage, LibraryStats, LibraryStore, StoredDocument

log = logging.getLogger(__name__)

INDEX_OFF = "off: the store searches (PROMPTGEN_SEARCH_INDEX=store or no usable folder)"


class Library:
    """The store of record and its derived search index, operated together."""

    def __init__(
        self,
        store: LibraryStore,
        index: SearchIndex | None,
        *,
        default: str,
        embed: EmbedBlobs | None = None,
        limits: ParseLimits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.index = index
        self.default = default  # the Library name used when a call names none
        self._embed = embed
        self.limits = limits  # what one file may cost to parse (PROMPTGEN_MAX_FILE_BYTES, …)

    def documents(
        self,
        *,
        library: str | None = None,
        libraries: Sequence[str] | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> DocumentPage:
        """``limit`` documents from ``offset``, oldest first, and the total (paged in SQL).

        ``library``: one named Library's documents; ``libraries``: those of several; neither:
        every Library's. ``limit`` None: all.
        """
        names = [library] if library is not None else libraries
        return self.store.page(libraries=names, limit=limit, offset=offset)

    def document(self, document_id: int) -> StoredDocument:
        """One document, or DocumentNotFound."""
        found = self.store.document(document_id)
        if found is None:
            raise DocumentNotFound(f"no document with id {document_id}")
        return found

    def is_stored(self, path: Path) -> bool:
        """Whether any document still comes from the file at ``path``."""
        return bool(self.store.documents(path=str(path)))

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        library: str | None = None,
        prune: bool = False,
        progress: Progress | None = None,
        root: Path | None = None,
    ) -> IngestReport:
        """Ingest files and folders (one transaction), then bring the index up to date.

        ``root``: files under it are named relative to it (see ``ingest``)."""
        report = ingest(
            self.store,
            paths,
            library=library or self.default,
            prune=prune,
            progress=progress,
            embed=self._embed,
            limits=self.limits,
            root=root,
        )
        self.sync_index()
        return report

    def delete(self, document_id: int) -> StoredDocument:
        """Delete one document and its chunks, then update the index; the document deleted.

        DocumentNotFound when there is none (also when another request deleted it first).
        """
        found = self.document(document_id)
        if not self.store.delete_document(document_id):
            raise DocumentNotFound(f"no document with id {document_id}")
        self.sync_index()
        return found

    def stats(self) -> LibraryStats:
        """Counts, size, last ingest and documents indexed with older term rules."""
        return self.store.stats()

    def generation(self) -> tuple[str, int]:
        """The Library's identity and the generation of its last write (cheap: one read)."""
        return self.store.generation()

    def ping(self) -> None:
        """A trivial query; LibraryUnavailable when the store cannot answer."""
        self.store.ping()

    def describe_index(self) -> str:
        """One line on the search index: current, catching up, failing, or off."""
        return INDEX_OFF if self.index is None else self.index.describe()

    def reindex(self, *, full: bool = False) -> SyncReport | None:
        """Bring the search index up to the store now; a full rebuild with ``full``.

        None when the index is off (the store searches).
        """
        if self.index is None:
            return None
        if full:
            self.index.forget()
        return self.index.sync()

    def sync_index(self) -> None:
        """Bring the index up to the store after a write; a failure only logs (the store answers)."""
        if self.index is None:
            return
        try:
            self.index.sync()
        except (OSError, ValueError) as exc:
            log.warning("Search index sync failed, the store will search meanwhile: %s", exc)

    def close(self) -> None:
        """Wait for a running index sync, then release the store's connection."""
        if self.index is not None:
            self.index.close()
        self.store.close()
