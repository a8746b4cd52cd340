"""The secrets task of `promptgen eval`: each labelled set scored on its own, with the kinds the
detector missed, on tiny sets we make here."""

from __future__ import annotations

from pathlib import Path

from promptgen.evaluation.secrets import evaluate
from tests.evaluation.jsonl import write_jsonl

KEY = "ghp_" + "Zq8Lm2Vx7Rt4Nc1Bw9Ks3Hd6Fy0Pj5Ga2UeW"  # 36 after the prefix


def test_each_set_is_scored_apart_with_the_kinds_missed(tmp_path: Path) -> None:
    text = f"push fails with token {KEY} on the CI runner"
    start = text.index(KEY)
    found = {"kind": "github-token", "category": "secret", "start": start, "end": start + 40}
    # A "secret" no rule knows: labelled, so the detector misses it.
    odd = "my locker code is 4417, do not share"
    write_jsonl(
        tmp_path / "secrets" / "drafts.jsonl",
        [{"id": "a", "text": text, "findings": [found]}],
    )
    write_jsonl(
        tmp_path / "secrets" / "heldout.jsonl",
        [
            {"id": "b", "text": text, "findings": [found]},
            {
                "id": "c",
                "text": odd,
                "findings": [{"kind": "locker-code", "category": "secret", "start": 18, "end": 22}],
            },
            {"id": "d", "text": "commit 9fceb02d0ae598e95dc970b74767f19372d61af8", "findings": []},
        ],
    )
    report = evaluate(tmp_path)
    assert set(report) == {"in-sample", "held out"}
    assert report["in-sample"]["ours"]["secret"]["recall"] == 1.0
    held = report["held out"]
    assert held["drafts"] == 3 and held["with_findings"] == 2
    assert held["ours"]["secret"] == {
        "tp": 1,
        "fp": 0,
        "fn": 1,
        "precision": 1.0,
        "recall": 0.5,
        "f1": 2 / 3,
    }
    assert held["missed_kinds"] == {"locker-code": 1}


def test_a_suite_without_sets_reports_nothing(tmp_path: Path) -> None:
    assert evaluate(tmp_path) == {}
