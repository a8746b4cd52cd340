"""Metric functions against hand-computed values."""

import math

import pytest

from promptgen.evaluation import metrics


def test_classification_report() -> None:
    report = metrics.classification_report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report["accuracy"] == 0.75
    assert report["per_label"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_ranking_metrics() -> None:
    assert metrics.ndcg_at(["x", "a"], {"a": 1.0}) == pytest.approx(1 / math.log2(3))
    assert metrics.ndcg_at(["a", "b"], {"a": 4.0, "b": 1.0}) == 1.0
    assert metrics.recall_at(["a", "x"], {"a", "b"}) == 0.5
    assert metrics.reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)


def test_binary_and_threshold() -> None:
    assert metrics.binary_f1([True, False, True], [True, True, False]) == (0.5, 0.5, 0.5)
    threshold, f1 = metrics.best_threshold_f1([0.1, 0.2, 0.9], [True, True, False])
    assert f1 == 1.0 and 0.2 < threshold <= 0.9


def test_calibration_error() -> None:
    assert metrics.expected_calibration_error([0.9, 0.9], [True, True]) == pytest.approx(0.1)
    assert metrics.expected_calibration_error([0.5, 0.5], [True, False]) == 0.0


def test_routing_curve_perfect_and_reversed() -> None:
    strong = [True, True, False, True]
    weak = [False, True, False, True]
    perfect = metrics.routing_curve([1.0, 0.0, 0.0, 0.0], strong, weak, steps=4)
    assert perfect == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert metrics.cpt(perfect, 0.5) == 0.25 and metrics.apgr(perfect) == pytest.approx(0.875)
    reversed_curve = metrics.routing_curve([0.0, 1.0, 1.0, 1.0], strong, weak, steps=4)
    assert metrics.cpt(reversed_curve, 0.95) == 1.0
