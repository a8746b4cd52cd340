"""Pure metric functions: classification, ranking, calibration and routing curves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def classification_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the gold labels, and precision/recall/F1/support per label."""
    labels = sorted(set(gold))
    per_label: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "n": len(gold),
        "accuracy": correct / len(gold) if gold else 0.0,
        "macro_f1": sum(v["f1"] for v in per_label.values()) / len(per_label) if per_label else 0.0,
        "per_label": per_label,
    }


def binary_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class."""
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (
        precision,
        recall,
        (2 * precision * recall / (precision + recall) if precision + recall else 0.0),
    )


def best_threshold_f1(scores: Sequence[float], positive: Sequence[bool]) -> tuple[float, float]:
    """The threshold (predict positive when score < threshold) with the best F1, and that F1."""
    best = (0.0, 0.0)
    for threshold in [*sorted(set(scores)), math.inf]:
        _, _, f1 = binary_f1(positive, [s < threshold for s in scores])
        if f1 > best[1]:
            best = (threshold, f1)
    return best


def ndcg_at(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float:
    """nDCG@k with graded gains."""
    dcg = sum(gains.get(doc, 0.0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Share of the relevant documents found in the top k."""
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant document (0 when none is ranked)."""
    return next((1.0 / (i + 1) for i, doc in enumerate(ranked) if doc in relevant), 0.0)


def expected_calibration_error(
    confidence: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Weighted mean |accuracy − confidence| over equal-width confidence bins."""
    total = len(confidence)
    error = 0.0
    for b in range(bins):
        members = [i for i, c in enumerate(confidence) if min(int(c * bins), bins - 1) == b]
        if members:
            mean_conf = sum(confidence[i] for i in members) / len(members)
            accuracy = sum(correct[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - mean_conf)
    return error


def reliability(
    confidence: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[dict[str, Any]]:
    """Binned reliability data: per confidence bin, its size, mean confidence and hit rate."""
    rows = []
    for b in range(bins):
        members = [i for i, c in enumerate(confidence) if min(int(c * bins), bins - 1) == b]
        if members:
            rows.append(
                {
                    "bin": [b / bins, (b + 1) / bins],
                    "n": len(members),
                    "mean_confidence": sum(confidence[i] for i in members) / len(members),
                    "share_positive": sum(correct[i] for i in members) / len(members),
                }
            )
    return rows


def routing_curve(
    scores: Sequence[float], strong: Sequence[bool], weak: Sequence[bool], steps: int = 100
) -> list[float]:
    """Performance-gap recovered at each strong share s = 0, 1/steps, …, 1 (highest scores go strong)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    n = len(order)
    weak_acc = sum(weak) / n
    gap = sum(strong) / n - weak_acc
    curve = []
    for step in range(steps + 1):
        cut = round(n * step / steps)
        chosen = set(order[:cut])
        acc = sum((strong[i] if i in chosen else weak[i]) for i in range(n)) / n
        curve.append((acc - weak_acc) / gap if gap else 0.0)
    return curve


def cpt(curve: Sequence[float], target: float) -> float:
    """Smallest strong share whose recovered gap reaches ``target``."""
    steps = len(curve) - 1
    return next((i / steps for i, value in enumerate(curve) if value >= target), 1.0)


def apgr(curve: Sequence[float]) -> float:
    """Area under the recovered-gap curve (trapezoids over s in [0, 1])."""
    steps = len(curve) - 1
    return sum((curve[i] + curve[i + 1]) / 2 for i in range(steps)) / steps
