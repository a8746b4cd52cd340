"""Library probes: drafts run against a real Library, judged by what a user would expect.

A probe names a Library (files to ingest) and up to three sets of drafts written for it:
``answerable`` (each answered by one section, named with the record), ``lookalike`` (the
Library's vocabulary, not its answers) and ``off_library`` (everyday drafts on other topics).
The answerable share grounded, whether the answering section is among the context, and the
share of the others grounded are what a person sees in the pre-send indicator. Probes are
listed in ``suite.toml`` of the evaluation suite folder (``evaluation/`` in the repository).
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptgen.engine import PromptGen
from promptgen.evaluation import metrics
from promptgen.evaluation.datasets import read_jsonl
from promptgen.settings import Settings
from promptgen.types import Hit, PrecomputeResult

EngineFactory = Callable[[Settings], PromptGen]
CONFIDENT = 0.9  # an off-Library draft grounded at least this sure is the worst kind of error
SUITE_FILE = "suite.toml"
EXAMPLES = 5  # ids of the most confident mistakes kept in the report, to look at


@dataclass(frozen=True, slots=True)
class Probe:
    """One Library and the drafts written for it (paths resolved)."""

    name: str
    library: tuple[Path, ...]
    answerable: Path | None
    lookalike: Path | None
    off_library: tuple[Path, ...]


def read_suite(suite: Path) -> dict[str, Any]:
    """The suite's manifest, ``suite/suite.toml`` (empty when absent)."""
    manifest = suite / SUITE_FILE
    if not manifest.is_file():
        return {}
    return tomllib.loads(manifest.read_text(encoding="utf-8"))


def load_probes(suite: Path) -> list[Probe]:
    """The probes of the suite's manifest."""
    config = read_suite(suite)

    def path(value: str | None) -> Path | None:
        return None if value is None else (suite / value).resolve()

    return [
        Probe(
            name=str(entry["name"]),
            library=tuple((suite / p).resolve() for p in entry["library"]),
            answerable=path(entry.get("answerable")),
            lookalike=path(entry.get("lookalike")),
            off_library=tuple((suite / p).resolve() for p in entry.get("off_library", [])),
        )
        for entry in config.get("probe", [])
    ]


def _section(heading: str) -> str:
    """The last heading of a passage's path ("Title › Section › Sub" -> "sub")."""
    return heading.rsplit("›", 1)[-1].strip().lower()


def answers(hit: Hit, record: dict[str, Any]) -> bool:
    """Whether ``hit`` is the section the record names (same file name, same last heading)."""
    doc = Path(str(record.get("doc", ""))).name
    section = str(record.get("section", "")).lstrip("#").strip().lower()
    return Path(hit.source).name == doc and _section(hit.heading or hit.title) == section


def _grounded_share(results: list[PrecomputeResult]) -> dict[str, Any]:
    grounded = [r for r in results if r.grounded]
    return {
        "n": len(results),
        "grounded": len(grounded),
        "grounded_share": len(grounded) / len(results) if results else 0.0,
        "confident": sum(r.grounding.confidence >= CONFIDENT for r in grounded),
    }


def _worst(records: list[dict[str, Any]], results: list[PrecomputeResult]) -> list[dict[str, Any]]:
    """The most confident groundings of drafts that should have been refused."""
    wrong = sorted(
        (
            (r.grounding.confidence, rec["id"], r.grounding.context[0].source)
            for rec, r in zip(records, results, strict=True)
            if r.grounded
        ),
        reverse=True,
    )
    return [{"id": i, "confidence": round(c, 3), "source": s} for c, i, s in wrong[:EXAMPLES]]


def evaluate_probe(
    make_engine: EngineFactory, probe: Probe, *, limit: int | None = None
) -> dict[str, Any]:
    """Grounded shares for each set of the probe, answer-in-context, and calibration."""
    result: dict[str, Any] = {"library": [p.name for p in probe.library]}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/probe.db"))
        engine.ingest(list(probe.library))

        def run(path: Path) -> tuple[list[dict[str, Any]], list[PrecomputeResult]]:
            records = list(read_jsonl(path))[:limit]
            return records, [engine.precompute(r["text"]) for r in records]

        confidence: list[float] = []
        truth: list[bool] = []
        if probe.answerable is not None:
            records, results = run(probe.answerable)
            row = _grounded_share(results)
            found = [
                any(answers(h, rec) for h in r.grounding.context)
                for rec, r in zip(records, results, strict=True)
            ]
            row["answer_in_context"] = sum(found)
            row["answer_in_context_share"] = sum(found) / len(found) if found else 0.0
            row["refused_ids"] = [
                rec["id"] for rec, r in zip(records, results, strict=True) if not r.grounded
            ]
            result["answerable"] = row
            confidence += [r.grounding.confidence for r in results]
            truth += [True] * len(results)
        if probe.lookalike is not None:
            records, results = run(probe.lookalike)
            result["lookalike"] = {**_grounded_share(results), "worst": _worst(records, results)}
            confidence += [r.grounding.confidence for r in results]
            truth += [False] * len(results)
        off_records: list[dict[str, Any]] = []
        off_results: list[PrecomputeResult] = []
        for path in probe.off_library:
            records, results = run(path)
            off_records += records
            off_results += results
        if off_results:
            result["off_library"] = {
                **_grounded_share(off_results),
                "worst": _worst(off_records, off_results),
            }
        engine.close()
    if confidence:
        # Answerable against look-alike: the two sets a threshold has to tell apart.
        result["ece"] = metrics.expected_calibration_error(confidence, truth)
        result["reliability"] = metrics.reliability(confidence, truth)
    return result
