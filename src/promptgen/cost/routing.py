"""Model selection: the cheapest catalogued model that is capable enough and fits the window."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from promptgen.archives import loading, read_npz, write_npz
from promptgen.cost.catalog import ModelEntry
from promptgen.embed.embedder import Embedder
from promptgen.errors import BudgetExceeded, RouterModelInvalid
from promptgen.intent.features import DIMENSIONS, Features, featurize
from promptgen.types import Intent, ModelCost

if TYPE_CHECKING:
    from promptgen.stages import Catalog, Embedding

# The learned router (promptgen/models/router/model.npz, built by ``make router-model``:
# training/router/train.py; checked against its MANIFEST.json on load). Each member
# is a pair of logistic regressions, P(the strong model answers right) and P(the weak one does),
# and its gain is their difference: what paying for the stronger model is expected to buy. One
# member reads the draft's hashed n-grams (the intent classifier's features), the other its
# static embedding and a few numeric cues; the router's score is the mean of the members' gains,
# each standardized, and the difficulty is that score's percentile among the training prompts,
# blended with the draft's length percentile (see ``RouterModel.blend``).
MODEL = "router"
SHIPPED_ROUTER = "model.npz"
# Explicit asks for rigour or engineering depth. The routing data (exam and word-problem
# questions) has almost none of them, so the learned model cannot weigh them; each one found
# adds this much to the percentile, up to _CUE_CAP.
_HARD_CUES = re.compile(
    r"\b(prove|proof|derive|optimi[sz]e|architecture|distributed|concurren\w*|security|"
    r"refactor|debug|algorithm|complexity|theorem|integral|rigorous|edge cases?|production|"
    r"multi[- ]step|trade-?offs?)\b",
    re.I,
)
_CUE_STEP = 0.1
_CUE_CAP = 0.4
# The routing data has no drafts shorter than this many words ("hi", "what is 2+2"): there the
# learned score is an extrapolation, so it is scaled down by words / _SHORT_WORDS.
_SHORT_WORDS = 12
_OPTION = re.compile(r"^\s*\(?[A-Ja-j][.)]\s", re.M)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_OPERATOR = re.compile(r"[-+*/^=<>%$×÷√∑∫]")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)")
CUE_NAMES = (
    "log_chars",
    "log_words",
    "options",
    "log_numbers",
    "log_digits",
    "log_operators",
    "lines",
    "questions",
    "sentences",
    "log_longest_number",
    "hard_cues",
)
TIER_NAMES = {1: "small", 2: "balanced", 3: "frontier"}
Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Routed:
    """The chosen model and every model's cost."""

    model: ModelEntry
    reason: str
    costs: tuple[ModelCost, ...]
    strong_benefit: float | None  # None: the model was requested, the router did not run


def cue_features(text: str) -> Vector:
    """Numeric cues of how much work a prompt asks for (see ``CUE_NAMES``), unscaled."""
    numbers = _NUMBER.findall(text)
    return np.array(
        [
            math.log1p(len(text)),
            math.log1p(len(text.split())),
            len(_OPTION.findall(text)),
            math.log1p(len(numbers)),
            math.log1p(sum(c.isdigit() for c in text)),
            math.log1p(len(_OPERATOR.findall(text))),
            min(text.count("\n"), 40),
            min(text.count("?"), 10),
            min(len(_SENTENCE_END.findall(text)), 40),
            math.log1p(max((len(n) for n in numbers), default=0)),
            len(_HARD_CUES.findall(text)),
        ],
        dtype=np.float32,
    )


def _shapes_agree(
    weights: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float32],
    dense_scaling: tuple[Vector, Vector],
    blend_scaling: tuple[Vector, Vector],
    quantiles: Vector,
) -> bool:
    """Whether a router file's arrays fit together.

    Rows past DIMENSIONS weigh the standardized embedding, then the cues; columns come in
    (strong, weak) pairs, one pair per member.
    """
    if weights.ndim != 2:
        return False
    dense = weights.shape[0] - DIMENSIONS
    members = weights.shape[1] // 2
    return (
        members >= 1
        and weights.shape[1] == 2 * members
        and dense > len(CUE_NAMES)
        and bias.shape == (2 * members,)
        and all(v.shape == (members,) for v in blend_scaling)
        and all(v.shape == (dense,) for v in dense_scaling)
        and quantiles.ndim == 1
        and len(quantiles) >= 2
    )


def _length_table_fits(length_quantiles: Vector | None, length_weight: Vector | None) -> bool:
    """Whether the optional length blend (absent in older files) is well formed."""
    return (
        length_quantiles is None or (length_quantiles.ndim == 1 and len(length_quantiles) >= 2)
    ) and (length_weight is None or length_weight.shape == (2,))


