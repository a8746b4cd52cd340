"""Fit the Refusal Contract's GroundingModel on labelled refusal sets.

For each collection under DATA/retrieval (laid out as ../shared/data/README.md describes), the
refusal corpus is ingested into a temporary Library with PromptGen's own ingest, every refusal
query is retrieved with PromptGen's own retrieve, and the query is labelled 1 when it is
answerable from that corpus (with --top: only when the best hit is a gold document). A logistic
regression on promptgen.grounding.features (coverage, score, length, margin) then gives P(the best passage grounds the draft).

Usage: python scripts/fit_grounding.py ../shared/data
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import optimize

from promptgen.embed.embedder import Embedder, to_blob
from promptgen.grounding import FEATURES, features
from promptgen.library.ingest import ingest
from promptgen.library.sqlite import SQLiteStore
from promptgen.retrieve import retrieve

EMBEDDER = Embedder()


def embed_blobs(texts: list[str]) -> list[bytes]:
    return [to_blob(v) for v in EMBEDDER.embed(texts)]


# The label: does the Library hold what grounds the query (answerable), or, with --top, is the
# best passage itself a gold document? The Refusal Contract is about the first.
TOP_ONLY = "--top" in sys.argv


def _features(data: Path) -> tuple[list[list[float]], list[int]]:
    rows: list[list[float]] = []
    labels: list[int] = []
    for collection in sorted((data / "retrieval").iterdir()):
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLiteStore(Path(tmp) / "lib.db")
            ingest(store, [collection / "corpus_refusal.jsonl"], embed=embed_blobs)
            keys = {d.id: d.key.rsplit("#", 1)[-1] for d in store.documents()}
            lines = (collection / "queries_refusal.jsonl").read_text().split("\n")
            for query in (json.loads(line) for line in lines if line.strip()):
                retrieval = retrieve(store, query["text"], library="default", embedder=EMBEDDER)
                hits = retrieval.hits
                top = hits[0] if hits else None
                doc_id = keys.get(top.document_id) if top else None
                gold = set(query.get("gold_ids") or [])
                empty = [0.0, 0.0, math.log(1 + len(retrieval.terms)), 0.0, 0.0]
                rows.append(list(features(top, retrieval)) if top else empty)
                labels.append(int(bool(query["answerable"]) and (doc_id in gold or not TOP_ONLY)))
            store.close()
        print(f"{collection.name}: {len(labels)} queries so far", file=sys.stderr)
    return rows, labels


def main() -> None:
    x_rows, y_list = _features(Path(sys.argv[1]))
    x = np.array(x_rows)
    y = np.array(y_list, dtype=float)
    design = np.hstack([x, np.ones((len(x), 1))])

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ theta
        p = 1 / (1 + np.exp(-z))
        loss = (
            -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
            + 1e-3 * theta[:-1] @ theta[:-1]
        )
        grad = design.T @ (p - y) / len(y) + np.r_[2e-3 * theta[:-1], 0.0]
        return float(loss), grad

    theta = optimize.minimize(nll, np.zeros(len(FEATURES) + 1), jac=True, method="L-BFGS-B").x
    p = 1 / (1 + np.exp(-(design @ theta)))
    bins = np.clip((p * 5).astype(int), 0, 4)
    print(
        "weights",
        dict(zip(FEATURES, np.round(theta[:-1], 3), strict=True)),
        "intercept",
        round(theta[-1], 3),
    )
    print("calibration (predicted vs observed per fifth):")
    for b in range(5):
        mask = bins == b
        if mask.any():
            print(
                f"  p in [{b / 5:.1f},{(b + 1) / 5:.1f}): n={mask.sum():4d} "
                f"mean p={p[mask].mean():.2f} observed={y[mask].mean():.2f}"
            )


if __name__ == "__main__":
    main()
