"""`promptgen eval` on a tiny data folder we make ourselves: the report has the fixed shape."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from promptgen.cli import app
from tests.evaluation.jsonl import write_jsonl


def _data(root: Path) -> Path:
    write_jsonl(
        root / "intent" / "mini.jsonl",
        [
            {"id": "1", "text": "write a python function that reverses a list", "label": "code"},
            {"id": "2", "text": "what is 12 times 13", "label": "math"},
            {"id": "3", "text": "why do leaves change colour in autumn", "label": "research/qa"},
            {"id": "4", "text": "no label", "label": None},
        ],
    )
    corpus = [
        {
            "id": "d1",
            "title": "Tides",
            "text": "Tides are caused by the gravitational pull of the moon on the oceans.",
        },
        {
            "id": "d2",
            "title": "Volcanoes",
            "text": "Volcanoes erupt when magma rises through cracks in the crust.",
        },
        {
            "id": "d3",
            "title": "Glaciers",
            "text": "Glaciers carve valleys as compacted snow slowly flows downhill.",
        },
    ]
    col = root / "retrieval" / "earth"
    write_jsonl(col / "corpus.jsonl", corpus)
    write_jsonl(col / "corpus_refusal.jsonl", corpus[:2])
    write_jsonl(
        col / "queries.jsonl",
        [
            {
                "id": "q1",
                "text": "what causes ocean tides moon",
                "gold_ids": ["d1"],
                "answerable": True,
            },
            {
                "id": "q2",
                "text": "how do glaciers carve valleys",
                "gold_ids": ["d3"],
                "answerable": True,
            },
        ],
    )
    write_jsonl(
        col / "queries_refusal.jsonl",
        [
            {
                "id": "q1",
                "text": "what causes ocean tides moon",
                "gold_ids": ["d1"],
                "answerable": True,
            },
            {
                "id": "q2",
                "text": "how do glaciers carve valleys",
                "gold_ids": ["d3"],
                "answerable": False,
            },
        ],
    )
    write_jsonl(
        root / "routing" / "mini.jsonl",
        [
            {
                "id": str(i),
                "prompt": p,
                "correct": {"gpt-4-1106-preview": True, "mistralai/Mixtral-8x7B-Instruct-v0.1": w},
            }
            for i, (p, w) in enumerate(
                [
                    ("hi", True),
                    ("prove the theorem rigorously with an integral bound", False),
                    ("what is 2+2", True),
                    ("derive the optimal distributed algorithm", False),
                ]
            )
        ],
    )
    # Per-turn judge scores: a routing file of another schema, skipped with one line.
    write_jsonl(root / "routing" / "judged.jsonl", [{"question_id": 1, "turn": 1, "score": 8}])
    return root


def _suite(root: Path) -> Path:
    """Our own evaluation folder: one intent set and one probe over a two-section Library."""
    write_jsonl(
        root / "own" / "intent" / "ours.jsonl",
        [{"id": "o1", "text": "draft a short poem about rain", "label": "writing"}],
    )
    library = root / "library" / "ops.md"
    library.parent.mkdir(parents=True)
    library.write_text(
        "# Operations\n\n## Rollback\n\nTo roll back a release, redeploy the previous "
        "container image tag and run the database downgrade migration.\n\n## Backups\n\n"
        "Nightly backups of the SQLite Library are copied to object storage at 02:00 UTC.\n",
        encoding="utf-8",
    )
    write_jsonl(
        root / "probe" / "answerable.jsonl",
        [
            {
                "id": "a1",
                "text": "how do we roll back a release to the previous container image",
                "doc": "library/ops.md",
                "section": "Rollback",
            }
        ],
    )
    write_jsonl(root / "probe" / "lookalike.jsonl", [{"id": "l1", "text": "what is 15% of 80"}])
    write_jsonl(
        root / "probe" / "off.jsonl",
        [{"id": "f1", "text": "suggest a vegetarian lasagna recipe with spinach"}],
    )
    (root / "suite.toml").write_text(
        '[[probe]]\nname = "ops"\nlibrary = ["library"]\nanswerable = "probe/answerable.jsonl"\n'
        'lookalike = "probe/lookalike.jsonl"\noff_library = ["probe/off.jsonl"]\n',
        encoding="utf-8",
    )
    return root


def test_eval_writes_the_documented_shape(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    suite = _suite(tmp_path / "suite")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app, ["eval", "--data", str(data), "--suite", str(suite), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "skipped judged.jsonl: record 1 has no 'prompt'" in result.output
    report = json.loads(out.read_text())
    assert set(report["routing"]) == {"mini"}
    assert set(report["intent"]) == {"mini", "ALL"} and report["intent"]["ALL"]["n"] == 3
    assert set(report["intent"]["mini"]) >= {"n", "accuracy", "macro_f1", "per_label", "ece"}
    # Our own sets are reported one by one and never pooled with the third-party ones.
    assert set(report["intent_own"]) == {"ours"} and report["intent_own"]["ours"]["n"] == 1
    probe = report["probes"]["ops"]
    assert probe["answerable"]["n"] == 1 and probe["answerable"]["grounded"] == 1
    assert probe["answerable"]["answer_in_context"] == 1
    assert probe["lookalike"]["grounded"] == 0 and probe["off_library"]["grounded"] == 0
    assert probe["off_library"]["confident"] == 0 and 0.0 <= probe["ece"] <= 1.0
    assert sum(b["n"] for b in probe["reliability"]) == 2
    retrieval = report["retrieval"]["earth"]
    assert (
        retrieval["queries"] == 2
        and retrieval["ndcg@10"] == 1.0
        and set(retrieval["bm25"]) == {"ndcg@10", "recall@10", "mrr"}
    )
    refusal = report["refusal"]["earth"]
    assert refusal["unanswerable"] == 1 and {"precision", "recall", "f1", "bm25_f1"} <= set(refusal)
    # A collection the grounding model never saw, with its reliability bins.
    assert refusal["fitted_on"] is False
    assert sum(b["n"] for b in refusal["reliability"]) == 2
    routing = report["routing"]["mini"]
    assert routing["cpt95"] <= 0.5 and routing["apgr"] >= 0.7  # the two hard prompts route first
    assert set(report["speed"]) == {"ingest_docs_per_s", "precompute_ms_p50", "precompute_ms_p95"}


def test_eval_rejects_unknown_tasks(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(tmp_path), "--only", "vibes"])
    assert result.exit_code == 2 and "unknown task" in result.output
