"""Keep a Library in step with a folder: re-read only files whose size or mtime changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from promptgen.errors import LibraryUnavailable
from promptgen.library.ingest import (
    EmbedBlobs,
    IngestReport,
    collect_files,
    plan_file,
)
from promptgen.library.parsers import ParseError, parse_file
from promptgen.library.store import DocumentRecord, IngestPlan, LibraryStore

Signature = tuple[int, int]  # (size in bytes, mtime in nanoseconds)


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
    ) -> None:
        self.store = store
        self.folder = folder.resolve()
        self.library = library
        self.embed = embed
        self.clock = clock
        self.seen: dict[Path, Signature] = {}

    def run_once(self) -> IngestReport:
        """Ingest new and changed files and drop documents whose files left the folder.

        Files whose (size, mtime_ns) match the last pass are not opened. All writes of a
        pass are one transaction; a pass that finds nothing writes nothing.
        """
        started = self.clock()
        report = IngestReport()
        if not self.folder.is_dir():
            # An unmounted share must not look like a folder whose files were all deleted.
            report.failed.append((str(self.folder), "no such folder; nothing synced"))
            return report
        files, _ = collect_files([self.folder])
        current = {path.resolve(): signature(path) for path in files}
        changed = [p for p, sig in current.items() if sig is not None and self.seen.get(p) != sig]
        upserts: list[DocumentRecord] = []
        deletes: list[int] = []
        for path in changed:
            report.files += 1
            try:
                docs = parse_file(path)
            except ParseError as exc:
                report.failed.append((str(path), str(exc).removeprefix(f"{path}: ")))
                continue
            planned, dropped = plan_file(self.store, path, docs, self.library, report, self.embed)
            upserts.extend(planned)
            deletes.extend(dropped)
        present = {str(p) for p in current}
        gone = [
            d.id
            for d in self.store.documents(library=self.library)
            if Path(d.path).is_relative_to(self.folder) and d.path not in present
        ]
        report.removed += len(gone)
        report.seconds = self.clock() - started
        if upserts or deletes or gone:
            self.store.apply(IngestPlan(tuple(upserts), (*deletes, *gone), report.as_dict()))
        # Only after the write: a pass that failed is retried in full next time.
        self.seen = {p: sig for p, sig in current.items() if sig is not None}
        return report


def watch(
    sync: FolderSync,
    *,
    interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    on_pass: Callable[[IngestReport], None] | None = None,
    on_error: Callable[[LibraryUnavailable], None] | None = None,
    passes: int | None = None,
) -> int:
    """Sync every ``interval`` seconds until interrupted (or ``passes`` passes); return passes run.

    An unreachable Library does not end the loop: the error is reported and the next pass
    retries everything that pass would have written.
    """
    done = 0
    while passes is None or done < passes:
        if done:
            sleep(interval)
        try:
            report = sync.run_once()
        except LibraryUnavailable as exc:
            if on_error is None:
                raise
            on_error(exc)
        else:
            if on_pass is not None:
                on_pass(report)
        done += 1
    return done
