"""Train the learned router (src/promptgen/models/router/) and measure it honestly.

The data: ``routing/*.jsonl`` records ``{id, prompt, correct: {model: bool}}`` (RouteLLM's
MMLU and GSM8K answers of gpt-4-1106-preview and Mixtral-8x7B, Apache-2.0). The router sees the
prompt only; the answers are the labels. Two L2-regularized logistic regressions over the same
features (see ``promptgen.cost.routing``) predict P(strong right) and P(weak right); the router
ranks prompts by the difference. The difficulty blends that score's percentile with the prompt's
length percentile (log words): ``--length-weight PLAIN CHOICE`` gives the length's share for
prompts without and with answer options (chosen by even-half CV: ``--evaluate --cv-only`` prints
the grid); prompts with explicit asks for rigour get none.

    python -m training.router.train ../shared/data/routing --evaluate   # held-out half + k-fold CV
    python -m training.router.train ../shared/data/routing --out src/promptgen/models/router/model.npz

(``make router-model`` runs both and writes the model with its MANIFEST.json.)

``--evaluate`` trains on the prompts whose id has an even crc32 and reports APGR/CPT on the odd
ones, then k-fold CV over everything; choose settings with ``--evaluate --cv-only`` (CV inside the
even half), never on the odd half. The shipped model is trained on every prompt; its percentile
table comes from out-of-fold scores, so a new prompt's percentile is not inflated by overfitting.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from promptgen.cost.routing import CUE_NAMES, MODEL, RouterModel, cue_features
from promptgen.embed.embedder import Embedder
from promptgen.evaluation import metrics
from promptgen.evaluation.tasks import STRONG_MODEL, WEAK_MODEL
from promptgen.intent.features import DIMENSIONS
from promptgen.models import write_manifest
from training import shown_arguments
from training.intent.train import hashed_matrix

Array = npt.NDArray[np.float64]
QUANTILES = 201
WORDS = CUE_NAMES.index("log_words") - len(CUE_NAMES)  # column of data.dense
OPTIONS = CUE_NAMES.index("options") - len(CUE_NAMES)
HARD_CUES = CUE_NAMES.index("hard_cues") - len(CUE_NAMES)


@dataclass(frozen=True, slots=True)
class Data:
    """Every routing prompt with its features and labels."""

    ids: list[str]
    family: npt.NDArray[np.int64]
    families: list[str]
    hashed: sparse.csr_matrix
    dense: Array  # raw: embedding, then cues
    strong: Array
    weak: Array


def load(folder: Path, embedder: Embedder) -> Data:
    ids: list[str] = []
    texts: list[str] = []
    family: list[int] = []
    strong: list[bool] = []
    weak: list[bool] = []
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        sys.exit(f"no routing *.jsonl files in {folder}")
    for number, path in enumerate(files):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            record = json.loads(line)
            ids.append(str(record["id"]))
            texts.append(record["prompt"])
            family.append(number)
            strong.append(bool(record["correct"][STRONG_MODEL]))
            weak.append(bool(record["correct"][WEAK_MODEL]))
    hashed = hashed_matrix(texts)
    cues = np.stack([cue_features(t) for t in texts]).astype(np.float64)
    dense = np.hstack([embedder.embed(texts).astype(np.float64), cues])
    return Data(
        ids,
        np.array(family, dtype=np.int64),
        [p.stem for p in files],
        hashed,
        dense,
        np.array(strong, dtype=np.float64),
        np.array(weak, dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class Member:
    """One pair of logistic regressions over one block of the features."""

    weights: Array  # (block width, 2): strong, weak
    bias: Array  # (2,)

    def gain(self, x: sparse.csr_matrix | Array) -> Array:
        p = 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))
        out: Array = p[:, 0] - p[:, 1]
        return out


@dataclass(frozen=True, slots=True)
class Fitted:
    """Both members, the dense standardization and how the members' gains are blended."""

    hashed: Member
    dense: Member
    mean: Array
    scale: Array
    blend_mean: Array  # (2,): each member's gain, standardized with its out-of-fold spread
    blend_scale: Array

    def members(self, data: Data, rows: npt.NDArray[np.int64]) -> Array:
        """Each member's gain, one column per member."""
        return np.stack(
            [
                self.hashed.gain(data.hashed[rows]),
                self.dense.gain((data.dense[rows] - self.mean) / self.scale),
            ],
            axis=1,
        )

    def score(self, data: Data, rows: npt.NDArray[np.int64]) -> Array:
        out: Array = ((self.members(data, rows) - self.blend_mean) / self.blend_scale).mean(axis=1)
        return out


