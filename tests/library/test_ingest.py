"""Ingest-specific behaviour: term-rule versions, what a folder walk takes, the worker pool.

The behaviours every store shares (idempotence, replacing, pruning, failures, atomicity,
separate Libraries) are checked once per store in test_stores.py.
"""

from __future__ import annotations

import hashlib
import multiprocessing.process
import signal
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from promptgen import PromptGen
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.terms import TERMS_VERSION, terms


def test_new_term_rules_reindex_unchanged_files(
    engine: PromptGen, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.ingest([notes])
    monkeypatch.setattr("promptgen.library.ingest.TERMS_VERSION", 999)
    again = engine.ingest([notes])
    assert (again.added, again.updated, again.unchanged) == (0, 5, 0)
    assert engine.ingest([notes]).unchanged == 5


TERMS_SAMPLE = (
    "Deploying the Kafka rollout's caches: naïve café, ＡＰＩ keys, x² ﬁne; "
    "部署应用 様々な方法 ﾃﾞｰﾀ 배포 절차 か\u3099くせい हिंदी में लिखें ภาษาไทย ที่ดี"
)


def test_terms_version_is_bumped_when_the_terms_change() -> None:
    # Stored chunks keep the terms of the rules they were ingested with; the version in the
    # content hash is what makes a re-ingest re-index them, so it must move with the rules.
    digest = hashlib.sha256(" ".join(terms(TERMS_SAMPLE)).encode()).hexdigest()[:16]
    assert (TERMS_VERSION, digest) == (3, "8e13c4c88338c35b"), (
        "terms() gives other terms now: bump TERMS_VERSION in library/terms.py and update the pin"
    )


def test_missing_path_is_reported(engine: PromptGen, tmp_path: Path) -> None:
    report = engine.ingest([tmp_path / "nope"])
    assert report.failed == [(str(tmp_path / "nope"), "no such file or folder")]


def test_folders_skip_unsupported_and_hidden_files(engine: PromptGen, notes: Path) -> None:
    (notes / "photo.png").write_bytes(b"\x89PNG\r\n")
    (notes / ".secret.md").write_text("# hidden", encoding="utf-8")
    report = engine.ingest([notes])
    assert report.added == 5 and not report.failed


def _vectors(store: SQLiteStore) -> list[tuple[str, str, str, int, bytes | None]]:
    conn = sqlite3.connect(store.path)
    rows = conn.execute(
        "SELECT d.source, c.heading, c.text, c.length, c.vector FROM chunks c JOIN documents d"
        " ON d.id = c.document_id ORDER BY 1, c.position"
    ).fetchall()
    conn.close()
    return rows


def test_a_pooled_ingest_writes_exactly_what_an_in_process_one_does(
    engine: PromptGen, notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptgen import PromptGen as Engine
    from promptgen.library import ingest as ingest_module

    for n in range(3):  # a big file's documents go out in several batches
        (notes / f"big{n}.md").write_text(
            "\n\n".join(f"## Part {n}.{i}\n\nrelease step {i} of {n} " * 3 for i in range(60)),
            encoding="utf-8",
        )
    in_process = engine.ingest([notes])
    monkeypatch.setattr(ingest_module, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(ingest_module, "POOL_BATCH_CHARS", 2_000)
    assert ingest_module.portable_embedder(engine.embedder.blobs) is engine.embedder
    pooled_engine = Engine(
        engine.settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'pooled.db'}"}),
        classifier=engine.classifier,
        catalog=engine.catalog,
        tokenizer=engine.tokenizer,
        embedder=engine.embedder,
    )
    try:
        pooled = pooled_engine.ingest([notes])
        assert pooled.as_dict() | {"seconds": 0} == in_process.as_dict() | {"seconds": 0}
        assert _vectors(pooled_engine.library.store) == _vectors(engine.library.store)  # type: ignore[arg-type]
        assert pooled_engine.ingest([notes]).unchanged == in_process.added
    finally:
        pooled_engine.close()


def test_a_custom_embed_function_is_called_in_this_process(
    engine: PromptGen, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptgen.library import ingest as ingest_module

    calls: list[int] = []

    def embed(texts: list[str]) -> list[bytes]:
        calls.append(len(texts))
        return [b"\x00\x00" * 4 for _ in texts]

    monkeypatch.setattr(ingest_module, "POOL_MIN_BYTES", 0)
    assert ingest_module.portable_embedder(embed) is None
    report = ingest_module.ingest(engine.library.store, [notes], embed=embed)
    assert sum(calls) == report.chunks > 0


def test_ctrl_c_during_a_pooled_ingest_stops_the_workers_at_once(
    engine: PromptGen, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptgen.library import ingest as ingest_module

    for n in range(3):
        (notes / f"big{n}.md").write_text(
            "\n\n".join(f"## Part {n}.{i}\n\nrelease step {i} of {n} " * 3 for i in range(60)),
            encoding="utf-8",
        )
    monkeypatch.setattr(ingest_module, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(ingest_module, "POOL_BATCH_CHARS", 2_000)
    pools: list[Any] = []
    workers: list[multiprocessing.process.BaseProcess] = []
    managers: list[threading.Thread] = []
    pool_for = ingest_module.ChunkPool.for_ingest

    def watched_pool(files: list[Path], embed: Any) -> ingest_module.ChunkPool:
        chunker = pool_for(files, embed)
        assert chunker.pool is not None
        pools.append(chunker.pool)
        return chunker

    monkeypatch.setattr(ingest_module.ChunkPool, "for_ingest", staticmethod(watched_pool))

    def interrupt(path: Path) -> None:
        if path.name == "big0.md":  # its batches are with the workers by now
            workers.extend(pools[0]._processes.values())
            managers.append(pools[0]._executor_manager_thread)
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        ingest_module.ingest(engine.library.store, [notes], progress=interrupt)
    assert workers
    managers[0].join(timeout=10)  # the executor's thread reaps the workers: wait until it has
    assert all(w.exitcode == -signal.SIGTERM for w in workers)  # stopped, not drained
    assert engine.library.stats().documents == 0
