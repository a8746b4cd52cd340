"""Readers for evaluation folders laid out like ../shared/data (see its README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file (split on newlines only: texts may hold U+2028)."""
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            yield json.loads(line)


@dataclass(frozen=True, slots=True)
class Collection:
    """One retrieval collection: corpus, queries, refusal variants and graded relevance."""

    name: str
    folder: Path

    def queries(self, *, refusal: bool = False) -> list[dict[str, Any]]:
        """Ranking queries, or the refusal queries with their ``answerable`` flag."""
        return list(
            read_jsonl(self.folder / ("queries_refusal.jsonl" if refusal else "queries.jsonl"))
        )

    def corpus_path(self, *, refusal: bool = False) -> Path:
        """The corpus file to ingest."""
        return self.folder / ("corpus_refusal.jsonl" if refusal else "corpus.jsonl")

    def gains(self, query: dict[str, Any]) -> dict[str, float]:
        """Graded gains per relevant document: 5 − relevance where graded, else 1."""
        grades = query.get("gold_grades")
        if grades:
            return {doc: 5.0 - float(grade) for doc, grade in grades.items()}
        return {doc: 1.0 for doc in query.get("gold_ids") or []}


def collections(data: Path) -> list[Collection]:
    """Retrieval collections under ``data/retrieval``."""
    root = data / "retrieval"
    if not root.is_dir():
        return []
    return [Collection(p.name, p) for p in sorted(root.iterdir()) if (p / "corpus.jsonl").exists()]


def intent_files(data: Path) -> list[Path]:
    """Labelled intent files under ``data/intent``."""
    return sorted((data / "intent").glob("*.jsonl")) if (data / "intent").is_dir() else []


def routing_files(data: Path) -> list[Path]:
    """Strong/weak correctness files under ``data/routing``."""
    return sorted((data / "routing").glob("*.jsonl")) if (data / "routing").is_dir() else []


def suite_intent_files(suite: Path) -> list[Path]:
    """Our own labelled intent sets: ``suite/<set>/intent/*.jsonl``."""
    return sorted(suite.glob("*/intent/*.jsonl"))
