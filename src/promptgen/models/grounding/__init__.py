"""The Refusal Contract's fitted parameters (``params.json``), read once and checked.

Written with its MANIFEST.json by training/grounding/fit.py; promptgen.grounding.GroundingModel
takes its weights, intercept and topic gate from here, and promptgen.settings the default of
PROMPTGEN_GROUNDING_THRESHOLD, so a refit moves both.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

from promptgen import models
from promptgen.errors import GroundingModelInvalid

MODEL = "grounding"
PARAMS = "params.json"


@dataclass(frozen=True, slots=True)
class GroundingParams:
    """What the fit chose: one weight per feature (by name), the intercept (Platt step folded
    in), the threshold with the best pooled refusal F1, the topic gate, and the collections
    fitted on (every other Library is unseen)."""

    weights: dict[str, float]
    intercept: float
    threshold: float
    min_affinity: float
    fitted_on: tuple[str, ...]

    @classmethod
    def from_json(cls, text: str) -> GroundingParams:
        """Parse ``params.json``; ValueError when a field is missing or of the wrong kind."""
        data = json.loads(text)
        try:
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            params = cls(
                weights,
                float(data["intercept"]),
                float(data["threshold"]),
                float(data["min_affinity"]),
                tuple(str(c) for c in data["fitted_on"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"missing or malformed field: {exc}") from exc
        numbers = [*weights.values(), params.intercept, params.threshold, params.min_affinity]
        if not all(math.isfinite(v) for v in numbers) or not 0.0 <= params.threshold <= 1.0:
            raise ValueError("a parameter is not finite, or the threshold is outside [0, 1]")
        return params

    def to_json(self) -> str:
        """The ``params.json`` text (what training/grounding/fit.py writes)."""
        data = {
            "weights": self.weights,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "min_affinity": self.min_affinity,
            "fitted_on": list(self.fitted_on),
        }
        return json.dumps(data, indent=2) + "\n"

    def ordered(self, features: tuple[str, ...]) -> tuple[float, ...]:
        """The weights in ``features`` order; GroundingModelInvalid when they do not match."""
        if set(features) != set(self.weights):
            raise GroundingModelInvalid(
                f"models/{MODEL}/{PARAMS} weighs {sorted(self.weights)}, the model reads "
                f"{sorted(features)}; refit it (training/grounding/fit.py)"
            )
        return tuple(self.weights[name] for name in features)


@cache
def shipped() -> GroundingParams:
    """The shipped parameters, once their file matches the manifest."""
    raw = models.read(MODEL, PARAMS, GroundingModelInvalid)
    try:
        return GroundingParams.from_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise GroundingModelInvalid(
            f"models/{MODEL}/{PARAMS} is not valid: {exc}; reinstall PromptGen"
        ) from exc
