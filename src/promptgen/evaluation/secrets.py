"""Secret and personal-data detection (safety.py) scored on our labelled drafts.

``evaluation/secrets/drafts.jsonl``: drafts with labelled spans (``findings``) and look-alikes
with none. A found span is a true positive when it overlaps a labelled span of the same
category; precision, recall and F1 are reported per category, for safety.py and for the bare
regexes without its filters (allowlists, entropy, placeholders, Luhn, mod-97) as a baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptgen import safety
from promptgen.evaluation.datasets import read_jsonl
from promptgen.types import DraftWarning

DRAFTS = Path("secrets") / "drafts.jsonl"
CATEGORIES = ("secret", "personal")
Detector = Callable[[str], tuple[DraftWarning, ...]]


def _overlaps(a: DraftWarning, start: int, end: int) -> bool:
    return a.start < end and start < a.end


def score(records: list[dict[str, Any]], detect: Detector) -> dict[str, dict[str, float]]:
    """Per category: tp, fp, fn, precision, recall, F1 (span overlap, same category)."""
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in CATEGORIES}
    for record in records:
        found = detect(record["text"])
        gold = record["findings"]
        for g in gold:
            hit = any(
                f.category == g["category"] and _overlaps(f, g["start"], g["end"]) for f in found
            )
            counts[g["category"]]["tp" if hit else "fn"] += 1
        for f in found:
            if not any(
                g["category"] == f.category and _overlaps(f, g["start"], g["end"]) for g in gold
            ):
                counts[f.category]["fp"] += 1
    out: dict[str, dict[str, float]] = {}
    for category, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out[category] = {**c, "precision": p, "recall": r, "f1": f1}
    return out


def evaluate(suite: Path, *, limit: int | None = None) -> dict[str, Any]:
    """safety.py and the regex-only baseline on the suite's labelled drafts (empty if none)."""
    path = suite / DRAFTS
    if not path.is_file():
        return {}
    records = list(read_jsonl(path))[:limit]
    return {
        "drafts": len(records),
        "with_findings": sum(1 for r in records if r["findings"]),
        "ours": score(records, safety.scan),
        "baseline": score(records, lambda text: safety.scan(text, filters=False)),
    }
