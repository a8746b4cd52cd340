"""The eval report as terminal tables, one per task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

Rows = dict[str, dict[str, Any]]


def _f(value: float) -> str:
    return f"{value:.3f}"


def _intent(rows: Rows, title: str = "intent") -> Table:
    table = Table("set", "n", "accuracy", "macro-F1", "per-label F1", "ECE", title=title)
    for name, row in rows.items():
        labels = " ".join(f"{k}={v['f1']:.2f}" for k, v in row["per_label"].items())
        ece = _f(row["ece"]) if "ece" in row else ""
        table.add_row(name, str(row["n"]), _f(row["accuracy"]), _f(row["macro_f1"]), labels, ece)
    return table


def _intent_own(rows: Rows) -> Table:
    return _intent(rows, "intent on our own sets (never trained on)")


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
        "grounding fitted on it",
        title="refusal (refused = positive)",
    )
    for name, row in rows.items():
        figures = (_f(row[k]) for k in ("precision", "recall", "f1", "bm25_f1", "ece"))
        fitted = "yes" if row.get("fitted_on") else "no: unseen"
        table.add_row(name, str(row["queries"]), str(row["unanswerable"]), *figures, fitted)
    return table


def _calibration(rows: Rows) -> Table:
    table = Table(
        "collection",
        "confidence bin",
        "n",
        "mean confidence",
        "answerable share",
        title="refusal calibration (reliability bins)",
    )
    for name, row in rows.items():
        for b in row.get("reliability", []):
            table.add_row(
                name,
                f"{b['bin'][0]:.1f}–{b['bin'][1]:.1f}",
                str(b["n"]),
                _f(b["mean_confidence"]),
                _f(b["share_positive"]),
            )
    return table


def _probes(rows: Rows) -> Table:
    table = Table(
        *("Library", "set", "n", "grounded", "conf ≥ 0.9", "answer in context"),
        "ECE (answerable vs look-alike)",
        title="Library probes (the drafts a user types)",
    )
    for name, row in rows.items():
        for part in ("answerable", "lookalike", "off_library"):
            if part not in row:
                continue
            r = row[part]
            context = (
                f"{r['answer_in_context_share']:.1%}" if "answer_in_context_share" in r else ""
            )
            ece = _f(row["ece"]) if part == "answerable" and "ece" in row else ""
            table.add_row(
                name,
                part,
                str(r["n"]),
                f"{r['grounded_share']:.1%} ({r['grounded']})",
                str(r["confident"]),
                context,
                ece,
            )
    return table


def _followups(rows: Rows) -> Table:
    table = Table(
        *("set", "n", "history", "intent accuracy", "depends / stands alone"),
        *("grounded (about the Library)", "answer in context"),
        title="Follow-up drafts, without history (baseline) and with it; first turns: reference",
    )
    for name, row in rows.items():
        table.add_row(
            name, str(row["drafts"]), "first turns", f"{row['first_turn_intent_accuracy']:.1%}"
        )
        for mode in ("without_history", "with_history"):
            r = row[mode]
            split = " / ".join(
                f"{v['accuracy']:.1%} of {v['n']}" for v in r["intent_accuracy_by_depends"].values()
            )
            table.add_row(
                name,
                str(row["drafts"]),
                "with" if mode == "with_history" else "without",
                f"{r['intent_accuracy']:.1%}",
                split,
                f"{r['grounded_share']:.1%} of {r['about_library']}",
                f"{r['answer_in_context_share']:.1%}",
            )
    return table


def _secrets(rows: Rows) -> Table:
    table = Table(
        *("set", "drafts (with findings)", "category", "P", "R", "F1", "tp/fp/fn"),
        *("regex-only P", "regex-only R", "regex-only F1", "kinds missed (both categories)"),
        title="safe to send: secrets and personal data (baseline: the rules' bare regexes)",
    )
    for name, row in rows.items():
        missed = ", ".join(f"{k} {n}" for k, n in row["missed_kinds"].items()) or "none"
        for category, ours in row["ours"].items():
            base = row["baseline"][category]
            table.add_row(
                name,
                f"{row['drafts']} ({row['with_findings']})",
                category,
                *(_f(ours[k]) for k in ("precision", "recall", "f1")),
                f"{ours['tp']}/{ours['fp']}/{ours['fn']}",
                *(_f(base[k]) for k in ("precision", "recall", "f1")),
                missed if category == "secret" else "",
            )
    return table


def _screen(rows: Rows) -> Table:
    table = Table(
        *("set", "split", "screen", "recall on injections", "benign flagged"),
        *("hard negatives flagged", "Library passages flagged", "precision"),
        title="injection screening, passage by passage (baseline: a keyword tripwire)",
    )
    for name, row in rows.items():
        for split, screens in row["screen"].items():
            for who in ("ours", "baseline"):
                r = screens[who]
                table.add_row(
                    name,
                    split,
                    "ours" if who == "ours" else "keywords",
                    f"{r['recall']:.1%} of {r['injections']}",
                    f"{r['benign_flagged']}/{r['benign']}",
                    f"{r['hard_negatives_flagged']}/{r['hard_negatives']}",
                    f"{r['library_passages_flagged']}/{r['library_passages']}",
                    _f(r["precision"]),
                )
    return table


def _poisoned(rows: Rows) -> Table:
    table = Table(
        *("set", "mode", "grounded", "answer in context", "injection in context"),
        *("flagged", "unflagged", "injection first", "outside its block"),
        title="poisoned Library: held-out injections in the answering sections (baseline: keep)",
    )
    for name, row in rows.items():
        poisoned = row["poisoned"]
        for mode in ("clean", "keep", "rank_down", "leave_out"):
            r = poisoned[mode]
            table.add_row(
                f"{name} ({poisoned['poisoned_sections']} sections, {r['questions']} questions)",
                "clean Library, keep" if mode == "clean" else mode,
                *(
                    f"{r[k]:.1%}"
                    for k in (
                        "grounded_share",
                        "answer_in_context_share",
                        "injection_in_context_share",
                        "flagged_injection_in_context_share",
                        "unflagged_injection_in_context_share",
                        "injection_ranked_first_share",
                    )
                ),
                str(r["injection_outside_its_block"]),
            )
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
    "intent_own": _intent_own,
    "probes": _probes,
    "secrets": _secrets,
    "followups": _followups,
    "injection": _screen,
}


def tables(report: dict[str, Any]) -> list[Table]:
    """One table per task present in ``report``, then the speed table."""
    out = []
    for task, build in _TASK_TABLES.items():
        if report.get(task):
            out.append(build(report[task]))
            if task == "refusal":
                out.append(_calibration(report[task]))
            if task == "injection":
                out.append(_poisoned(report[task]))
    out.append(_speed(report.get("speed") or {}))
    return out