def fit_member(
    x: sparse.csr_matrix | Array, y: Array, l2: float, maxiter: int, tol: float
) -> Member:
    """Two L2-regularized logistic regressions (strong right, weak right), scikit-learn's L-BFGS.

    Each minimizes (1/n)·Σ log-loss + (l2/2)·‖w‖², intercept unpenalized: scikit-learn's
    C·Σ log-loss + ½‖w‖² with C = 1 / (n·l2), which it scales back to ours internally.
    """
    n, d = x.shape
    weights, bias = np.zeros((d, 2)), np.zeros(2)
    for column in range(2):
        model = LogisticRegression(C=1.0 / (n * l2), tol=tol, max_iter=maxiter)
        model.fit(x, y[:, column].astype(np.int64))
        weights[:, column], bias[column] = model.coef_[0], model.intercept_[0]
    return Member(weights, bias)


def fit(
    data: Data,
    rows: npt.NDArray[np.int64],
    args: argparse.Namespace,
    blend: tuple[Array, Array] | None = None,
) -> Fitted:
    """Both members on ``rows``; ``blend``: the members' gain mean and spread (default: in-sample)."""
    mean = data.dense[rows].mean(axis=0)
    scale = data.dense[rows].std(axis=0) + 1e-6
    y = np.stack([data.strong[rows], data.weak[rows]], axis=1)
    hashed = fit_member(data.hashed[rows], y, args.l2_hashed, args.maxiter, args.tol)
    dense = fit_member((data.dense[rows] - mean) / scale, y, args.l2_dense, args.maxiter, args.tol)
    fitted = Fitted(hashed, dense, mean, scale, np.zeros(2), np.ones(2))
    if blend is None and args.blend == "none":
        blend = (np.zeros(2), np.ones(2))
    if blend is None:
        gains = fitted.members(data, rows)
        blend = (gains.mean(axis=0), gains.std(axis=0) + 1e-9)
    return Fitted(hashed, dense, mean, scale, blend[0], blend[1])


def report(data: Data, rows: npt.NDArray[np.int64], scores: Array, label: str) -> dict[str, object]:
    """APGR and CPT50/80 per routing file over ``rows``."""
    out: dict[str, object] = {}
    for number, name in enumerate(data.families):
        members = rows[data.family[rows] == number]
        curve = metrics.routing_curve(
            list(scores[members]),
            list(data.strong[members].astype(bool)),
            list(data.weak[members].astype(bool)),
        )
        out[name] = {
            "n": len(members),
            "apgr": round(metrics.apgr(curve), 3),
            "cpt50": metrics.cpt(curve, 0.5),
            "cpt80": metrics.cpt(curve, 0.8),
        }
        print(
            f"{label:<28} {name:<16} n={len(members):<5} APGR {metrics.apgr(curve):.3f}  "
            f"CPT50 {metrics.cpt(curve, 0.5):.0%}  CPT80 {metrics.cpt(curve, 0.8):.0%}",
            flush=True,
        )
    return out


def percentiles(reference: Array, values: Array) -> Array:
    """Each value's percentile in a QUANTILES-step table of ``reference`` (as the router does)."""
    table = np.quantile(reference, np.linspace(0.0, 1.0, QUANTILES))
    out: Array = np.interp(values, table, np.linspace(0.0, 1.0, QUANTILES))
    return out


