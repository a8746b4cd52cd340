"""The model catalog: ids, providers, prices per million tokens, context windows, tiers."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from promptgen.cost.tokenizer import ENCODINGS
from promptgen.errors import CatalogInvalid, UnknownModel
from promptgen.types import INTENT_LABELS

SHIPPED_CATALOG = "models.toml"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One catalogued model."""

    id: str
    provider: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    context_window: int
    max_output_tokens: int
    tier: int
    strengths: tuple[str, ...]
    tokenizer: str

    @property
    def encoding(self) -> str:
        """The tiktoken encoding used to count (exactly, or as the base of an estimate)."""
        return self.tokenizer if self.tokenizer in ENCODINGS else "o200k_base"

    @property
    def is_exact(self) -> bool:
        """True when the count is the model's own tokenizer's."""
        return self.tokenizer in ENCODINGS

    @property
    def estimate_factor(self) -> float:
        """Multiplier applied to o200k_base counts for models whose tokenizer is not shipped."""
        return 1.0 if self.is_exact else float(self.tokenizer.removeprefix("estimate:"))

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """Price of one call in USD."""
        return (
            input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok
        ) / 1e6


def _entry(raw: dict[str, Any], where: str) -> ModelEntry:
    try:
        entry = ModelEntry(
            id=str(raw["id"]),
            provider=str(raw["provider"]),
            input_usd_per_mtok=float(raw["input_usd_per_mtok"]),
            output_usd_per_mtok=float(raw["output_usd_per_mtok"]),
            context_window=int(raw["context_window"]),
            max_output_tokens=int(raw["max_output_tokens"]),
            tier=int(raw["tier"]),
            strengths=tuple(str(s) for s in raw.get("strengths", ())),
            tokenizer=str(raw["tokenizer"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogInvalid(
            f"{where}: model entry {raw.get('id', '?')!r} is invalid: {exc}"
        ) from exc
    problems = []
    if entry.input_usd_per_mtok < 0 or entry.output_usd_per_mtok < 0:
        problems.append("negative price")
    if entry.context_window <= 0 or entry.tier not in (1, 2, 3):
        problems.append("context_window must be > 0 and tier 1, 2 or 3")
    if unknown := set(entry.strengths) - set(INTENT_LABELS):
        problems.append(f"unknown strengths {sorted(unknown)}")
    if not entry.is_exact:
        try:
            entry.estimate_factor  # noqa: B018 - validates the "estimate:<factor>" syntax
        except ValueError:
            problems.append(f"tokenizer must be one of {ENCODINGS} or estimate:<factor>")
    if problems:
        raise CatalogInvalid(f"{where}: model {entry.id!r}: {'; '.join(problems)}")
    return entry


class ModelCatalog:
    """The catalogued models, looked up by id."""

    def __init__(self, models: list[ModelEntry], snapshot: dict[str, str] | None = None) -> None:
        if not models:
            raise CatalogInvalid("the model catalog lists no models")
        self.models = {m.id: m for m in models}
        if len(self.models) != len(models):
            raise CatalogInvalid("the model catalog lists a model id twice")
        self.snapshot = snapshot or {}

    @classmethod
    def load(cls, path: Path | None = None) -> ModelCatalog:
        """The catalog at ``path``, or the one shipped in the package."""
        where = str(path) if path else f"the package's {SHIPPED_CATALOG}"
        try:
            if path is None:
                text = resources.files("promptgen.cost").joinpath(SHIPPED_CATALOG).read_text()
            else:
                text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CatalogInvalid(f"cannot read the model catalog from {where}: {exc}") from exc
        models = [_entry(raw, where) for raw in data.get("model", [])]
        return cls(models, {k: str(v) for k, v in data.get("snapshot", {}).items()})

    def get(self, model_id: str) -> ModelEntry:
        """The entry for ``model_id``; UnknownModel names the ids that exist."""
        try:
            return self.models[model_id]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise UnknownModel(f"unknown model {model_id!r}; the catalog lists: {known}") from None

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.models.values())
