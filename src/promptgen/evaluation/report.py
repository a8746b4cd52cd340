"""The eval report as terminal tables, one per task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

Rows = dict[str, dict[str, Any]]


def _f(value: float) -> str:
    return f"{value:.3f}"


def _intent(rows: Rows) -> Table:
    table = Table("set", "n", "accuracy", "macro-F1", "per-label F1", title="intent")
    for name, row in rows.items():
        labels = " ".join(f"{k}={v['f1']:.2f}" for k, v in row["per_label"].items())
        table.add_row(name, str(row["n"]), _f(row["accuracy"]), _f(row["macro_f1"]), labels)
    return table


def _retrieval(rows: Rows) -> Table:
    table = Table(
        *("collection", "queries", "nDCG@10", "R@10", "MRR"),
        *("BM25 nDCG@10", "BM25 R@10", "BM25 MRR", "nDCG ratio"),
        title="retrieval",
    )
    for name, row in rows.items():
        bm25 = row["bm25"]
        ratio = row["ndcg@10"] / bm25["ndcg@10"] if bm25["ndcg@10"] else 0.0
        ours = (_f(row[k]) for k in ("ndcg@10", "recall@10", "mrr"))
        anchor = (_f(bm25[k]) for k in ("ndcg@10", "recall@10", "mrr"))
        table.add_row(name, str(row["queries"]), *ours, *anchor, f"{ratio:.2f}×")
    return table


def _refusal(rows: Rows) -> Table:
    table = Table(
        *("collection", "queries", "unanswerable", "precision", "recall", "F1", "BM25 F1", "ECE"),
        title="refusal (refused = positive)",
    )
    for name, row in rows.items():
        figures = (_f(row[k]) for k in ("precision", "recall", "f1", "bm25_f1", "ece"))
        table.add_row(name, str(row["queries"]), str(row["unanswerable"]), *figures)
    return table


def _routing(rows: Rows) -> Table:
    table = Table(
        *("set", "n", "CPT50", "CPT80", "CPT95", "APGR", "random APGR"),
        "router trained on it (held-out APGR / CPT50)",
        title="routing",
    )
    for name, row in rows.items():
        trained = "no"
        if row.get("router_trained_on_set"):
            trained = "yes: in-sample"
            if row.get("held_out_apgr") is not None:
                trained += f" ({row['held_out_apgr']:.3f} / {row['held_out_cpt50']:.0%})"
        shares = (f"{row[k]:.0%}" for k in ("cpt50", "cpt80", "cpt95"))
        table.add_row(
            name, str(row["n"]), *shares, _f(row["apgr"]), _f(row["random_apgr"]), trained
        )
    return table


def _speed(speed: dict[str, float]) -> Table:
    table = Table("ingest docs/s", "precompute p50 ms", "precompute p95 ms", title="speed")
    table.add_row(
        f"{speed.get('ingest_docs_per_s', 0):.0f}",
        f"{speed.get('precompute_ms_p50', 0):.2f}",
        f"{speed.get('precompute_ms_p95', 0):.2f}",
    )
    return table


_TASK_TABLES: dict[str, Callable[[Rows], Table]] = {
    "intent": _intent,
    "retrieval": _retrieval,
    "refusal": _refusal,
    "routing": _routing,
}


def tables(report: dict[str, Any]) -> list[Table]:
    """One table per task present in ``report``, then the speed table."""
    out = [build(report[task]) for task, build in _TASK_TABLES.items() if report.get(task)]
    out.append(_speed(report.get("speed") or {}))
    return out
