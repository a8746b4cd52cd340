"""Train the intent classifier from labelled JSONL: softmax regression + temperature scaling."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from promptgen.embed.embedder import Embedder
from promptgen.errors import InvalidInput
from promptgen.intent.classifier import IntentClassifier
from promptgen.intent.features import DIMENSIONS, featurize
from promptgen.types import INTENT_LABELS

# Labels used by the third-party evaluation sets that mean one of ours.
LABEL_ALIASES = {"research/qa": "research", "data/extraction": "analysis"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled prompt."""

    text: str
    label: str
    source: str


def normalize_label(label: object) -> str | None:
    """Our label for a data set's label, or None when it has none we know."""
    if not isinstance(label, str) or not label:
        return None
    mapped = LABEL_ALIASES.get(label, label)
    return mapped if mapped in INTENT_LABELS else None


def load_examples(
    paths: list[Path],
    *,
    max_per_label: int | None = None,
    seed: int = 13,
    exclude: frozenset[str] = frozenset(),
    relabel: Mapping[str, str] | None = None,
) -> list[Example]:
    """Labelled prompts from JSONL files; at most ``max_per_label`` per file and label.

    Records are named ``<file stem>:<id>``. ``exclude``: records never to train on (an
    evaluation set's ids). ``relabel``: our label for records whose own label is coarser.
    """
    relabel = relabel or {}
    rng = random.Random(seed)
    examples: list[Example] = []
    for path in paths:
        by_label: dict[str, list[Example]] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            name = f"{path.stem}:{record.get('id')}"
            if name in exclude:
                continue
            label = normalize_label(relabel.get(name, record.get("label")))
            text = record.get("text")
            if label and isinstance(text, str) and text.strip():
                by_label.setdefault(label, []).append(Example(text, label, path.stem))
        for items in by_label.values():
            rng.shuffle(items)
            examples.extend(items[:max_per_label] if max_per_label else items)
    return examples


def hashed_matrix(texts: list[str]) -> sparse.csr_matrix:
    """One row of hashed features (``featurize``) per text, as a sparse float64 matrix."""
    rows, cols, vals = [], [], []
    for row, text in enumerate(texts):
        indices, values = featurize(text)
        rows.append(np.full(len(indices), row))
        cols.append(indices)
        vals.append(values)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), DIMENSIONS),
        dtype=np.float64,
    )


def _matrix(texts: list[str], embedder: Embedder | None = None) -> sparse.csr_matrix:
    hashed = hashed_matrix(texts)
    if embedder is None:
        return hashed
    return sparse.hstack([hashed, sparse.csr_matrix(embedder.embed(texts))]).tocsr()


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: npt.NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out


def _fit(
    x: sparse.csr_matrix, y: npt.NDArray[np.int64], classes: int, l2: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Class-balanced, L2-regularized softmax regression fitted with L-BFGS."""
    n, d = x.shape
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    sample_weight = (n / (classes * np.maximum(counts, 1.0)))[y]
    onehot = np.eye(classes)[y]

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w = theta[: d * classes].reshape(d, classes)
        b = theta[d * classes :]
        p = _softmax(x @ w + b)
        nll = -float(np.sum(sample_weight * np.log(np.sum(p * onehot, axis=1) + 1e-12))) / n
        residual = (p - onehot) * sample_weight[:, None] / n
        grad_w = np.asarray(x.T @ residual) + l2 * w
        return nll + 0.5 * l2 * float(np.sum(w * w)), np.concatenate(
            [grad_w.ravel(), residual.sum(0)]
        )

    start = np.zeros(d * classes + classes)
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 300})
    theta = result.x
    return theta[: d * classes].reshape(d, classes), theta[d * classes :]


def _temperature(logits: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> float:
    """The temperature that minimizes held-out negative log-likelihood."""

    def nll(t: float) -> float:
        p = _softmax(logits / t)
        return -float(np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    fitted = optimize.minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(fitted.x)


def train(
    examples: list[Example],
    *,
    l2: float = 1e-5,
    holdout: float = 0.2,
    seed: int = 13,
    embedder: Embedder | None = None,
) -> IntentClassifier:
    """Fit on all examples; the temperature comes from a model fitted on the rest of a held-out split."""
    labels = tuple(label for label in INTENT_LABELS if any(e.label == label for e in examples))
    if len(labels) < 2:
        raise InvalidInput("training needs labelled examples of at least two intents")
    index = {label: i for i, label in enumerate(labels)}
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    split = int(len(order) * (1 - holdout))
    texts = [examples[i].text for i in order]
    y = np.array([index[examples[i].label] for i in order], dtype=np.int64)
    x = _matrix(texts, embedder)
    w, b = _fit(x[:split], y[:split], len(labels), l2)
    temperature = _temperature(x[split:] @ w + b, y[split:]) if split < len(order) else 1.0
    w, b = _fit(x, y, len(labels), l2)
    metadata: dict[str, object] = {
        "examples": len(examples),
        "per_label": dict(Counter(e.label for e in examples)),
        "sources": sorted({e.source for e in examples}),
        "l2": l2,
        "embedding": embedder.fingerprint if embedder else None,
    }
    return IntentClassifier(
        w.astype(np.float32), b.astype(np.float32), labels, temperature, metadata, embedder
    )


def read_labels(paths: list[Path]) -> dict[str, str]:
    """``{id: label}`` of label files (``{id, label, ...}`` per line, ids ``<file stem>:<id>``)."""
    labels: dict[str, str] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                labels[str(record["id"])] = str(record["label"])
    return labels
