"""Secret and personal-data detection (safety.py) scored on our labelled drafts.

Two sets of drafts with labelled spans (``findings``) and look-alikes with none:
``evaluation/secrets/drafts.jsonl``, written beside the detector and looked at while it was
adjusted (in-sample), and ``heldout.jsonl``, written by another author who saw neither the
detector nor the first set (held out: never used to adjust anything). A found span is a true
positive when it overlaps a labelled span of the same category; precision, recall and F1 are
reported per set and category, for safety.py and for the bare regexes without its filters
(allowlists, entropy, placeholders, Luhn, mod-97) as a baseline, with the labelled kinds missed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptgen import safety
from promptgen.evaluation.datasets import read_jsonl
from promptgen.types import DraftWarning

SETS = {
    "in-sample": Path("secrets") / "drafts.jsonl",
    "held out": Path("secrets") / "heldout.jsonl",
}
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


def missed_kinds(records: list[dict[str, Any]], detect: Detector) -> dict[str, int]:
    """Labelled findings the detector missed, counted by their kind (most missed first)."""
    missed: dict[str, int] = {}
    for record in records:
        found = detect(record["text"])
        for g in record["findings"]:
            if not any(
                f.category == g["category"] and _overlaps(f, g["start"], g["end"]) for f in found
            ):
                missed[g["kind"]] = missed.get(g["kind"], 0) + 1
    return dict(sorted(missed.items(), key=lambda kv: (-kv[1], kv[0])))


def evaluate(suite: Path, *, limit: int | None = None) -> dict[str, Any]:
    """safety.py and the regex-only baseline on each of the suite's labelled sets present."""
    out: dict[str, Any] = {}
    for name, relative in SETS.items():
        path = suite / relative
        if not path.is_file():
            continue
        records = list(read_jsonl(path))[:limit]
        out[name] = {
            "drafts": len(records),
            "with_findings": sum(1 for r in records if r["findings"]),
            "ours": score(records, safety.scan),
            "baseline": score(records, lambda text: safety.scan(text, filters=False)),
            "missed_kinds": missed_kinds(records, safety.scan),
        }
    return out
