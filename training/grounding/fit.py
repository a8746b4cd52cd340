"""Fit the Refusal Contract's GroundingModel on labelled refusal sets and write its parameters.

For each collection under DATA/retrieval (laid out as ../shared/data/README.md describes), the
refusal corpus is ingested into a temporary Library with PromptGen's own ingest and every refusal
query is retrieved with PromptGen's own retrieve; the query is labelled 1 when it is answerable
from that corpus. Then:

1. a logistic regression (L2 on standardized features) over promptgen.grounding.features, fitted
   on the passage the model itself rates best for each query, because the service's
   ``confidence`` is the best passage's probability;
2. a Platt step (a logistic of the model's log-odds) fitted on 5-fold out-of-fold log-odds, so
   that the probability is calibrated, folded into the weights;
3. the grounding threshold: the one with the best refusal F1 ("refused" positive) on the
   out-of-fold calibrated probabilities of both collections pooled, F1 averaged over ±0.05
   around each threshold so that one query does not move it.

It prints an honest held-out check first (fitted on the queries whose CRC32 of the id is even,
threshold chosen there, measured on the odd ones), then the fit on all queries, its calibration
table and its F1/ECE on the same queries, and writes src/promptgen/models/grounding/params.json
with its MANIFEST.json (--dry-run: print only). It stops without writing if a weight of evidence
(promptgen.grounding.EVIDENCE) is not positive. About 15 s on two cores.

Usage: python -m training.grounding.fit ../shared/data [--dry-run]   (make grounding-model)
"""

from __future__ import annotations

import json
import sys
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from promptgen.embed.embedder import Embedder, to_blob
from promptgen.evaluation import metrics
from promptgen.grounding import EVIDENCE, FEATURES, affinity, features, unjudgeable
from promptgen.library.background import Background
from promptgen.library.ingest import ingest
from promptgen.library.sqlite import SQLiteStore
from promptgen.models import ROOT, write_manifest
from promptgen.models import grounding as grounding_params
from promptgen.models.grounding import MODEL, GroundingParams
from promptgen.models.grounding import PARAMS as PARAMS_FILE
from promptgen.retrieve import Retrieval, retrieve
from promptgen.settings import Settings
from training import REPO, shown_arguments

L2 = 1e-3  # on standardized features (docs/quality.md: what was tried)
FOLDS = 5
ROUNDS = 4  # refits on the passage the current model rates best
EMBEDDER = Embedder()
BACKGROUND = Background.load()
PARAMS = ROOT / MODEL / PARAMS_FILE
TRAINING = REPO / "training" / "intent" / "data"
OFF_TOPIC_SHARE = 4
SHARED = REPO.parent / "shared"
REFUSAL_SETS = ("cranfield", "pubmedqa")
MIN_TERMS = Settings().grounding_min_terms
GATE_LOSS = 0.03
SEED_DRAFTS = [
    REPO / "training" / "grounding" / "seed_answerable.jsonl",
    REPO / "training" / "grounding" / "seed_lookalike.jsonl",
]
SEED_LIBRARY = [
    SHARED / "seed" / "promptgen-production-guide.md",
    SHARED / "DESIGN.md",
    SHARED / "STYLE.md",
]


@dataclass(frozen=True)
class Query:
    collection: str
    id: str
    answerable: bool
    hits: np.ndarray  # one row of features per retrieved passage; no rows when none
    affinity: float = 0.0  # the draft's grounding.affinity with this Library


def _embed_blobs(texts: list[str]) -> list[bytes]:
    return [to_blob(v) for v in EMBEDDER.embed(texts)]


def _rows(retrieval: Retrieval) -> np.ndarray:
    rows = [features(h, retrieval) for h in retrieval.hits]
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


