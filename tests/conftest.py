"""Shared fixtures: every test gets its own Library file in tmp_path; nothing touches user data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point PromptGen at a fresh Library file and clear any PROMPTGEN_* from the shell."""
    import os

    for name in list(os.environ):
        if name.startswith("PROMPTGEN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PROMPTGEN_DATABASE_URL", f"sqlite:///{tmp_path}/library.db")


@pytest.fixture(scope="session")
def classifier() -> IntentClassifier:
    """The shipped intent model (read-only, loaded once)."""
    return IntentClassifier.load()


@pytest.fixture(scope="session")
def catalog() -> ModelCatalog:
    """The shipped model catalog."""
    return ModelCatalog.load()


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """Tokenizer with the vendored encodings (read-only)."""
    return Tokenizer()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a Library file in tmp_path."""
    return Settings(database_url=f"sqlite:///{tmp_path}/library.db")


@pytest.fixture
def engine(
    settings: Settings, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> Iterator[PromptGen]:
    """A PromptGen over an empty Library in tmp_path."""
    pg = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    yield pg
    pg.close()


@pytest.fixture
def demo_engine(engine: PromptGen) -> PromptGen:
    """A PromptGen whose Library is the project's own docs/ (the demo Library)."""
    report = engine.ingest([REPO / "docs"])
    assert not report.failed
    return engine


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A small folder of team notes in several formats."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "deploy.md").write_text(
        "# Deploy runbook\n\nWe deploy the billing service with blue-green releases.\n\n"
        "## Rollback\n\nTo roll back, switch the router to the previous colour and drain the "
        "new one. The billing database migrations must be backwards compatible.\n",
        encoding="utf-8",
    )
    (folder / "oncall.txt").write_text(
        "On-call rotation: the pager escalates to the secondary after fifteen minutes.",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        "<html><head><title>Caching guide</title><style>p{color:red}</style></head><body>"
        "<h1>Cache invalidation</h1><p>Invalidate the CDN cache after each frontend release."
        "</p><script>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    (folder / "corpus.jsonl").write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "id": "k1",
                    "title": "Kafka retention",
                    "text": "Topics keep events for seven days.",
                },
                {"id": "k2", "title": "Kafka partitions", "text": "Partition by customer id."},
            ]
        ),
        encoding="utf-8",
    )
    return folder


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says ``text`` (built by hand, offsets computed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
