"""The evaluation's BM25 anchor: plain BM25 from bm25s, sharing no code with what it judges."""

from __future__ import annotations

import ast
import inspect

from promptgen.evaluation import bm25
from promptgen.evaluation.bm25 import PlainBM25

DOCUMENTS = {
    "deploy": "Deploy runbook. We deploy the billing service with blue-green releases and roll back"
    " by switching the router to the previous colour.",
    "oncall": "On-call rotation: the pager escalates to the secondary after fifteen minutes.",
    "kafka": "Kafka retention: topics keep events for seven days.",
    "empty": "",
}


def test_it_ranks_documents_by_their_query_terms() -> None:
    anchor = PlainBM25(DOCUMENTS)
    ranked = anchor.rank("How do we roll back the billing router?")
    assert [doc for doc, _ in ranked] == ["deploy"] and ranked[0][1] > 0
    assert anchor.rank("Kafka events; pager escalations", k=1)[0][0] in {"kafka", "oncall"}
    assert [doc for doc, _ in anchor.rank("escalating pagers")] == ["oncall"]  # stemmed
    assert anchor.rank("the of and") == [] and anchor.rank("zebra crossings") == []
    assert PlainBM25({}).rank("anything") == []


def test_it_imports_nothing_of_promptgen() -> None:
    tree = ast.parse(inspect.getsource(bm25))
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(str(m).startswith("promptgen") for m in modules), modules
