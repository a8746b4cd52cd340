"""The cost stage: token counts per model, the output estimate, every model's price, the choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptgen.cost.estimate import estimate_output_tokens
from promptgen.cost.routing import TierThresholds, select_model
from promptgen.types import Hit, Intent, ModelChoice, TokenCounts

if TYPE_CHECKING:
    from promptgen.stages import Catalog, TokenCounter


class Quoter:
    """Prices a prompt on every catalogued model and picks one (``select_model``)."""

    def __init__(
        self,
        catalog: Catalog,
        tokenizer: TokenCounter,
        *,
        default_encoding: str,
        thresholds: TierThresholds | None = None,
    ) -> None:
        self.catalog = catalog
        self.tokenizer = tokenizer
        self.default_encoding = default_encoding
        self.thresholds = thresholds or TierThresholds()
        for encoding in {default_encoding, *(m.encoding for m in catalog)}:
            tokenizer.preload(encoding)  # now, not inside the first request

    def count(self, text: str) -> int:
        """Exact token count with the default encoding."""
        return self.tokenizer.count(text, self.default_encoding)

    def tokens_per_model(self, text: str) -> dict[str, int]:
        """Input tokens of ``text`` for every catalogued model (each encoding counted once)."""
        counts = {e: self.tokenizer.count(text, e) for e in {m.encoding for m in self.catalog}}
        return {
            m.id: counts[m.encoding]
            if m.is_exact
            else round(counts[m.encoding] * m.estimate_factor)
            for m in self.catalog
        }

    def quote(
        self,
        text: str,
        prompt: str,
        context: tuple[Hit, ...],
        intent: Intent,
        *,
        strong_benefit: float | None,
        requested: str | None = None,
        budget_usd: float | None = None,
    ) -> ModelChoice:
        """The model for ``prompt`` (the optimized prompt, or the draft when refused)."""
        output = estimate_output_tokens(text, intent, self.count(text))
        per_model = self.tokens_per_model(prompt)
        routed = select_model(
            self.catalog,
            intent=intent,
            input_tokens=per_model,
            output_tokens=output,
            strong_benefit=strong_benefit,
            requested=requested,
            budget_usd=budget_usd,
            thresholds=self.thresholds,
        )
        chosen = routed.model
        factor = chosen.estimate_factor
        context_tokens = sum(self.count(h.text) for h in context)
        tokens = TokenCounts(
            prompt=per_model[chosen.id],
            context=round(context_tokens * factor),
            estimated_output=output,
            tokenizer=chosen.tokenizer if chosen.is_exact else f"o200k_base×{factor:g} (estimate)",
            exact=chosen.is_exact,
        )
        cost = next(c for c in routed.costs if c.id == chosen.id).estimated_cost_usd
        return ModelChoice(
            chosen.id, routed.reason, cost, tokens, routed.costs, routed.strong_benefit
        )
