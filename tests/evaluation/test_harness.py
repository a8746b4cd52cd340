"""`promptgen eval` on a tiny data folder we make ourselves: the report has the fixed shape."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from promptgen.cli import app


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")


def _data(root: Path) -> Path:
    _write(
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
    _write(col / "corpus.jsonl", corpus)
    _write(col / "corpus_refusal.jsonl", corpus[:2])
    _write(
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
    _write(
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
    _write(
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
    return root


def test_eval_writes_the_documented_shape(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "--data", str(data), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert set(report["intent"]) == {"mini", "ALL"} and report["intent"]["ALL"]["n"] == 3
    assert set(report["intent"]["mini"]) >= {"n", "accuracy", "macro_f1", "per_label"}
    retrieval = report["retrieval"]["earth"]
    assert (
        retrieval["queries"] == 2
        and retrieval["ndcg@10"] == 1.0
        and set(retrieval["bm25"]) == {"ndcg@10", "recall@10", "mrr"}
    )
    refusal = report["refusal"]["earth"]
    assert refusal["unanswerable"] == 1 and {"precision", "recall", "f1", "bm25_f1"} <= set(refusal)
    routing = report["routing"]["mini"]
    assert routing["cpt95"] <= 0.5 and routing["apgr"] >= 0.7  # the two hard prompts route first
    assert set(report["speed"]) == {"ingest_docs_per_s", "precompute_ms_p50", "precompute_ms_p95"}


def test_eval_rejects_unknown_tasks(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(tmp_path), "--only", "vibes"])
    assert result.exit_code == 2 and "unknown task" in result.output
