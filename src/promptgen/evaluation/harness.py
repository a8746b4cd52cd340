"""`promptgen eval`: run the selected tasks over a data folder and collect the JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.routing import RouterModel
from promptgen.cost.tokenizer import Tokenizer
from promptgen.embed.embedder import Embedder
from promptgen.engine import PromptGen
from promptgen.errors import UnreadableSet
from promptgen.evaluation import TASKS, followups, injection, probes, secrets, tasks
from promptgen.evaluation.datasets import (
    collections,
    intent_files,
    read_jsonl,
    routing_files,
    suite_intent_files,
)
from promptgen.evaluation.probes import EngineFactory
from promptgen.evaluation.relabelled import relabelled_sets
from promptgen.intent.classifier import IntentClassifier
from promptgen.settings import Settings


def _engine_factory(base: Settings) -> tuple[EngineFactory, IntentClassifier, RouterModel]:
    """Engines over a task's own Library; the stages are built once and shared by every engine
    (they do not depend on the Library)."""
    embedder = Embedder()
    classifier = IntentClassifier.load(base.intent_model_path, embedder)
    router = RouterModel.load(base.router_model_path, embedder)
    catalog = ModelCatalog.load(base.catalog_path)
    tokenizer = Tokenizer()

    def make_engine(settings: Settings) -> PromptGen:
        # No answer cache: the speed figures are for drafts the engine computes. A task chooses
        # its database and how flagged context is handled (the injection task tries each mode).
        update = {
            "database_url": settings.database_url,
            "flagged_context": settings.flagged_context,
            "cache_size": 0,
        }
        return PromptGen(
            base.model_copy(update=update),
            embedder=embedder,
            classifier=classifier,
            router=router,
            catalog=catalog,
            tokenizer=tokenizer,
        )

    return make_engine, classifier, router


def _suite_tasks(
    make_engine: EngineFactory, suite: Path, only: tuple[str, ...], limit: int | None
) -> dict[str, Any]:
    """The tasks that read our own evaluation folder: probes, follow-ups, secrets, injection."""
    report: dict[str, Any] = {}
    if "probes" in only:
        report["probes"] = {
            p.name: probes.evaluate_probe(make_engine, p, limit=limit)
            for p in probes.load_probes(suite)
        }
    if "followups" in only:
        report["followups"] = {
            entry["name"]: followups.evaluate(make_engine, entry, limit=limit)
            for entry in followups.load(suite)
        }
    if "secrets" in only:
        report["secrets"] = secrets.evaluate(suite, limit=limit)
    if "injection" in only:
        report["injection"] = {
            entry["name"]: injection.evaluate(make_engine, entry, limit=limit)
            for entry in injection.load(suite)
        }
    return report


def run(
    data: Path,
    *,
    suite: Path | None = None,
    only: tuple[str, ...] = TASKS,
    limit: int | None = None,
    base: Settings | None = None,
) -> dict[str, Any]:
    """Every selected task's figures; speed is always reported.

    ``data``: third-party sets laid out like ../shared/data. ``suite``: our own evaluation folder
    (the repository's ``evaluation/``): its ``*/intent/*.jsonl`` sets are reported one by one,
    never pooled with ``data``'s, with the sets its ``suite.toml`` relabels, and its Libraries
    run as the probes task.
    """
    make_engine, classifier, router = _engine_factory(base or Settings())
    speed = tasks.SpeedLog()
    report: dict[str, Any] = {}
    if "intent" in only:
        report["intent"] = tasks.evaluate_intent(classifier, intent_files(data), limit=limit)
        if suite is not None:
            own: dict[str, Any] = {p.stem: read_jsonl(p) for p in suite_intent_files(suite)}
            for name, records in relabelled_sets(suite, data):
                own[name] = records
            report["intent_own"] = tasks.evaluate_intent_sets(
                classifier, own, limit=limit, pooled=False
            )
    if "retrieval" in only:
        report["retrieval"] = {
            c.name: tasks.evaluate_retrieval(make_engine, c, speed, limit=limit)
            for c in collections(data)
        }
    if "refusal" in only:
        report["refusal"] = {
            c.name: tasks.evaluate_refusal(make_engine, c, speed, limit=limit)
            for c in collections(data)
            if (c.folder / "queries_refusal.jsonl").exists()
        }
    if "routing" in only:
        report["routing"] = {}
        for path in routing_files(data):
            try:
                report["routing"][path.stem] = tasks.evaluate_routing(router, path, limit=limit)
            except UnreadableSet as exc:
                report.setdefault("skipped", []).append(str(exc))
    if suite is not None:
        report |= _suite_tasks(make_engine, suite, only, limit)
    report["speed"] = speed.summary()
    return report
