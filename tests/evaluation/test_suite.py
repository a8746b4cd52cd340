"""Our evaluation suite (evaluation/) is well formed and never leaks into training or fitting."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any

from promptgen.evaluation.probes import load_probes, read_suite
from tests.conftest import REPO

SUITE = REPO / "evaluation"
# Every file we train or fit on: training/intent/data/, the relabels, training/grounding/.
TRAINING = sorted((REPO / "training").rglob("*.jsonl"))


def _records(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def test_probe_sets_are_well_formed_and_name_real_sections() -> None:
    probes = load_probes(SUITE)
    assert [p.name for p in probes] == ["demo"]
    demo = probes[0]
    assert demo.answerable is not None and demo.lookalike is not None
    answerable = _records(demo.answerable)
    others = _records(demo.lookalike) + [r for p in demo.off_library for r in _records(p)]
    ids = [r["id"] for r in answerable + others]
    assert len(answerable) >= 150 and len(others) >= 900 and len(ids) == len(set(ids))
    headings: dict[str, set[str]] = {}
    for folder in demo.library:
        for doc in folder.glob("*.md"):
            text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
            found = re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)
            headings[doc.name] = {h.strip() for h in found}
    for record in answerable:
        assert record["section"] in headings[Path(record["doc"]).name], record["id"]


def test_no_evaluation_text_is_trained_or_fitted_on() -> None:
    held = {
        _norm(r["text"])
        for path in SUITE.rglob("*.jsonl")
        if path.name != "labels.jsonl"
        for r in _records(path)
    }
    trained = {_norm(r["text"]) for path in TRAINING for r in _records(path) if "text" in r}
    assert len({p.parent for p in TRAINING}) >= 3  # intent/data, intent, grounding
    assert held and trained and not held & trained


def test_real_prompt_labels_are_the_untrained_halves() -> None:
    labels = _records(SUITE / "real_prompts" / "labels.jsonl")
    assert len(labels) >= 250
    entry = read_suite(SUITE)["relabelled"][0]
    for row in labels:
        source, _, record_id = row["id"].partition(":")
        assert source in entry["sources"]
        # Odd CRC32 of the id: the half the intent model never trains on.
        assert zlib.crc32(record_id.encode()) % 2 == 1, row["id"]
        assert row["label"] in {row["label_a"], row["label_b"]} or row["label_a"] != row["label_b"]
    relabelled = {r["id"] for r in _records(REPO / "training" / "intent" / "relabelled.jsonl")}
    assert not relabelled & {r["id"] for r in labels}
    # `make intent-model` keeps them out.
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "--exclude evaluation/real_prompts/labels.jsonl" in makefile