class RouterModel:
    """Scores a draft by how much a stronger model is expected to help; loaded once."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        dense_mean: Vector,
        dense_scale: Vector,
        blend_mean: Vector,
        blend_scale: Vector,
        quantiles: Vector,
        metadata: dict[str, object] | None = None,
        embedder: Embedding | None = None,
        length_quantiles: Vector | None = None,
        length_weight: Vector | None = None,
    ) -> None:
        if not _shapes_agree(
            weights, bias, (dense_mean, dense_scale), (blend_mean, blend_scale), quantiles
        ) or not _length_table_fits(length_quantiles, length_weight):
            raise RouterModelInvalid(
                f"router model has weights {weights.shape}, expected ({DIMENSIONS}+d, 2k) with "
                "matching scales; rebuild it with `make router-model`"
            )
        self.embedding_dimensions = weights.shape[0] - DIMENSIONS - len(CUE_NAMES)
        if embedder is not None:
            self._check(embedder)
        self.weights = weights
        self.bias = bias
        self.dense_mean = dense_mean
        self.dense_scale = dense_scale
        self.blend_mean = blend_mean
        self.blend_scale = blend_scale
        self.quantiles = quantiles
        # Percentiles of log(1 + words) among the training prompts, and how much of the
        # difficulty they make up: [drafts without answer options, multiple-choice drafts].
        self.length_quantiles = (
            length_quantiles if length_quantiles is not None else np.zeros(2, dtype=np.float32)
        )
        self.length_weight = (
            length_weight if length_weight is not None else np.zeros(2, dtype=np.float32)
        )
        self.metadata = metadata or {}
        self._embedder = embedder

    @property
    def embedder(self) -> Embedding:
        """The static embedding model, loaded on first use."""
        if self._embedder is None:
            self._embedder = self._check(Embedder())
        return self._embedder

    def _check(self, embedder: Embedding) -> Embedding:
        if embedder.dimensions != self.embedding_dimensions:
            raise RouterModelInvalid(
                f"router model expects {self.embedding_dimensions}-dimension embeddings, the "
                f"embedder gives {embedder.dimensions}; rebuild it with `make router-model`"
            )
        return embedder

    @classmethod
    def load(cls, path: Path | None = None, embedder: Embedding | None = None) -> RouterModel:
        """The model at ``path``, or the one shipped in the package."""
        shipped = f"models/{MODEL}/{SHIPPED_ROUTER}"
        with loading("router model", path, shipped, "make router-model", RouterModelInvalid):
            archive = read_npz(path, MODEL, SHIPPED_ROUTER, RouterModelInvalid)
            return cls(
                archive["weights"].astype(np.float32),
                archive["bias"].astype(np.float32),
                archive["dense_mean"].astype(np.float32),
                archive["dense_scale"].astype(np.float32),
                archive["blend_mean"].astype(np.float32),
                archive["blend_scale"].astype(np.float32),
                archive["quantiles"].astype(np.float32),
                json.loads(str(archive["metadata"])),
                embedder,
                archive["length_quantiles"].astype(np.float32)
                if "length_quantiles" in archive
                else None,
                archive["length_weight"].astype(np.float32) if "length_weight" in archive else None,
            )

    def save(self, path: Path) -> None:
        """Write the model as a compressed .npz (weights in float16 to keep the package small)."""
        write_npz(
            path,
            self.metadata,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            dense_mean=self.dense_mean,
            dense_scale=self.dense_scale,
            blend_mean=self.blend_mean,
            blend_scale=self.blend_scale,
            quantiles=self.quantiles,
            length_quantiles=self.length_quantiles,
            length_weight=self.length_weight,
        )

    def dense(self, text: str, embedding: Vector | None = None) -> Vector:
        """The standardized dense part of the features: the embedding, then the cues."""
        vector = embedding if embedding is not None else self.embedder.embed_one(text)
        raw = np.concatenate([vector.astype(np.float32), cue_features(text)])
        scaled: Vector = (raw - self.dense_mean) / self.dense_scale
        return scaled

    def logits(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Vector:
        """Each member's log-odds that the strong and that the weak model answer right."""
        indices, values = features if features is not None else featurize(text)
        result: Vector = (
            values @ self.weights[indices]
            + self.dense(text, embedding) @ self.weights[DIMENSIONS:]
            + self.bias
        )
        return result

    def gains(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Vector:
        """Each member's P(strong right) − P(weak right): the accuracy the strong model adds."""
        probs = 1.0 / (1.0 + np.exp(-self.logits(text, embedding, features)))
        result: Vector = (probs[0::2] - probs[1::2]).astype(np.float32)
        return result

    def score(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> float:
        """The mean of the members' standardized gains (higher: the strong model helps more)."""
        standardized = (self.gains(text, embedding, features) - self.blend_mean) / self.blend_scale
        return float(standardized.mean())

    def percentile(self, score: float) -> float:
        """Share of the training prompts (scored out of fold) whose score is below ``score``."""
        steps = np.linspace(0.0, 1.0, len(self.quantiles))
        return float(np.interp(score, self.quantiles, steps))

    def length_weight_for(self, text: str) -> float:
        """The length percentile's share of the difficulty for this draft.

        Zero for drafts that ask for rigour explicitly (``_HARD_CUES``): a short "prove …" is not
        an easy draft, so their length is not counted against them.
        """
        if _HARD_CUES.search(text):
            return 0.0
        return float(self.length_weight[1 if len(_OPTION.findall(text)) >= 2 else 0])

    def length_percentile(self, text: str) -> float:
        """Share of the training prompts with fewer words than ``text``."""
        steps = np.linspace(0.0, 1.0, len(self.length_quantiles))
        return float(np.interp(math.log1p(len(text.split())), self.length_quantiles, steps))

    def blend(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> float:
        """The learned percentile and the length percentile, averaged with ``length_weight``."""
        weight = self.length_weight_for(text)
        learned = 0.0 if weight >= 1.0 else self.percentile(self.score(text, embedding, features))
        length = self.length_percentile(text) if weight > 0.0 else 0.0
        return (1.0 - weight) * learned + weight * length

    def strong_benefit(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> float:
        """A 0..1 score of how much capability the draft needs (higher routes to stronger models).

        The learned score's percentile among the training prompts blended with the draft's
        length percentile (``blend``), scaled down for drafts shorter than any the router was
        trained on, plus a bonus for explicit asks for rigour (``_HARD_CUES``). It reads the
        text alone; ``embedding`` and ``features`` are the draft's, when already computed.
        """
        score = self.blend(text, embedding, features)
        score *= min(1.0, len(text.split()) / _SHORT_WORDS)
        score += min(_CUE_CAP, _CUE_STEP * len(_HARD_CUES.findall(text)))
        return min(1.0, score)


@dataclass(frozen=True, slots=True)
class TierThresholds:
    """The strong_benefit from which each stronger tier is needed (settings ``route_*_at``)."""

    balanced: float = 0.45
    frontier: float = 0.7


def required_tier(score: float, thresholds: TierThresholds = TierThresholds()) -> int:
    """Tier the router's score asks for."""
    return 1 if score < thresholds.balanced else 2 if score < thresholds.frontier else 3


def _check_budget(model_id: str, price: float, budget_usd: float | None) -> None:
    """BudgetExceeded when the requested model's price is over the budget."""
    if budget_usd is not None and price > budget_usd:
        raise BudgetExceeded(
            f"{model_id} is estimated at ${price:g} for this draft, over the budget of "
            f"${budget_usd:g}; raise the budget or ask for another model"
        )


def select_model(
    catalog: Catalog,
    *,
    intent: Intent,
    input_tokens: dict[str, int],
    output_tokens: int,
    strong_benefit: float | None,
    requested: str | None = None,
    budget_usd: float | None = None,
    thresholds: TierThresholds = TierThresholds(),
) -> Routed:
    """Every model's cost, and the requested model or the cheapest one of the needed tier
    (preferring ones strong at the intent) that fits the window and the budget.

    ``strong_benefit``: the router's score for the draft (None when ``requested`` names the
    model: the router is not run then).
    """
    costs = []
    for model in catalog:
        tokens = input_tokens[model.id]
        fits = tokens + output_tokens <= model.context_window
        costs.append(ModelCost(model.id, round(model.cost_usd(tokens, output_tokens), 8), fits))
    ordered = tuple(sorted(costs, key=lambda c: c.estimated_cost_usd))
    cost_of = {c.id: c for c in costs}
    if requested is not None:
        chosen = catalog.get(requested)
        _check_budget(requested, cost_of[chosen.id].estimated_cost_usd, budget_usd)
        return Routed(chosen, f"{requested} was requested", ordered, None)
    score = 0.0 if strong_benefit is None else strong_benefit
    tier = required_tier(score, thresholds)
    candidates = [m for m in catalog if cost_of[m.id].fits_context and m.tier >= tier]
    if budget_usd is not None:
        candidates = [m for m in candidates if cost_of[m.id].estimated_cost_usd <= budget_usd]
    if not candidates:
        if budget_usd is not None:
            raise BudgetExceeded(
                f"no tier-{tier} model fits a budget of ${budget_usd:g} for this draft; "
                "raise the budget or shorten the draft"
            )
        candidates = [m for m in catalog if cost_of[m.id].fits_context]
        if not candidates:
            raise BudgetExceeded("the draft exceeds every catalogued model's context window")
    chosen = min(
        candidates,
        key=lambda m: (m.tier, intent.label not in m.strengths, cost_of[m.id].estimated_cost_usd),
    )
    strong = "strong at" if intent.label in chosen.strengths else "general-purpose for"
    reason = (
        f"{intent.label} draft, strong_benefit {score:.2f} (a stronger model is expected to help "
        f"more than on {score:.0%} of benchmark prompts) → {TIER_NAMES[tier]} tier; "
        f"{chosen.id} is the cheapest {TIER_NAMES[chosen.tier]} model {strong} {intent.label} "
        f"whose {chosen.context_window:,}-token window fits"
    )
    return Routed(chosen, reason, ordered, score)
