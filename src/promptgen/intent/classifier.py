"""The intent classifier: a calibrated linear model over hashed features, loaded once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from promptgen.archives import loading, read_npz, write_npz
from promptgen.embed.embedder import Embedder
from promptgen.errors import IntentModelInvalid
from promptgen.intent.features import DIMENSIONS, Features, featurize
from promptgen.types import INTENT_LABELS, Intent

if TYPE_CHECKING:
    from promptgen.stages import Embedding

# The shipped model: promptgen/models/intent/model.npz, checked against its MANIFEST.json on load
# and rebuilt by ``make intent-model`` (training/intent/train.py).
MODEL = "intent"
SHIPPED_MODEL = "model.npz"
REBUILD = "make intent-model"


class IntentClassifier:
    """Classifies a draft into one of the seven intents with calibrated probabilities."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32] | npt.NDArray[np.float16],
        bias: npt.NDArray[np.float32],
        labels: tuple[str, ...],
        temperature: float = 1.0,
        metadata: dict[str, object] | None = None,
        embedder: Embedding | None = None,
    ) -> None:
        # Rows past DIMENSIONS, when present, weigh the draft's static embedding.
        dense = weights.shape[0] - DIMENSIONS
        if dense < 0 or weights.shape[1] != len(labels) or bias.shape != (len(labels),):
            raise IntentModelInvalid(
                f"intent model has shape {weights.shape}, expected ({DIMENSIONS}[+d], {len(labels)}); "
                f"rebuild it with `{REBUILD}`"
            )
        unknown = sorted(set(labels) - set(INTENT_LABELS))
        if unknown:
            # The answer's schema lists our labels: another one would fail every precompute.
            raise IntentModelInvalid(
                f"intent model has labels outside {', '.join(INTENT_LABELS)}: "
                f"{', '.join(unknown)}; rebuild it with `{REBUILD}`"
            )
        self.embedder = (embedder or Embedder()) if dense else None
        if self.embedder is not None and self.embedder.dimensions != dense:
            raise IntentModelInvalid(
                f"intent model expects {dense}-dimension embeddings, the embedder gives "
                f"{self.embedder.dimensions}; rebuild it with `{REBUILD}`"
            )
        self.weights = weights
        self.bias = bias
        self.labels = labels
        self.temperature = temperature
        self.metadata = metadata or {}
        self._fingerprint: str | None = None

    @classmethod
    def load(cls, path: Path | None = None, embedder: Embedding | None = None) -> IntentClassifier:
        """The model at ``path``, or the one shipped in the package."""
        shipped = f"models/{MODEL}/{SHIPPED_MODEL}"
        with loading("intent model", path, shipped, REBUILD, IntentModelInvalid):
            archive = read_npz(path, MODEL, SHIPPED_MODEL, IntentModelInvalid)
            labels = tuple(str(x) for x in archive["labels"])
            metadata = json.loads(str(archive["metadata"]))
            return cls(
                # Kept float16 as saved (half the memory); rows are widened when used.
                archive["weights"],
                archive["bias"].astype(np.float32),
                labels,
                float(archive["temperature"]),
                metadata,
                embedder,
            )

    def save(self, path: Path) -> None:
        """Write the model as a compressed .npz (weights in float16 to keep the package small)."""
        write_npz(
            path,
            self.metadata,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            labels=np.array(self.labels),
            temperature=np.array(self.temperature),
        )

    def logits(
        self,
        text: str,
        embedding: npt.NDArray[np.float32] | None = None,
        features: Features | None = None,
    ) -> npt.NDArray[np.float32]:
        """Uncalibrated class scores (``embedding``, ``features``: the draft's, when already
        computed)."""
        indices, values = features if features is not None else featurize(text)
        rows = self.weights[indices].astype(np.float32, copy=False)
        result: npt.NDArray[np.float32] = values @ rows + self.bias
        if self.embedder is not None:
            vector = embedding if embedding is not None else self.embedder.embed_one(text)
            result = result + vector @ self.weights[DIMENSIONS:].astype(np.float32, copy=False)
        return result

    def classify(
        self,
        text: str,
        embedding: npt.NDArray[np.float32] | None = None,
        features: Features | None = None,
    ) -> Intent:
        """The most likely intent with temperature-calibrated probabilities for every label."""
        scaled = self.logits(text, embedding, features) / self.temperature
        exp = np.exp(scaled - scaled.max())
        probs = exp / exp.sum()
        best = int(probs.argmax())
        scores = {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
        return Intent(self.labels[best], float(probs[best]), scores)

    def fingerprint(self) -> str:
        """A short hash of the weights, to tell models apart in logs and health checks."""
        if self._fingerprint is None:  # of the float32 weights, whatever the dtype held
            weights = self.weights.astype(np.float32, copy=False).tobytes()
            self._fingerprint = hashlib.sha256(weights).hexdigest()[:12]
        return self._fingerprint


__all__ = ["INTENT_LABELS", "IntentClassifier"]
