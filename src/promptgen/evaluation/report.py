"""The eval report as terminal tables, one per task."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _f(value: float) -> str:
    return f"{value:.3f}"


def tables(report: dict[str, Any]) -> list[Table]:
    """One table per task present in ``report``."""
    out: list[Table] = []
    if report.get("intent"):
        table = Table("set", "n", "accuracy", "macro-F1", "per-label F1", title="intent")
        for name, row in report["intent"].items():
            labels = " ".join(f"{k}={v['f1']:.2f}" for k, v in row["per_label"].items())
            table.add_row(name, str(row["n"]), _f(row["accuracy"]), _f(row["macro_f1"]), labels)
        out.append(table)
    if report.get("retrieval"):
        table = Table(
            "collection",
            "queries",
            "nDCG@10",
            "R@10",
            "MRR",
            "BM25 nDCG@10",
            "BM25 R@10",
            "BM25 MRR",
            "nDCG ratio",
            title="retrieval",
        )
        for name, row in report["retrieval"].items():
            b = row["bm25"]
            ratio = row["ndcg@10"] / b["ndcg@10"] if b["ndcg@10"] else 0.0
            table.add_row(
                name,
                str(row["queries"]),
                _f(row["ndcg@10"]),
                _f(row["recall@10"]),
                _f(row["mrr"]),
                _f(b["ndcg@10"]),
                _f(b["recall@10"]),
                _f(b["mrr"]),
                f"{ratio:.2f}×",
            )
        out.append(table)
    if report.get("refusal"):
        table = Table(
            "collection",
            "queries",
            "unanswerable",
            "precision",
            "recall",
            "F1",
            "BM25 F1",
            "ECE",
            title="refusal (refused = positive)",
        )
        for name, row in report["refusal"].items():
            table.add_row(
                name,
                str(row["queries"]),
                str(row["unanswerable"]),
                _f(row["precision"]),
                _f(row["recall"]),
                _f(row["f1"]),
                _f(row["bm25_f1"]),
                _f(row["ece"]),
            )
        out.append(table)
    if report.get("routing"):
        table = Table(
            "set",
            "n",
            "CPT50",
            "CPT80",
            "CPT95",
            "APGR",
            "random APGR",
            "router trained on it (held-out APGR / CPT50)",
            title="routing",
        )
        for name, row in report["routing"].items():
            trained = "no"
            if row.get("router_trained_on_set"):
                trained = "yes: in-sample"
                if row.get("held_out_apgr") is not None:
                    trained += f" ({row['held_out_apgr']:.3f} / {row['held_out_cpt50']:.0%})"
            table.add_row(
                name,
                str(row["n"]),
                f"{row['cpt50']:.0%}",
                f"{row['cpt80']:.0%}",
                f"{row['cpt95']:.0%}",
                _f(row["apgr"]),
                _f(row["random_apgr"]),
                trained,
            )
        out.append(table)
    speed = report.get("speed") or {}
    table = Table("ingest docs/s", "precompute p50 ms", "precompute p95 ms", title="speed")
    table.add_row(
        f"{speed.get('ingest_docs_per_s', 0):.0f}",
        f"{speed.get('precompute_ms_p50', 0):.2f}",
        f"{speed.get('precompute_ms_p95', 0):.2f}",
    )
    out.append(table)
    return out
