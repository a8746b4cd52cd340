"""The shipped intent model: seven labels, calibrated probabilities, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from promptgen.errors import IntentModelInvalid
from promptgen.intent.classifier import IntentClassifier
from promptgen.intent.features import DIMENSIONS
from promptgen.intent.labels import normalize_label
from promptgen.types import INTENT_LABELS
from training.intent.train import load_examples, main, train


def test_shipped_model_knows_all_seven_labels(classifier: IntentClassifier) -> None:
    assert classifier.labels == INTENT_LABELS
    assert 0.05 < classifier.temperature < 20


@pytest.mark.parametrize("draft", ["implement authentication", "", "ñ" * 30000, "```\n}\n```"])
def test_probabilities_are_a_distribution(classifier: IntentClassifier, draft: str) -> None:
    intent = classifier.classify(draft)
    assert sum(intent.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert intent.confidence == max(intent.scores.values())
    assert intent.scores[intent.label] == intent.confidence


def test_spec_draft_is_code(classifier: IntentClassifier) -> None:
    assert classifier.classify("implement authentication").label == "code"


def test_missing_or_damaged_model_file(tmp_path: Path) -> None:
    with pytest.raises(IntentModelInvalid, match="make intent-model"):
        IntentClassifier.load(tmp_path / "absent.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, weights=np.zeros((3, 3)))
    with pytest.raises(IntentModelInvalid):
        IntentClassifier.load(bad)
    cut = tmp_path / "cut.npz"  # a download or copy that stopped half way
    shipped = Path(__file__).resolve().parents[2] / "src/promptgen/models/intent/model.npz"
    cut.write_bytes(shipped.read_bytes()[:2000])
    with pytest.raises(IntentModelInvalid, match="cannot load the intent model"):
        IntentClassifier.load(cut)


def test_training_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "mini.jsonl"
    rows = [{"text": f"fix the python bug in function {i}", "label": "code"} for i in range(20)]
    rows += [{"text": f"what is {i} plus {i * 3}", "label": "math"} for i in range(20)]
    rows += [{"text": "no label here", "label": ""}, {"text": "q", "label": "research/qa"}]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    examples = load_examples([data])
    assert {e.label for e in examples} == {"code", "math", "research"}
    model = train(examples, holdout=0.25)
    model.save(tmp_path / "m.npz")
    loaded = IntentClassifier.load(tmp_path / "m.npz")
    assert loaded.classify("fix the python bug in function 99").label == "code"
    assert loaded.classify("what is 7 plus 21").label == "math"


def test_training_command_writes_the_model_and_its_manifest(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    rows = [{"text": f"t{i} {lab}", "label": lab} for i in range(10) for lab in ("code", "math")]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "intent" / "model.npz"
    assert main([str(data), "--no-embeddings", "--out", str(out)]) == 0
    manifest = json.loads((out.parent / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "intent" and manifest["command"] == "make intent-model"
    assert manifest["files"]["model.npz"]["size"] == out.stat().st_size
    assert IntentClassifier.load(out).labels == ("code", "math")
    assert main([str(tmp_path / "absent.jsonl"), "--out", str(out)]) == 1


def test_label_aliases() -> None:
    assert normalize_label("research/qa") == "research"
    assert normalize_label("data/extraction") == "analysis"
    assert normalize_label("poetry") is None


def test_shipped_weights_stay_float16_and_score_as_float32(classifier: IntentClassifier) -> None:
    assert classifier.weights.dtype == np.float16  # half the memory of every server worker
    widened = IntentClassifier(
        classifier.weights.astype(np.float32),
        classifier.bias,
        classifier.labels,
        classifier.temperature,
        classifier.metadata,
        classifier.embedder,
    )
    assert widened.fingerprint() == classifier.fingerprint()
    for draft in ["implement authentication", "what is 17 * 23?", "ñ" * 3000, ""]:
        assert np.array_equal(widened.logits(draft), classifier.logits(draft))
        assert widened.classify(draft) == classifier.classify(draft)


def test_a_model_with_labels_of_its_own_is_refused_at_load() -> None:
    # The answer's schema lists our seven labels: a model with another would fail every answer.
    labels = ("code", "poetry")
    weights = np.zeros((DIMENSIONS, len(labels)), dtype=np.float32)
    with pytest.raises(IntentModelInvalid, match="poetry"):
        IntentClassifier(weights, np.zeros(len(labels), dtype=np.float32), labels)
