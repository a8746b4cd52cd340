"""Follow-up drafts: the second turn of a conversation, judged without and with its history.

A follow-up ("and for PostgreSQL?", "now make it shorter") is run twice against the suite's
Library: as the draft alone (the baseline: what PromptGen did before it read history) and with
the turns before it. Each run reports intent accuracy, the grounded share of the follow-ups
about the Library, and how often the section that answers the conversation is in the context.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from promptgen.engine import PrecomputeOptions
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


def evaluate(
    make_engine: EngineFactory, entry: dict[str, Any], *, limit: int | None = None
) -> dict[str, Any]:
    """Figures without history (the baseline) and with it, side by side."""
    records = list(read_jsonl(entry["file"]))[:limit]
    result: dict[str, Any] = {"drafts": len(records)}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/followups.db"))
        engine.ingest(entry["library"])
        # The reference: the same conversations' first turns, classified on their own.
        first = [engine.classifier.classify(r["history"][0]["content"]).label for r in records]
        right_first = sum(f == r["label"] for f, r in zip(first, records, strict=True))
        result["first_turn_intent_accuracy"] = right_first / len(records) if records else 0.0
        for mode in ("without_history", "with_history"):
            right = grounded = in_context = about_library = 0
            for record in records:
                history = _history(record) if mode == "with_history" else ()
                answer = engine.precompute(record["text"], PrecomputeOptions(history=history))
                right += answer.intent.label == record["label"]
                if "section" in record:
                    about_library += 1
                    grounded += answer.grounded
                    in_context += any(answers(h, record) for h in answer.grounding.context)
            result[mode] = {
                "intent_accuracy": right / len(records) if records else 0.0,
                "about_library": about_library,
                "grounded_share": grounded / about_library if about_library else 0.0,
                "answer_in_context_share": in_context / about_library if about_library else 0.0,
            }
        engine.close()
    return result
