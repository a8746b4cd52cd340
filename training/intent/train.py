"""Train the intent classifier from labelled JSONL: softmax regression + temperature scaling
(scikit-learn: LogisticRegression, CalibratedClassifierCV).

``make intent-model`` runs it on our own prompts (``training/intent/data``) and the permissively
licensed shared sets, and writes ``src/promptgen/models/intent/`` (model.npz and MANIFEST.json):

    .venv/bin/python -m training.intent.train FILE.jsonl ... [--max-per-label N] [--no-embeddings]
        [--exclude LABELS.jsonl] [--relabel RELABELLED.jsonl] [--out src/promptgen/models/intent/model.npz]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from promptgen.embed.embedder import Embedder
from promptgen.errors import InvalidInput, PromptGenError
from promptgen.intent.classifier import MODEL, SHIPPED_MODEL, IntentClassifier
from promptgen.intent.features import DIMENSIONS, featurize
from promptgen.intent.labels import normalize_label
from promptgen.models import ROOT, write_manifest
from promptgen.types import INTENT_LABELS
from training import shown_arguments

DATA = Path(__file__).resolve().parent / "data"  # our own labelled prompts
SHIPPED = ROOT / MODEL / SHIPPED_MODEL
# The licence of every set the shipped model may be trained on (../shared/data/README.md); our
# own files (DATA) are this repository's. codealpaca_2k (CC BY-NC 4.0) is evaluation only.
LICENCES = {
    "gsm8k_test": "MIT (openai/grade-school-math)",
    "mmlu_routellm": "MIT (MMLU via lm-sys/RouteLLM)",
    "mbpp_test": "CC BY 4.0 (MBPP via nlpxucan/WizardLM)",
    "arena_hard_v2": "Apache-2.0 (lmarena/arena-hard-auto)",
    "selfinstruct_seed_tasks": "Apache-2.0 (yizhongw/self-instruct)",
}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled prompt."""

    text: str
    label: str
    source: str


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


def _regression(
    x: sparse.csr_matrix, y: npt.NDArray[np.int64], classes: int, l2: float
) -> LogisticRegression:
    """Class-balanced, L2-regularized softmax regression, fitted by scikit-learn's L-BFGS.

    Our objective is (1/n)·Σ cᵢ·ℓᵢ + (l2/2)·‖W‖² (ℓ the softmax log-loss, cᵢ = n / (classes ×
    the count of i's label), intercepts unpenalized); scikit-learn minimizes C·Σ cᵢ·ℓᵢ + ½‖W‖²,
    the same minimizer for C = 1 / (n·l2), and scales it back to ours internally, so L-BFGS (same
    start, gtol 1e-5, 300 iterations at most) takes the same steps. It fits two labels as one
    logistic regression of w = w₂ − w₁; the softmax's penalty of (−w/2, w/2) is half of
    (l2/2)·‖w‖², hence C doubled there (``_weights`` splits w back).
    """
    n = x.shape[0]
    present, counts = np.unique(y, return_counts=True)
    weights = {int(k): n / (classes * int(c)) for k, c in zip(present, counts, strict=True)}
    scale = 2.0 if len(present) == 2 else 1.0
    model = LogisticRegression(C=scale / (n * l2), class_weight=weights, tol=1e-5, max_iter=300)
    return model.fit(x, y)


