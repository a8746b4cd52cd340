"""Our intent labels for the labels third-party sets use (evaluation and training read them)."""

from __future__ import annotations

from promptgen.types import INTENT_LABELS

# Labels used by the third-party evaluation sets that mean one of ours.
LABEL_ALIASES = {"research/qa": "research", "data/extraction": "analysis"}


def normalize_label(label: object) -> str | None:
    """Our label for a data set's label, or None when it has none we know."""
    if not isinstance(label, str) or not label:
        return None
    mapped = LABEL_ALIASES.get(label, label)
    return mapped if mapped in INTENT_LABELS else None
