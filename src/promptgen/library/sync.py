"""Keep a Library in step with a folder: watch it, and re-read only files whose size or mtime changed.

The folder's file events (watchfiles: inotify, FSEvents, ReadDirectoryChangesW) say *when* to
look; each pass compares every file's (size, mtime) with the last pass to decide *what* to
read, so events that are coalesced, dropped or not delivered at all cost nothing but a
delay. The files a pass reads go through ``ingest``, the same parse-and-plan loop (and worker
pool) as ``promptgen ingest``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

import watchfiles

from promptgen.errors import LibraryUnavailable
from promptgen.library.documents import DEFAULT_LIMITS, ParseLimits
from promptgen.library.ingest import EmbedBlobs, IngestReport, collect_files, ingest
from promptgen.library.parsers import SUPPORTED_SUFFIXES
from promptgen.library.store import LibraryStore, StoredDocument

Signature = tuple[int, int]  # (size in bytes, mtime in nanoseconds)
# A batch of changed paths; an empty one is a quiet spell of ``retry`` seconds.
Batch = Collection[str]


def signature(path: Path) -> Signature | None:
    """The file's (size, mtime_ns), or None when it vanished."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def is_idle(report: IngestReport) -> bool:
    """True when a pass found nothing to do: nothing added, changed, removed or failed."""
    return not (report.files or report.removed or report.failed)


class FolderSync:
    """One folder mirrored into one Library; remembers each file's signature between passes."""

    def __init__(
        self,
        store: LibraryStore,
        folder: Path,
        *,
        library: str = "default",
        embed: EmbedBlobs | None = None,
        clock: Callable[[], float] = time.perf_counter,
        limits: ParseLimits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.folder = folder.resolve()
        self.library = library
        self.embed = embed
        self.clock = clock
        self.limits = limits
        self.seen: dict[Path, Signature] = {}

    def run_once(self) -> IngestReport:
        """Ingest new and changed files and drop documents whose files left the folder.

        Files whose (size, mtime_ns) match the last pass are not opened. All writes of a
        pass are one transaction; a pass that finds nothing writes nothing.
        """
        if not self.folder.is_dir():
            # An unmounted share must not look like a folder whose files were all deleted.
            report = IngestReport()
            report.failed.append((str(self.folder), "no such folder; nothing synced"))
            return report
        files, _ = collect_files([self.folder])
        current = {path.resolve(): signature(path) for path in files}
        changed = [p for p, sig in current.items() if sig is not None and self.seen.get(p) != sig]
        present = {str(p) for p in current}

        def left_the_folder(doc: StoredDocument) -> bool:
            return Path(doc.path).is_relative_to(self.folder) and doc.path not in present

        report = ingest(
            self.store,
            changed,
            library=self.library,
            prune=left_the_folder,
            clock=self.clock,
            embed=self.embed,
            record_idle=False,
            limits=self.limits,
        )
        # Only after the write: a pass that failed is retried in full next time.
        self.seen = {p: sig for p, sig in current.items() if sig is not None}
        return report


def _worth_a_look(folder: Path) -> Callable[[watchfiles.Change, str], bool]:
    """A watchfiles filter: changes that may matter to the folder's documents.

    Hidden entries are skipped (as ``collect_files`` does), and so are existing files of
    types that are never ingested: a Library file kept in the folder then does not wake
    the watch with its own writes.
    """

    def keep(_change: watchfiles.Change, path: str) -> bool:
        entry = Path(path)
        try:
            parts = entry.relative_to(folder).parts
        except ValueError:
            parts = entry.parts
        if any(part.startswith(".") for part in parts):
            return False
        return not (entry.suffix.lower() not in SUPPORTED_SUFFIXES and entry.is_file())

    return keep


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        stat = folder.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def folder_changes(
    folder: Path,
    *,
    retry: float = 5.0,
    stop: threading.Event | None = None,
    debounce_ms: int = 1600,
) -> Iterator[Batch]:
    """Batches of changed paths under ``folder``, as they happen, until ``stop`` is set.

    After ``retry`` quiet seconds an empty batch comes (the caller may retry a failed pass).
    When watching (re)starts, the first batch is never empty (a quiet spell yields the folder
    itself), so changes made while the watch was being set up are looked for. A folder that
    goes away (an unmounted share) is looked for every ``retry`` seconds and watched anew when
    it is back. Ctrl-C raises KeyboardInterrupt within about 50 ms, whatever the wait.
    """
    folder = folder.resolve()
    timeout_ms = max(1, round(retry * 1000))
    while stop is None or not stop.is_set():
        identity = _identity(folder)
        if identity is None or not folder.is_dir():
            yield ()
            if stop is not None:
                stop.wait(retry)
            else:
                time.sleep(retry)
            continue
        settled = False
        for batch in watchfiles.watch(
            folder,
            watch_filter=_worth_a_look(folder),
            debounce=debounce_ms,
            stop_event=stop,
            rust_timeout=timeout_ms,
            yield_on_timeout=True,
        ):
            if batch or settled:
                yield [path for _, path in batch]
            else:
                yield (str(folder),)
            settled = True
            removed = (watchfiles.Change.deleted, str(folder)) in batch
            if removed or _identity(folder) != identity:
                break  # removed or replaced: this watch sees nothing more


def watch(
    sync: FolderSync,
    *,
    retry: float = 5.0,
    changes: Iterable[Batch] | None = None,
    stop: threading.Event | None = None,
    on_pass: Callable[[IngestReport], None] | None = None,
    on_error: Callable[[LibraryUnavailable], None] | None = None,
) -> int:
    """Sync now, then after each batch of changes, until interrupted; return the passes run.

    ``changes``: the batches to follow (default: ``folder_changes`` of the folder). A pass
    that could not do its work (an unreachable Library, a missing folder) is retried after
    each quiet spell of ``retry`` seconds; without ``on_error`` an unreachable Library ends
    the loop. Stops when ``changes`` ends or ``stop`` is set.
    """
    batches = folder_changes(sync.folder, retry=retry, stop=stop) if changes is None else changes
    done = 0

    def run() -> bool:
        """One pass; True when it must be tried again."""
        nonlocal done
        done += 1
        try:
            report = sync.run_once()
        except LibraryUnavailable as exc:
            if on_error is None:
                raise
            on_error(exc)
            return True
        if on_pass is not None:
            on_pass(report)
        return not sync.folder.is_dir()

    retry_due = run()
    for batch in batches:
        if stop is not None and stop.is_set():
            break
        if batch or retry_due:
            retry_due = run()
    return done