def _weights(
    model: LogisticRegression, dimensions: int, classes: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The softmax's (dimensions, classes) weights and biases; a label the fit never saw gets
    no weight and a bias of −inf (probability 0)."""
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
    w = np.zeros((dimensions, classes))
    b = np.full(classes, -np.inf)
    w[:, model.classes_] = coef.T
    b[model.classes_] = intercept
    return w, b


def _temperature(
    model: LogisticRegression, x: sparse.csr_matrix, y: npt.NDArray[np.int64]
) -> float:
    """The temperature that minimizes the held-out log-loss: scikit-learn's temperature scaling
    (CalibratedClassifierCV, method="temperature") of ``model``, frozen as fitted on the other
    rows, over the whole held-out split (one split, no cross-validation).

    It needs the held-out rows to hold exactly the labels the fit saw (scikit-learn numbers the
    labels by those present); otherwise, which only a handful of examples can give, 1.0.
    """
    if set(np.unique(y).tolist()) != set(model.classes_.tolist()):
        return 1.0
    every = np.arange(len(y))
    calibrated = CalibratedClassifierCV(
        FrozenEstimator(model), method="temperature", cv=[(every, every)]
    )
    calibrated.fit(x, y)
    beta = float(calibrated.calibrated_classifiers_[0].calibrators[0].beta_)
    # scikit-learn scales a two-label model's decision s as (−s, s); our logits are (−s/2, s/2).
    return 1.0 / (beta * (2.0 if len(model.classes_) == 2 else 1.0))


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
    temperature = 1.0
    if split < len(order) and len(np.unique(y[:split])) >= 2:
        rest = _regression(x[:split], y[:split], len(labels), l2)
        temperature = _temperature(rest, x[split:], y[split:])
    w, b = _weights(_regression(x, y, len(labels), l2), x.shape[1], len(labels))
    metadata: dict[str, object] = {
        "examples": len(examples),
        "per_label": dict(Counter(e.label for e in examples)),
        "sources": sorted({e.source for e in examples}),
        "l2": l2,
        "embedding": embedder.fingerprint if embedder else None,
        "fitted_with": f"scikit-learn {sklearn.__version__}",
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


def _sources(names: list[str]) -> list[dict[str, object]]:
    """The sources a model was trained on, ours grouped, each shared set with its licence."""
    ours = [n for n in names if (DATA / f"{n}.jsonl").exists()]
    listed: list[dict[str, object]] = []
    if ours:
        licence = "ours: written for PromptGen (this repository's licence)"
        listed.append({"name": "training/intent/data", "files": ours, "licence": licence})
    for name in names:
        if name not in ours:
            listed.append({"name": name, "licence": LICENCES.get(name, "unknown: check it")})
    return listed


def write_model_manifest(model: IntentClassifier, out: Path, arguments: list[str]) -> None:
    """MANIFEST.json beside ``out``: checksum, sources and their licences, how to rebuild."""
    metadata = model.metadata
    listed = metadata.get("sources")
    sources = [str(s) for s in listed] if isinstance(listed, list) else []
    write_manifest(
        out.parent,
        MODEL,
        [out.name],
        what="intent classifier: class-balanced L2 softmax regression over hashed n-grams "
        "(promptgen.intent.features) and the static embedding, temperature-calibrated",
        source="our labelled prompts (training/intent/data, relabels in "
        "training/intent/relabelled.jsonl) and the shared intent sets listed in sources",
        sources=_sources(sources),
        licence="trained only on our prompts and permissively licensed sets (MIT, CC BY 4.0, "
        "Apache-2.0; see sources); never on evaluation/ or the judged public sets",
        built_by="training/intent/train.py",
        command="make intent-model",
        arguments=shown_arguments(arguments),
        examples=metadata.get("examples"),
        per_label=metadata.get("per_label"),
        temperature=round(float(model.temperature), 6),
        embedding=metadata.get("embedding"),
        fitted_with=metadata.get("fitted_with", "scipy L-BFGS-B (before scikit-learn)"),
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, nargs="+", help="labelled JSONL files {text, label}")
    parser.add_argument("--out", type=Path, default=SHIPPED, help="where to write the model")
    parser.add_argument("--max-per-label", type=int, help="cap per file and label")
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="hashed n-grams only, without the static embedding",
    )
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=[],
        help="JSONL of evaluation ids (<file stem>:<id>) never to train on",
    )
    parser.add_argument(
        "--relabel",
        type=Path,
        action="append",
        default=[],
        help="JSONL {id, label} of our labels for records (<file stem>:<id>)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train, write the model and its MANIFEST.json (next to ``--out``); 1 on bad input."""
    args = _arguments(argv)
    try:
        examples = load_examples(
            args.data,
            max_per_label=args.max_per_label,
            exclude=frozenset(read_labels(args.exclude)),
            relabel=read_labels(args.relabel),
        )
        model = train(examples, embedder=None if args.no_embeddings else Embedder())
    except (PromptGenError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    model.save(args.out)
    write_model_manifest(model, args.out, sys.argv[1:] if argv is None else argv)
    print(
        f"wrote {args.out}: {len(examples)} examples, temperature {model.temperature:.3f}, "
        f"labels {', '.join(model.labels)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
