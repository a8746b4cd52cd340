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

pytestmark = pytest.mark.skipif(
    not (DATA / "README.md").exists(), reason="../shared/data not present"
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return harness.run(DATA, limit=120)


def test_intent_floor(report: dict[str, Any]) -> None:
    intent = report["intent"]
    assert intent["ALL"]["macro_f1"] >= 0.90
    # codealpaca is never trained on (CC BY-NC): the one dev set that measures generalization.
    assert intent["codealpaca_2k"]["per_label"]["code"]["f1"] >= 0.85


def test_retrieval_floor(report: dict[str, Any]) -> None:
    cranfield = report["retrieval"]["cranfield"]
    assert cranfield["ndcg@10"] >= 1.05 * cranfield["bm25"]["ndcg@10"]
    pubmedqa = report["retrieval"]["pubmedqa"]
    assert pubmedqa["ndcg@10"] >= 0.97 and pubmedqa["ndcg@10"] >= pubmedqa["bm25"]["ndcg@10"] - 0.01


def test_refusal_floor(report: dict[str, Any]) -> None:
    assert report["refusal"]["cranfield"]["f1"] >= 0.60
    assert report["refusal"]["pubmedqa"]["f1"] >= 0.80
    assert report["refusal"]["pubmedqa"]["ece"] <= 0.10


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
