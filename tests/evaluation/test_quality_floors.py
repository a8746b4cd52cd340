"""A slice of `promptgen eval` on the real dev data, with floors that fail the build if quality drops.

The floors sit a little under the numbers measured on this slice (docs/quality.md has the full
run), so noise does not fail the build but a real regression does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptgen.evaluation import harness
from tests.conftest import REPO

DATA = REPO.parent / "shared" / "data"
SUITE = REPO / "evaluation"

pytestmark = pytest.mark.skipif(
    not (DATA / "README.md").exists(), reason="../shared/data not present"
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return harness.run(DATA, limit=120)


@pytest.fixture(scope="module")
def suite_report() -> dict[str, Any]:
    # Our own sets in full (they are small): the real-prompts intent set and the Library probes.
    return harness.run(DATA, suite=SUITE, only=("intent", "probes"))


def test_intent_floor(report: dict[str, Any]) -> None:
    intent = report["intent"]
    # Pooled over the slice. The odd halves of arena_hard_v2 and selfinstruct are never trained
    # on (they are the real-prompts set) and their even halves train on our labels, not the sets'
    # coarse ones: measured 0.66 on this slice, 0.700 on the full dev data (docs/quality.md).
    assert intent["ALL"]["macro_f1"] >= 0.63
    # codealpaca is never trained on (CC BY-NC): the one dev set that measures generalization.
    assert intent["codealpaca_2k"]["per_label"]["code"]["f1"] >= 0.85


def test_retrieval_floor(report: dict[str, Any]) -> None:
    cranfield = report["retrieval"]["cranfield"]
    assert cranfield["ndcg@10"] >= 1.05 * cranfield["bm25"]["ndcg@10"]
    pubmedqa = report["retrieval"]["pubmedqa"]
    assert pubmedqa["ndcg@10"] >= 0.97 and pubmedqa["ndcg@10"] >= pubmedqa["bm25"]["ndcg@10"] - 0.01


def test_refusal_floor(report: dict[str, Any]) -> None:
    # Measured on this slice: 0.576 and 0.913 (ECE 0.081); the reliability bins are reported.
    assert report["refusal"]["cranfield"]["f1"] >= 0.55
    assert report["refusal"]["pubmedqa"]["f1"] >= 0.85
    assert report["refusal"]["pubmedqa"]["ece"] <= 0.10
    for row in report["refusal"].values():
        assert row["fitted_on"] and sum(b["n"] for b in row["reliability"]) == row["queries"]


def test_real_prompts_intent_floor(suite_report: dict[str, Any]) -> None:
    row = suite_report["intent_own"]["real_prompts"]
    # Measured 0.712 accuracy, 0.609 macro-F1 on the 267 relabelled prompts (docs/quality.md);
    # the targets (0.85 / 0.80) are not reached.
    assert row["n"] >= 250
    assert row["accuracy"] >= 0.68 and row["macro_f1"] >= 0.57


def test_demo_library_probe_floor(suite_report: dict[str, Any]) -> None:
    demo = suite_report["probes"]["demo"]
    # Measured: answerable 50.7 % grounded with the answering section in context for 36.7 %,
    # look-alikes 16.0 %, off-Library 1.8 % (3 of 800 at ≥ 0.9). Far from the targets; these
    # floors catch a regression. The Library is docs/ itself, so editing the docs moves these
    # figures by a few points: the floors leave room for that.
    assert demo["answerable"]["grounded_share"] >= 0.45
    assert demo["answerable"]["answer_in_context_share"] >= 0.30
    assert demo["lookalike"]["grounded_share"] <= 0.22
    assert demo["off_library"]["grounded_share"] <= 0.03
    assert demo["off_library"]["confident"] <= 6


def test_routing_and_speed_are_reported(report: dict[str, Any], tmp_path: Path) -> None:
    for row in report["routing"].values():
        assert 0.0 <= row["cpt50"] <= row["cpt80"] <= row["cpt95"] <= 1.0
    mmlu = report["routing"]["routellm_mmlu"]
    # The shipped router was trained on these prompts, so this slice is in-sample; the floor sits
    # just under the honest held-out-half figure (docs/quality.md) and catches a broken model.
    assert mmlu["apgr"] >= mmlu["random_apgr"] and mmlu["apgr"] >= 0.60
    gsm8k = report["routing"]["routellm_gsm8k"]
    # Held out the length-blended router gets 0.512 on gsm8k (length alone 0.540-0.552).
    assert gsm8k["apgr"] >= 0.50
    assert report["speed"]["precompute_ms_p50"] > 0


@pytest.fixture(scope="module")
def conversation_report() -> dict[str, Any]:
    # Issue #16's measures, in full (the sets are small): follow-ups and injection screening.
    return harness.run(DATA, suite=SUITE, only=("followups", "injection"))


def test_follow_ups_with_history_score_at_least_as_well_as_first_turns(
    conversation_report: dict[str, Any],
) -> None:
    sets = conversation_report["followups"]
    assert set(sets) == {"demo_followups", "tuning_followups", "heldout_followups"}
    for row in sets.values():
        with_history, without = row["with_history"], row["without_history"]
        assert with_history["intent_accuracy"] >= row["first_turn_intent_accuracy"]
        assert with_history["intent_accuracy"] > without["intent_accuracy"]
        assert with_history["grounded_share"] >= without["grounded_share"]


def test_injection_screen_floor(conversation_report: dict[str, Any]) -> None:
    deepset = conversation_report["injection"]["deepset"]
    held_out = deepset["screen"]["test (held out)"]
    ours, keywords = held_out["ours"], held_out["baseline"]
    # Measured: recall 0.267 at precision 1.00; nothing benign flagged (docs/quality.md).
    assert ours["recall"] >= 0.25 and ours["precision"] >= 0.95
    assert ours["precision"] > keywords["precision"]
    assert ours["hard_negatives_flagged"] == 0 and ours["library_passages_flagged"] == 0
    poisoned = deepset["poisoned"]
    assert all(poisoned[m]["injection_outside_its_block"] == 0 for m in ("keep", "leave_out"))
    assert poisoned["leave_out"]["flagged_injection_in_context_share"] == 0.0
