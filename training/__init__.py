"""Offline training of the shipped models (never installed; run from the repository root).

Each model has its own package: ``training.intent`` (``make intent-model``), ``training.router``
(``make router-model``) and ``training.grounding`` (``make grounding-model``). Each writes its
files and their MANIFEST.json into ``src/promptgen/models/<name>/``.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shown_arguments(arguments: list[str]) -> list[str]:
    """Command-line arguments as a manifest records them: paths inside the repository made
    relative to it, so the manifest does not depend on where the checkout lies."""
    shown = []
    for argument in arguments:
        path = Path(argument)
        if path.is_absolute() and path.is_relative_to(REPO):
            argument = str(path.relative_to(REPO))
        shown.append(argument)
    return shown
