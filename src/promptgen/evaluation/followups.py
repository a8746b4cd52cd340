"""Follow-up drafts: the second turn of a conversation, judged without and with its history.

A follow-up ("and for PostgreSQL?", "now make it shorter") is run twice against the suite's
Library: as the draft alone (the baseline: what PromptGen did before it read history) and with
the turns before it. Each run reports intent accuracy (split into follow-ups that depend on the
conversation and ones that stand alone, where the set says which), the grounded share of the
follow-ups about the Library, and how often the section that answers them is in the context.
The reference is the first turns' accuracy against their own intent.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from promptgen.engine import PrecomputeOptions, PromptGen
from promptgen.evaluation.datasets import read_jsonl
from promptgen.evaluation.probes import EngineFactory, answers, read_suite
from promptgen.settings import Settings
from promptgen.types import Turn


def load(suite: Path) -> list[dict[str, Any]]:
    """The suite's follow-up sets: name, Library folders and the records' file."""
    return [
        {
            "name": str(entry["name"]),
            "library": [(suite / p).resolve() for p in entry["library"]],
            "file": (suite / entry["file"]).resolve(),
        }
        for entry in read_suite(suite).get("followups", [])
    ]


def _history(record: dict[str, Any]) -> tuple[Turn, ...]:
    return tuple(Turn(t["role"], t["content"]) for t in record["history"])


def _first_turns(engine: PromptGen, records: list[dict[str, Any]]) -> float:
    """The reference: the conversations' first turns classified on their own, against their own
    intent (``first_label``; a set without it: the follow-up's, which a follow-up inherits)."""
    right = sum(
        engine.classifier.classify(r["history"][0]["content"]).label
        == r.get("first_label", r["label"])
        for r in records
    )
    return right / len(records) if records else 0.0


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _run(engine: PromptGen, records: list[dict[str, Any]], *, history: bool) -> dict[str, Any]:
    """Intent accuracy (all, and split by ``depends`` when labelled) and grounding figures."""
    right = grounded = in_context = about_library = 0
    by_depends: dict[str, list[int]] = {}
    for record in records:
        turns = _history(record) if history else ()
        answer = engine.precompute(record["text"], PrecomputeOptions(history=turns))
        hit = answer.intent.label == record["label"]
        right += hit
        if "depends" in record:
            key = "depends" if record["depends"] else "stands_alone"
            by_depends.setdefault(key, [0, 0])
            by_depends[key][0] += hit
            by_depends[key][1] += 1
        if "section" in record:
            about_library += 1
            grounded += answer.grounded
            in_context += any(answers(h, record) for h in answer.grounding.context)
    return {
        "intent_accuracy": _share(right, len(records)),
        "intent_accuracy_by_depends": {
            k: {"n": n, "accuracy": _share(ok, n)} for k, (ok, n) in sorted(by_depends.items())
        },
        "about_library": about_library,
        "grounded_share": _share(grounded, about_library),
        "answer_in_context_share": _share(in_context, about_library),
    }


def evaluate(
    make_engine: EngineFactory, entry: dict[str, Any], *, limit: int | None = None
) -> dict[str, Any]:
    """Figures without history (the baseline) and with it, side by side."""
    records = list(read_jsonl(entry["file"]))[:limit]
    result: dict[str, Any] = {"drafts": len(records)}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/followups.db"))
        engine.ingest(entry["library"])
        result["first_turn_intent_accuracy"] = _first_turns(engine, records)
        result["without_history"] = _run(engine, records, history=False)
        result["with_history"] = _run(engine, records, history=True)
        engine.close()
    return result
