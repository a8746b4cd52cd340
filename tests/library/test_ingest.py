"""Ingest is idempotent, replaces changed files, prunes, and is all-or-nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from promptgen import PromptGen
from promptgen.errors import LibraryUnavailable
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.terms import TERMS_VERSION, terms


def _chunks(store: SQLiteStore) -> list[tuple[str, str]]:
    conn = sqlite3.connect(store.path)
    rows = conn.execute(
        "SELECT d.source, c.text FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY 1, c.position"
    ).fetchall()
    conn.close()
    return rows


def test_ingest_counts_and_reingest_is_a_no_op(engine: PromptGen, notes: Path) -> None:
    first = engine.ingest([notes])
    assert (first.added, first.updated, first.unchanged, first.failed) == (5, 0, 0, [])
    assert first.chunks >= 5
    before = _chunks(engine.library.store)  # type: ignore[arg-type]
    second = engine.ingest([notes])
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 5, 0)
    assert _chunks(engine.library.store) == before  # type: ignore[arg-type]
    stats = engine.library.stats()
    assert stats.documents == 5 and stats.last_ingest is not None


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


def test_changed_file_replaces_its_chunks(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    (notes / "oncall.txt").write_text(
        "The pager now escalates after five minutes.", encoding="utf-8"
    )
    report = engine.ingest([notes])
    assert (report.updated, report.unchanged) == (1, 4)
    texts = [t for s, t in _chunks(engine.library.store) if s.endswith("oncall.txt")]  # type: ignore[arg-type]
    assert texts == ["The pager now escalates after five minutes."]
    assert all("fifteen" not in h.text for h in engine.search("fifteen minutes"))


def test_prune_removes_documents_whose_files_are_gone(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    (notes / "page.html").unlink()
    assert engine.ingest([notes]).removed == 0
    report = engine.ingest([notes], prune=True)
    assert report.removed == 1
    assert engine.library.stats().documents == 4


def test_a_failing_file_is_reported_and_the_rest_is_ingested(
    engine: PromptGen, notes: Path
) -> None:
    engine.ingest([notes])
    (notes / "oncall.txt").write_bytes(b"caf\xe9 is not utf-8")
    (notes / "deploy.md").write_text("# Deploy runbook\n\nNow with canaries.", encoding="utf-8")
    report = engine.ingest([notes])
    assert [p for p, _ in report.failed] == [str(notes / "oncall.txt")]
    assert "UTF-8" in report.failed[0][1]
    assert report.updated == 1
    # The failed file's old content is still there, untouched.
    assert engine.search("pager escalates secondary")


def test_a_database_failure_mid_ingest_leaves_the_library_as_it_was(
    engine: PromptGen, notes: Path
) -> None:
    engine.ingest([notes])
    before = _chunks(engine.library.store)  # type: ignore[arg-type]
    conn = sqlite3.connect(engine.library.store.path)  # type: ignore[attr-defined]
    conn.execute(
        "CREATE TRIGGER refuse AFTER INSERT ON documents WHEN NEW.title = 'Second'"
        " BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
    )
    conn.commit()
    conn.close()
    (notes / "a.md").write_text("# First\n\nnew document one", encoding="utf-8")
    (notes / "b.md").write_text("# Second\n\nnew document two", encoding="utf-8")
    (notes / "oncall.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(LibraryUnavailable, match="disk full"):
        engine.ingest([notes])
    assert _chunks(engine.library.store) == before  # type: ignore[arg-type]


def test_missing_path_is_reported(engine: PromptGen, tmp_path: Path) -> None:
    report = engine.ingest([tmp_path / "nope"])
    assert report.failed == [(str(tmp_path / "nope"), "no such file or folder")]


def test_folders_skip_unsupported_and_hidden_files(engine: PromptGen, notes: Path) -> None:
    (notes / "photo.png").write_bytes(b"\x89PNG\r\n")
    (notes / ".secret.md").write_text("# hidden", encoding="utf-8")
    report = engine.ingest([notes])
    assert report.added == 5 and not report.failed


def test_libraries_are_separate(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes / "deploy.md"], library="ops")
    assert engine.search("blue-green releases", library="ops")
    assert not engine.search("blue-green releases")


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
