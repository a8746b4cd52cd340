"""Each evaluation task runs PromptGen's own stages over a data folder and returns its figures."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptgen.cost.routing import RouterModel
from promptgen.engine import PromptGen
from promptgen.errors import UnreadableSet
from promptgen.evaluation import metrics
from promptgen.evaluation.bm25 import PlainBM25
from promptgen.evaluation.datasets import Collection, read_jsonl
from promptgen.intent.classifier import IntentClassifier
from promptgen.intent.labels import normalize_label
from promptgen.models import grounding as grounding_params
from promptgen.settings import Settings
from promptgen.types import Hit

STRONG_MODEL = "gpt-4-1106-preview"
WEAK_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
EngineFactory = Callable[[Settings], PromptGen]


@dataclass(slots=True)
class SpeedLog:
    """Timings gathered while the tasks run."""

    ingest_docs: int = 0
    ingest_seconds: float = 0.0
    precompute_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Ingest throughput and precompute latency percentiles."""
        latencies = sorted(self.precompute_ms)

        def pick(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

        return {
            "ingest_docs_per_s": self.ingest_docs / self.ingest_seconds
            if self.ingest_seconds
            else 0.0,
            "precompute_ms_p50": pick(0.5),
            "precompute_ms_p95": pick(0.95),
        }


def evaluate_intent(
    classifier: IntentClassifier, files: list[Path], *, limit: int | None = None
) -> dict[str, Any]:
    """Per-file and pooled (ALL) classification reports; unlabelled records are skipped."""
    return evaluate_intent_sets(classifier, {p.stem: read_jsonl(p) for p in files}, limit=limit)


def evaluate_intent_sets(
    classifier: IntentClassifier,
    sets: dict[str, Iterable[dict[str, Any]]],
    *,
    limit: int | None = None,
    pooled: bool = True,
) -> dict[str, Any]:
    """A classification report per named set of records, and pooled over all (ALL)."""
    report: dict[str, Any] = {}
    pooled_gold: list[str] = []
    pooled_pred: list[str] = []
    pooled_conf: list[float] = []
    for name, records in sets.items():
        gold, predicted, confidence = [], [], []
        for record in records:
            label = normalize_label(record.get("label"))
            if label is None:
                continue
            intent = classifier.classify(record["text"])
            gold.append(label)
            predicted.append(intent.label)
            confidence.append(intent.confidence)
            if limit and len(gold) >= limit:
                break
        if gold:
            report[name] = _labelled(gold, predicted, confidence)
            pooled_gold += gold
            pooled_pred += predicted
            pooled_conf += confidence
    if pooled and pooled_gold:
        report["ALL"] = _labelled(pooled_gold, pooled_pred, pooled_conf)
    return report


def _labelled(gold: list[str], predicted: list[str], confidence: list[float]) -> dict[str, Any]:
    """The classification report plus the calibration of the top label's confidence."""
    right = [g == p for g, p in zip(gold, predicted, strict=True)]
    row = metrics.classification_report(gold, predicted)
    row["ece"] = metrics.expected_calibration_error(confidence, right)
    return row


def _ingest(engine: PromptGen, corpus: Path, speed: SpeedLog) -> dict[int, str]:
    """Ingest a corpus file; map Library document ids to the corpus's own ids."""
    started = time.perf_counter()
    report = engine.ingest([corpus])
    speed.ingest_seconds += time.perf_counter() - started
    speed.ingest_docs += report.added + report.updated
    documents = engine.library.documents(limit=None).documents
    return {d.id: d.key.rsplit("#", 1)[-1] for d in documents}


def _ranked_documents(hits: list[Hit], doc_ids: dict[int, str], k: int = 10) -> list[str]:
    ranked: list[str] = []
    for hit in hits:
        doc = doc_ids[hit.document_id]
        if doc not in ranked:
            ranked.append(doc)
    return ranked[:k]


def _corpus_texts(path: Path) -> dict[str, str]:
    return {str(r["id"]): f"{r.get('title') or ''} {r['text']}" for r in read_jsonl(path)}


def evaluate_retrieval(
    make_engine: EngineFactory, collection: Collection, speed: SpeedLog, *, limit: int | None = None
) -> dict[str, Any]:
    """nDCG@10, Recall@10 and MRR of PromptGen's search and of plain BM25 on answerable queries."""
    queries = [q for q in collection.queries() if q.get("answerable", True)][:limit]
    baseline = PlainBM25(_corpus_texts(collection.corpus_path()))
    ours: dict[str, list[float]] = {"ndcg@10": [], "recall@10": [], "mrr": []}
    plain: dict[str, list[float]] = {"ndcg@10": [], "recall@10": [], "mrr": []}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/eval.db"))
        doc_ids = _ingest(engine, collection.corpus_path(), speed)
        for query in queries:
            gains = collection.gains(query)
            relevant = set(gains)
            for ranked, into in (
                (_ranked_documents(engine.search(query["text"], k=40), doc_ids), ours),
                ([doc for doc, _ in baseline.rank(query["text"])], plain),
            ):
                into["ndcg@10"].append(metrics.ndcg_at(ranked, gains))
                into["recall@10"].append(metrics.recall_at(ranked, relevant))
                into["mrr"].append(metrics.reciprocal_rank(ranked, relevant))
        engine.close()
    result: dict[str, Any] = {"queries": len(queries)}
    result.update({name: statistics.fmean(values) for name, values in ours.items()})
    result["bm25"] = {name: statistics.fmean(values) for name, values in plain.items()}
    return result


def evaluate_refusal(
    make_engine: EngineFactory, collection: Collection, speed: SpeedLog, *, limit: int | None = None
) -> dict[str, Any]:
    """Refusal precision/recall/F1 ("refused" is positive), the BM25-threshold F1 and calibration."""
    queries = collection.queries(refusal=True)[:limit]
    baseline = PlainBM25(_corpus_texts(collection.corpus_path(refusal=True)))
    unanswerable = [not q["answerable"] for q in queries]
    refused: list[bool] = []
    confidence: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/eval.db"))
        _ingest(engine, collection.corpus_path(refusal=True), speed)
        for query in queries:
            result = engine.precompute(query["text"])
            speed.precompute_ms.append(result.timings_ms["total"])
            refused.append(not result.grounded)
            confidence.append(result.grounding.confidence)
        engine.close()
    precision, recall, f1 = metrics.binary_f1(unanswerable, refused)
    top_scores = [(baseline.rank(q["text"], k=1) or [("", 0.0)])[0][1] for q in queries]
    threshold, bm25_f1 = metrics.best_threshold_f1(top_scores, unanswerable)
    best_threshold, best_f1 = metrics.best_threshold_f1(confidence, unanswerable)
    return {
        "queries": len(queries),
        "unanswerable": sum(unanswerable),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "bm25_f1": bm25_f1,
        "bm25_threshold": threshold,
        # Calibration of `confidence` against whether the Library really holds the answer.
        "ece": metrics.expected_calibration_error(confidence, [not u for u in unanswerable]),
        "reliability": metrics.reliability(confidence, [not u for u in unanswerable]),
        # Whether the grounding model was fitted on this collection: the unseen ones show what
        # a new Library gets.
        "fitted_on": collection.name in grounding_params.shipped().fitted_on,
        "best_threshold": best_threshold,
        "f1_at_best_threshold": best_f1,
    }


def evaluate_routing(
    router: RouterModel, path: Path, *, limit: int | None = None, seed: int = 7
) -> dict[str, Any]:
    """CPT50/80/95 and APGR of the router's strong_benefit, and of random routing for reference.

    A file of another schema (no ``prompt`` and ``correct`` of both models) is UnreadableSet.
    """
    records = list(read_jsonl(path))[:limit]
    wanted = {STRONG_MODEL, WEAK_MODEL}
    for number, r in enumerate(records, 1):
        if not isinstance(r.get("prompt"), str) or not wanted <= set(r.get("correct") or {}):
            raise UnreadableSet(
                f"{path.name}: record {number} has no 'prompt' and 'correct' of "
                f"{STRONG_MODEL} and {WEAK_MODEL}"
            )
    scores = [router.strong_benefit(r["prompt"]) for r in records]
    strong = [bool(r["correct"][STRONG_MODEL]) for r in records]
    weak = [bool(r["correct"][WEAK_MODEL]) for r in records]
    curve = metrics.routing_curve(scores, strong, weak)
    rng = random.Random(seed)  # nosec B311  # a seeded random router as a baseline: no secret
    random_apgr = statistics.fmean(
        metrics.apgr(metrics.routing_curve([rng.random() for _ in records], strong, weak))
        for _ in range(5)
    )
    # A router trained on this very set scores itself in-sample: say so, with the held-out
    # figures its training script measured on the half it did not see.
    trained: dict[str, Any] = dict(router.metadata)
    held_out = trained.get("held_out_odd_half", {}).get(path.stem, {})
    return {
        "n": len(records),
        "cpt50": metrics.cpt(curve, 0.5),
        "cpt80": metrics.cpt(curve, 0.8),
        "cpt95": metrics.cpt(curve, 0.95),
        "apgr": metrics.apgr(curve),
        "random_apgr": random_apgr,
        "router_trained_on_set": path.stem in trained.get("sources", []),
        "held_out_apgr": held_out.get("apgr"),
        "held_out_cpt50": held_out.get("cpt50"),
    }
