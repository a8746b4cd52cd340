"""Model selection: the cheapest catalogued model that is capable enough and fits the window."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from promptgen.cost.catalog import ModelCatalog, ModelEntry
from promptgen.errors import BudgetExceeded
from promptgen.types import Intent, ModelCost

# How demanding each intent tends to be; the difficulty score starts here.
INTENT_DIFFICULTY = {
    "general": 0.10,
    "brainstorm": 0.20,
    "writing": 0.30,
    "analysis": 0.35,
    "research": 0.45,
    "code": 0.50,
    "math": 0.55,
}
_HARD_CUES = re.compile(
    r"\b(prove|proof|derive|optimi[sz]e|architecture|distributed|concurren\w*|security|"
    r"refactor|debug|algorithm|complexity|theorem|integral|rigorous|edge cases?|production|"
    r"multi[- ]step|trade-?offs?)\b",
    re.I,
)
TIER_NAMES = {1: "small", 2: "balanced", 3: "frontier"}


@dataclass(frozen=True, slots=True)
class Routed:
    """The chosen model and every model's cost."""

    model: ModelEntry
    reason: str
    costs: tuple[ModelCost, ...]
    difficulty: float


def difficulty(text: str, intent: Intent) -> float:
    """A 0..1 score of how much capability the draft needs (higher routes to stronger models)."""
    score = sum(INTENT_DIFFICULTY.get(label, 0.3) * p for label, p in intent.scores.items())
    words = len(text.split())
    score += min(0.25, 0.05 * math.log2(1 + words / 20))
    score += min(0.2, 0.07 * len(_HARD_CUES.findall(text)))
    return min(1.0, score)


def required_tier(score: float) -> int:
    """Tier the difficulty score asks for."""
    return 1 if score < 0.45 else 2 if score < 0.7 else 3


def select_model(
    catalog: ModelCatalog,
    *,
    intent: Intent,
    text: str,
    input_tokens: dict[str, int],
    output_tokens: int,
    budget_usd: float | None = None,
) -> Routed:
    """Cheapest model of the needed tier (preferring ones strong at the intent) that fits."""
    score = difficulty(text, intent)
    tier = required_tier(score)
    costs = []
    for model in catalog:
        tokens = input_tokens[model.id]
        fits = tokens + output_tokens <= model.context_window
        costs.append(ModelCost(model.id, round(model.cost_usd(tokens, output_tokens), 8), fits))
    cost_of = {c.id: c for c in costs}
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
        f"{intent.label} draft, difficulty {score:.2f} → {TIER_NAMES[tier]} tier; "
        f"{chosen.id} is the cheapest {TIER_NAMES[chosen.tier]} model {strong} {intent.label} "
        f"whose {chosen.context_window:,}-token window fits"
    )
    ordered = tuple(sorted(costs, key=lambda c: c.estimated_cost_usd))
    return Routed(chosen, reason, ordered, score)
