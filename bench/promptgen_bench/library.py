"""Build (or reuse) a benchmark Library: generate the corpus, ingest it with PromptGen.ingest."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import promptgen
from promptgen.engine import PromptGen
from promptgen.settings import Settings
from promptgen_bench.corpus import CORPUS_VERSION, CorpusPlan, write_corpus

CACHE_ROOT = Path(".promptgen/bench")
# Folders (about 10k chunks each) per ingest call: bounds memory for the 1M-chunk Library.
FOLDERS_PER_INGEST = 10

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    """A built benchmark Library and what building it cost."""

    chunks: int
    seed: int
    path: Path
    documents: int
    size_bytes: int
    index_bytes: int
    generate_s: float
    ingest_s: float
    chunks_per_s: float
    cached: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {**asdict(self), "path": str(self.path)}

    @property
    def url(self) -> str:
        """The database URL for PROMPTGEN_DATABASE_URL."""
        return f"sqlite:///{self.path.resolve()}"


def code_fingerprint() -> str:
    """Hash of the code that decides what a Library holds (ingest, schema, embeddings)."""
    package = Path(promptgen.__file__).parent
    digest = hashlib.sha256(str(CORPUS_VERSION).encode())
    for folder in ("library", "embed"):
        for path in sorted((package / folder).rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.relative_to(package).as_posix().encode())
                data = path.read_bytes() if path.suffix == ".py" else str(path.stat().st_size)
                digest.update(data if isinstance(data, bytes) else data.encode())
    return digest.hexdigest()[:10]


def cache_dir(chunks: int, seed: int, root: Path = CACHE_ROOT) -> Path:
    """Where the Library for ``chunks`` and ``seed`` is kept (per version of the ingest code)."""
    return root / f"library-{chunks}-seed{seed}-{code_fingerprint()}"


def _ingest(db: Path, folders: list[Path], say: Say) -> tuple[int, float]:
    """Ingest ``folders`` into ``db`` with PromptGen's own ingest; chunks written and seconds."""
    pg = PromptGen(Settings(database_url=f"sqlite:///{db}"))
    chunks, seconds = 0, 0.0
    try:
        for start in range(0, len(folders), FOLDERS_PER_INGEST):
            batch = folders[start : start + FOLDERS_PER_INGEST]
            began = time.perf_counter()
            report = pg.ingest(batch)
            seconds += time.perf_counter() - began
            if report.failed:
                raise RuntimeError(f"ingest failed: {report.failed[:3]}")
            chunks += report.chunks
            say(f"  ingested {chunks:,} chunks in {seconds:.1f} s")
    finally:
        pg.close()
    return chunks, seconds


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def _index_folder(db: Path) -> Path:
    """The search index PromptGen keeps beside ``db`` (library/index.py's default place)."""
    return db.with_name(db.name + ".index")


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_library(
    chunks: int,
    seed: int = 7,
    *,
    root: Path = CACHE_ROOT,
    rebuild: bool = False,
    say: Say = print,
) -> LibraryInfo:
    """The Library of ``chunks`` generated chunks, from the cache when it was built before."""
    where = cache_dir(chunks, seed, root)
    meta, db = where / "library.json", where / "library.db"
    if not rebuild and meta.is_file() and db.is_file():
        info = json.loads(meta.read_text())
        info.setdefault("index_bytes", _folder_size(_index_folder(db)))
        info.update(path=db, cached=True)
        return LibraryInfo(**info)
    for stale in root.glob(f"library-{chunks}-seed{seed}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # built by older ingest code: never reused
    where.mkdir(parents=True)
    plan = CorpusPlan.make(chunks, seed)
    with tempfile.TemporaryDirectory(prefix="promptgen-bench-") as tmp:
        say(f"generating {chunks:,} chunks (seed {seed}) in {tmp}")
        began = time.perf_counter()
        folders = write_corpus(plan, Path(tmp))
        generate_s = time.perf_counter() - began
        building = where / "building.db"
        written, ingest_s = _ingest(building, folders, say)
    pg = PromptGen(Settings(database_url=f"sqlite:///{building}"))
    stats = pg.library.stats()
    pg.close()
    building.rename(db)
    # The index records the Library's identity and generation, not its path: it moves along.
    _index_folder(building).rename(_index_folder(db))
    info = LibraryInfo(
        chunks=written,
        seed=seed,
        path=db,
        documents=stats.documents,
        size_bytes=_size(db),
        index_bytes=_folder_size(_index_folder(db)),
        generate_s=round(generate_s, 2),
        ingest_s=round(ingest_s, 2),
        chunks_per_s=round(written / ingest_s, 1) if ingest_s else 0.0,
        cached=False,
    )
    record = {k: v for k, v in info.as_dict().items() if k not in ("path", "cached")}
    meta.write_text(json.dumps(record, indent=2))
    return info