def off_topic_drafts(share: int = OFF_TOPIC_SHARE) -> list[dict[str, str]]:
    """Everyday drafts of our own (the intent training prompts we wrote), 1 in ``share``."""
    drafts = []
    for path in sorted(TRAINING.glob("*_authored*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                if zlib.crc32(f"off:{record['id']}".encode()) % share == 0:
                    drafts.append({"id": f"off:{record['id']}", "text": record["text"]})
    return drafts


def _judge(
    store: SQLiteStore, name: str, drafts: Sequence[dict[str, object]], queries: list[Query]
) -> None:
    """Retrieve every draft; one the rules refuse before any passage is scored (too few topic
    words) is not the model's to fit."""
    for draft in drafts:
        retrieval = retrieve(store, str(draft["text"]), library="default", embedder=EMBEDDER)
        if unjudgeable(retrieval, MIN_TERMS) is None:
            answerable = bool(draft.get("answerable", "doc" in draft))
            topic = affinity(retrieval, BACKGROUND)
            queries.append(Query(name, str(draft["id"]), answerable, _rows(retrieval), topic))


def collect(data: Path) -> list[Query]:
    """Every refusal query of every collection, and everyday drafts against each Library (none
    answerable), with the features of each retrieved passage."""
    queries: list[Query] = []
    off_topic = off_topic_drafts()
    libraries = [
        (c.name, [c / "corpus_refusal.jsonl"], [c / "queries_refusal.jsonl"])
        for c in sorted((data / "retrieval").iterdir())
        if (c / "queries_refusal.jsonl").exists()
    ]
    # A Library about software like the one users deploy, with questions we wrote in users'
    # words (answerable: those naming their section) and look-alikes it does not answer
    # (training/grounding/README.md). The demo docs stay unseen: `promptgen eval` probes them.
    libraries.append(("seed", SEED_LIBRARY, SEED_DRAFTS))
    for name, corpus, labelled in libraries:
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLiteStore(Path(tmp) / "lib.db")
            ingest(store, [p for p in corpus if p.exists()], embed=_embed_blobs)
            lines = [line for path in labelled for line in path.read_text().split("\n")]
            _judge(store, name, [json.loads(line) for line in lines if line.strip()], queries)
            _judge(store, f"{name}+off", off_topic, queries)
            store.close()
        print(f"{name}: {len(queries)} queries so far", file=sys.stderr)
    return queries


def _logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Weights then intercept of the logistic regression minimizing mean log-loss + l2·‖w‖²
    (intercept not penalized; l2 = 0: no penalty), fitted by scikit-learn's L-BFGS.

    scikit-learn minimizes C·Σ log-loss + ½‖w‖²: the same minimizer for C = 1 / (2·n·l2).
    """
    c = np.inf if l2 == 0 else 1.0 / (2 * len(y) * l2)
    model = LogisticRegression(C=c, tol=1e-5, max_iter=15_000).fit(x, y.astype(np.int64))
    return np.r_[model.coef_[0], model.intercept_[0]]


@dataclass(frozen=True)
class Linear:
    """z = intercept + weights · features, in the features' own units."""

    weights: np.ndarray
    intercept: float

    def best_logit(self, query: Query) -> float:
        """The log-odds of the passage the model rates best (−inf when nothing was retrieved)."""
        if not len(query.hits):
            return -np.inf
        return float(np.max(query.hits @ self.weights) + self.intercept)


def fit_logistic(queries: Sequence[Query], l2: float = L2) -> Linear:
    """The logistic model, fitted on the passage it rates best for each query (uncalibrated)."""
    usable = [q for q in queries if len(q.hits)]
    y = np.array([q.answerable for q in usable], dtype=float)
    chosen = np.array([q.hits[0] for q in usable])  # start from retrieval's first passage
    mean, scale = chosen.mean(0), chosen.std(0) + 1e-9
    model = Linear(np.zeros(chosen.shape[1]), 0.0)
    for _ in range(ROUNDS + 1):
        theta = _logistic((chosen - mean) / scale, y, l2)
        weights = theta[:-1] / scale
        model = Linear(weights, float(theta[-1] - weights @ mean))
        chosen = np.array([q.hits[int(np.argmax(q.hits @ model.weights))] for q in usable])
    return model


def _fold(query: Query, salt: bytes = b"") -> int:
    return zlib.crc32(query.id.encode() + salt) % FOLDS


def fit(queries: Sequence[Query]) -> tuple[Linear, list[float]]:
    """The calibrated model (Platt folded in) and its out-of-fold probabilities for ``queries``."""
    out_of_fold = np.zeros(len(queries))
    folds = np.array([_fold(q, b"fold") for q in queries])
    for k in range(FOLDS):
        model = fit_logistic([q for q, f in zip(queries, folds, strict=True) if f != k])
        for i in np.flatnonzero(folds == k):
            out_of_fold[i] = model.best_logit(queries[int(i)])
    seen = np.isfinite(out_of_fold)
    y = np.array([q.answerable for q in queries], dtype=float)
    slope, shift = _logistic(out_of_fold[seen, None], y[seen], 0.0)
    raw = fit_logistic(queries)
    calibrated = Linear(slope * raw.weights, float(slope * raw.intercept + shift))
    oof = [_sigmoid(slope * z + shift) for z in out_of_fold]
    return calibrated, oof


def _sigmoid(z: float) -> float:
    return 0.0 if z == -np.inf else float(1 / (1 + np.exp(-z)))


def probabilities(model: Linear, queries: Sequence[Query]) -> list[float]:
    """What the service reports as ``confidence``: the best passage's probability."""
    return [_sigmoid(model.best_logit(q)) for q in queries]


def choose_threshold(p: Sequence[float], queries: Sequence[Query]) -> float:
    """The threshold with the best pooled refusal F1 (refuse when p < threshold), smoothed.

    Chosen on the labelled refusal sets only: the everyday drafts are nearly all far below any
    threshold, and thousands of easy refusals would let it fall to where the hard ones pass.
    """
    labelled = [i for i, q in enumerate(queries) if "+" not in q.collection]
    p = [p[i] for i in labelled]
    unanswerable = [not queries[i].answerable for i in labelled]
    grid = np.round(np.arange(0.30, 0.9001, 0.005), 3)
    f1 = np.array([metrics.binary_f1(unanswerable, [v < t for v in p])[2] for t in grid])
    smoothed = np.convolve(np.pad(f1, 10, mode="edge"), np.ones(21) / 21, mode="valid")
    return float(grid[int(np.argmax(smoothed))])


def report(
    label: str, p: Sequence[float], queries: Sequence[Query], thresholds: dict[str, float]
) -> None:
    for collection in sorted({q.collection for q in queries}):
        index = [i for i, q in enumerate(queries) if q.collection == collection]
        unanswerable = [not queries[i].answerable for i in index]
        conf = [p[i] for i in index]
        if all(unanswerable):  # everyday drafts: how many would be grounded
            shares = ", ".join(
                f"grounded at {name} {t:.3f} = {sum(c >= t for c in conf) / len(conf):.2%}"
                for name, t in thresholds.items()
            )
            print(f"  {label} {collection:14s} n={len(index):4d} {shares}")
            continue
        ece = metrics.expected_calibration_error(conf, [not u for u in unanswerable])
        f1s = ", ".join(
            f"F1 at {name} {t:.3f} = {metrics.binary_f1(unanswerable, [c < t for c in conf])[2]:.3f}"
            for name, t in thresholds.items()
        )
        print(f"  {label} {collection:10s} n={len(index):4d} ECE={ece:.3f}  {f1s}")


def calibration_table(p: Sequence[float], queries: Sequence[Query]) -> None:
    y = np.array([q.answerable for q in queries], dtype=float)
    pa = np.array(p)
    bins = np.clip((pa * 5).astype(int), 0, 4)
    for b in range(5):
        mask = bins == b
        if mask.any():
            print(
                f"  | {b / 5:.1f} to {(b + 1) / 5:.1f} | {mask.sum()} | {pa[mask].mean():.2f} "
                f"| {y[mask].mean():.2f} |"
            )


def check_monotone(model: Linear) -> list[str]:
    """Evidence features whose weight is not positive (the probability would fall as they rise)."""
    return [name for name in EVIDENCE if model.weights[FEATURES.index(name)] <= 0]


def choose_gate(queries: Sequence[Query], loss: float = GATE_LOSS) -> float:
    """The topic gate: the highest affinity below which at most ``loss`` of the answerable
    drafts of every labelled Library fall (pooled), on a grid of 0.25."""
    answerable = np.array([q.affinity for q in queries if q.answerable])
    grid = np.arange(-6.0, 2.01, 0.25)
    allowed = [g for g in grid if (answerable < g).mean() <= loss]
    return float(max(allowed)) if allowed else -6.0


def gated(p: Sequence[float], queries: Sequence[Query], gate: float) -> list[float]:
    """What the service reports: refused (0) below the gate, else the model's probability."""
    return [v if q.affinity >= gate else 0.0 for v, q in zip(p, queries, strict=True)]


def parameters(
    model: Linear, threshold: float, gate: float, fitted: Sequence[Query]
) -> GroundingParams:
    """What params.json holds (weights and intercept to 6 significant digits)."""
    return GroundingParams(
        {name: float(f"{w:.6g}") for name, w in zip(FEATURES, model.weights, strict=True)},
        float(f"{model.intercept:.6g}"),
        threshold,
        gate,
        tuple(sorted({q.collection for q in fitted})),
    )


def write_params(params: GroundingParams, fitted: Sequence[Query]) -> None:
    """params.json and its MANIFEST.json."""
    PARAMS.write_text(params.to_json(), encoding="utf-8")
    write_manifest(
        PARAMS.parent,
        MODEL,
        [PARAMS.name],
        **provenance(len(fitted), list(params.fitted_on)),
        arguments=shown_arguments(sys.argv[1:]),
    )


def provenance(queries: int, collections: list[str]) -> dict[str, object]:
    """What the grounding manifest says about how params.json was made."""
    return {
        "what": "the Refusal Contract's calibrated logistic model over promptgen.grounding."
        "FEATURES (weights by feature, intercept with the Platt step folded in), the default "
        "grounding threshold (best pooled out-of-fold refusal F1) and the topic gate "
        f"(min_affinity: at most {GATE_LOSS:.0%} of the labelled answerable drafts below it)",
        "source": f"the {queries} judgeable refusal queries of ../shared/data/retrieval "
        f"({', '.join(collections)}), run through PromptGen's own ingest and retrieve; the gate "
        "also from our seed-Library questions (training/grounding) and everyday drafts of ours "
        "(training/intent/data)",
        "sources": [
            {"name": "pubmedqa", "licence": "MIT (../shared/data/README.md)"},
            {"name": "cranfield", "licence": "the Cranfield test collection (none stated)"},
            {"name": "training/grounding", "licence": "ours"},
            {"name": "../shared/seed, DESIGN.md, STYLE.md", "licence": "ours (the seed Library)"},
        ],
        "licence": "parameters fitted by PromptGen; no source text is shipped",
        "built_by": "training/grounding/fit.py",
        "command": "make grounding-model",
        "fitted_on_queries": queries,
        "fitted_with": f"scikit-learn {sklearn.__version__}",
    }


def main() -> None:
    data = Path(sys.argv[1])
    queries = collect(data)
    current = grounding_params.shipped().threshold
    # The logistic is fitted on the refusal sets alone: their questions are written from the
    # documents, so what separates answerable from not there is the answer being present. The
    # other groups (our seed questions, everyday drafts) judge the topic gate and are reported.
    refusal = [q for q in queries if q.collection in REFUSAL_SETS]

    fit_half = [q for q in refusal if zlib.crc32(q.id.encode()) % 2 == 0]
    test_half = [q for q in refusal if zlib.crc32(q.id.encode()) % 2 == 1]
    half_model, half_oof = fit(fit_half)
    half_threshold = choose_threshold(half_oof, fit_half)
    print(f"held-out: fitted on {len(fit_half)} queries (even CRC32 of id), tested on the other")
    print(f"  threshold chosen on the fitted half: {half_threshold}")
    report(
        "held-out",
        probabilities(half_model, test_half),
        test_half,
        {"it": half_threshold, "setting": current},
    )

    model, oof = fit(refusal)
    threshold = choose_threshold(oof, refusal)
    gate = choose_gate(queries)
    print(
        f"{len(refusal)} refusal queries: threshold {threshold} (setting now {current}); gate {gate}"
    )
    thresholds = {"it": threshold, "setting": current}
    report("out-of-fold", oof, refusal, thresholds)
    report("oof+gate", gated(oof, refusal, gate), refusal, thresholds)
    p = probabilities(model, queries)
    report("in-sample+gate", gated(p, queries, gate), queries, thresholds)
    print(
        "calibration, in-sample, refusal sets (predicted p | queries | mean p | share answerable):"
    )
    calibration_table(probabilities(model, refusal), refusal)
    bad = check_monotone(model)
    if bad:
        sys.exit(f"not written: the weight of {', '.join(bad)} is not positive")
    params = parameters(model, threshold, gate, refusal)
    print(params.to_json(), end="")
    if "--dry-run" not in sys.argv:
        write_params(params, refusal)
        print(f"wrote {PARAMS}")


if __name__ == "__main__":
    main()