def blended(
    data: Data,
    rows: npt.NDArray[np.int64],
    scores: Array,
    reference: npt.NDArray[np.int64],
    reference_scores: Array,
    weight: tuple[float, float],
) -> Array:
    """Learned and length percentiles (tables from ``reference``) blended as the router does."""
    out = np.full(len(data.ids), np.nan)
    learned = percentiles(reference_scores[reference], scores[rows])
    length = percentiles(data.dense[reference, WORDS], data.dense[rows, WORDS])
    share = np.where(data.dense[rows, OPTIONS] >= 2, weight[1], weight[0])
    share[data.dense[rows, HARD_CUES] > 0] = 0.0  # as RouterModel.length_weight_for
    out[rows] = (1.0 - share) * learned + share * length
    return out


def out_of_fold(
    data: Data, rows: npt.NDArray[np.int64], folds: int, args: argparse.Namespace
) -> tuple[Array, Array]:
    """Each row's blended score and members' gains from models fitted on the other folds."""
    fold_of = np.array([zlib.crc32(data.ids[i].encode()) // 2 % folds for i in rows])
    scores = np.full(len(data.ids), np.nan)
    gains = np.full((len(data.ids), 2), np.nan)
    for fold in range(folds):
        train, test = rows[fold_of != fold], rows[fold_of == fold]
        model = fit(data, train, args)
        scores[test] = model.score(data, test)
        gains[test] = model.members(data, test)
    return scores, gains


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder with the routing *.jsonl files")
    parser.add_argument("--out", type=Path, help="where to write the trained model")
    parser.add_argument("--evaluate", action="store_true", help="held-out half and k-fold CV")
    parser.add_argument(
        "--cv-only", action="store_true", help="with --evaluate: CV inside the even half only"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2-hashed", type=float, default=1e-4)
    parser.add_argument("--l2-dense", type=float, default=1e-1)
    parser.add_argument("--maxiter", type=int, default=400)
    # Each regression is fitted on its own (the hand-written fit ran both in one L-BFGS, stopping
    # at gradient 1e-5 within about 0.001 of the optimum's probabilities): converging each
    # tightly reproduces that fit's figures, 1e-5 each stops farther away (up to 0.008).
    parser.add_argument(
        "--tol", type=float, default=1e-8, help="L-BFGS gradient tolerance of each regression"
    )
    parser.add_argument(
        "--length-weight",
        type=float,
        nargs=2,
        default=(0.6, 0.1),
        metavar=("PLAIN", "CHOICE"),
        help="length percentile's share without / with answer options (even-half CV choice)",
    )
    parser.add_argument(
        "--blend",
        choices=("insample", "none"),
        default="insample",
        help="standardize each member's gain by its in-sample spread, or add the raw gains",
    )
    return parser.parse_args()


def evaluate(data: Data, args: argparse.Namespace) -> tuple[dict[str, object], Array | None]:
    """Even-half CV (and, unless --cv-only, the odd half and k-fold CV of everything).

    Returns the figures for the model's metadata and the k-fold out-of-fold scores when made.
    """
    everything = np.arange(len(data.ids))
    results: dict[str, object] = {}
    half = np.array([zlib.crc32(i.encode()) % 2 for i in data.ids])
    even, odd = everything[half == 0], everything[half == 1]
    weight = tuple(args.length_weight)
    even_oof, _ = out_of_fold(data, even, args.folds, args)
    report(data, even, even_oof, "CV even half, learned")
    report(data, even, data.dense[:, WORDS], "even half, length (words)")
    if args.cv_only:
        for plain in np.linspace(0.0, 1.0, 11):
            for choice in np.linspace(0.0, 0.5, 6):
                share = (round(plain, 1), round(choice, 1))
                scores = blended(data, even, even_oof, even, even_oof, share)
                report(data, even, scores, f"CV even half, length {share}")
    scores = blended(data, even, even_oof, even, even_oof, weight)
    results["cv_even_half"] = report(data, even, scores, f"CV even half, length {weight}")
    if args.cv_only:
        return results, None
    scores = np.full(len(data.ids), np.nan)
    scores[odd] = fit(data, even, args).score(data, odd)
    scores = blended(data, odd, scores, even, even_oof, weight)
    results["held_out_odd_half"] = report(data, odd, scores, "train even, test odd")
    oof = out_of_fold(data, everything, args.folds, args)[0]
    scores = blended(data, everything, oof, everything, oof, weight)
    results["cv_all"] = report(data, everything, scores, f"{args.folds}-fold CV, all")
    return results, oof


def write_model(
    data: Data,
    args: argparse.Namespace,
    embedder: Embedder,
    results: dict[str, object],
    oof: Array | None,
) -> None:
    """Train on every prompt and save the router, percentiles from out-of-fold scores."""
    everything = np.arange(len(data.ids))
    if oof is None:
        oof = out_of_fold(data, everything, args.folds, args)[0]
    model = fit(data, everything, args)
    metadata: dict[str, object] = {
        "examples": len(data.ids),
        "sources": data.families,
        "target": "P(strong right) - P(weak right), two members blended",
        "strong": STRONG_MODEL,
        "weak": WEAK_MODEL,
        "l2_hashed": args.l2_hashed,
        "l2_dense": args.l2_dense,
        "tol": args.tol,
        "fitted_with": f"scikit-learn {sklearn.__version__}",
        "cues": list(CUE_NAMES),
        "embedding": embedder.fingerprint,
        "blend": args.blend,
        "length_weight": list(args.length_weight),
        "length_feature": "log(1 + words); weight [without, with] >= 2 answer options; 0 with hard cues",
        "percentiles_from": f"{args.folds}-fold out-of-fold scores",
        **results,
    }
    dense_rows = model.dense.weights.shape[0]
    weights = np.zeros((DIMENSIONS + dense_rows, 4))
    weights[:DIMENSIONS, :2] = model.hashed.weights
    weights[DIMENSIONS:, 2:] = model.dense.weights
    router = RouterModel(
        weights.astype(np.float32),
        np.concatenate([model.hashed.bias, model.dense.bias]).astype(np.float32),
        model.mean.astype(np.float32),
        model.scale.astype(np.float32),
        model.blend_mean.astype(np.float32),
        model.blend_scale.astype(np.float32),
        np.quantile(oof, np.linspace(0.0, 1.0, QUANTILES)).astype(np.float32),
        metadata,
        embedder,
        np.quantile(data.dense[:, WORDS], np.linspace(0.0, 1.0, QUANTILES)).astype(np.float32),
        np.array(args.length_weight, dtype=np.float32),
    )
    router.save(args.out)
    write_model_manifest(router, args.out, sys.argv[1:])
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


def write_model_manifest(router: RouterModel, out: Path, arguments: list[str]) -> None:
    """MANIFEST.json beside ``out``: checksum, the routing data and its licence, how to rebuild."""
    metadata = router.metadata
    listed = metadata.get("sources")
    sources = [str(s) for s in listed] if isinstance(listed, list) else []
    write_manifest(
        out.parent,
        MODEL,
        [out.name],
        what="learned router: per member (hashed n-grams; embedding + cues) two L2 logistic "
        "regressions, P(strong model right) and P(weak model right); the score is their "
        "standardized gain, a percentile blended with the draft's length percentile",
        source="RouteLLM's per-prompt answers of the strong and the weak model on MMLU and "
        "GSM8K (lm-sys/RouteLLM; ../shared/data/routing)",
        sources=[{"name": name, "licence": "Apache-2.0 (lm-sys/RouteLLM)"} for name in sources],
        licence="Apache-2.0 (the routing data); the model itself is this repository's",
        built_by="training/router/train.py",
        command="make router-model",
        arguments=shown_arguments(arguments),
        examples=metadata.get("examples"),
        strong=metadata.get("strong"),
        weak=metadata.get("weak"),
        embedding=metadata.get("embedding"),
        fitted_with=metadata.get("fitted_with", "scipy L-BFGS-B (before scikit-learn)"),
        held_out_odd_half=metadata.get("held_out_odd_half"),
    )


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    embedder = Embedder()
    data = load(args.data, embedder)
    results: dict[str, object] = {}
    oof: Array | None = None
    if args.evaluate:
        results, oof = evaluate(data, args)
    if args.out:
        write_model(data, args, embedder, results, oof)
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
