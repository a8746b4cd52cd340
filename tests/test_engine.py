"""The facade end to end over real SQLite: the spec's drafts, the contract shape, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptgen import PrecomputeOptions, PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.errors import EmptyText, InvalidInput, LibraryUnavailable, TextTooLong, UnknownModel
from promptgen.intent.classifier import IntentClassifier
from tests.fakes import DownLibrary, WrappedLibrary

RESULT_KEYS = {
    "request_id",
    "version",
    "intent",
    "grounded",
    "confidence",
    "context",
    "optimized_prompt",
    "suggestions",
    "warnings",
    "variables",
    "refusal",
    "tokens",
    "model",
    "cached",
    "timings_ms",
}


def test_library_integration_context_is_grounded_with_citations(demo_engine: PromptGen) -> None:
    result = demo_engine.precompute("library integration context").response().model_dump()
    assert result["grounded"] and result["refusal"] is None
    assert result["context"] and all(c["source"].startswith("docs/") for c in result["context"])
    assert all(0.0 <= c["score"] <= 1.0 for c in result["context"])
    assert '<passage id="1"' in result["optimized_prompt"]


def test_random_unindexed_query_is_refused(demo_engine: PromptGen) -> None:
    result = demo_engine.precompute("random unindexed query").response().model_dump()
    assert not result["grounded"] and result["optimized_prompt"] is None and result["context"] == []
    assert result["refusal"]["code"] == "no_grounding"
    reason = result["refusal"]["reason"]
    # Refused by the topic gate (everyday words), or by the passage model below the threshold.
    threshold = f"threshold {demo_engine.grounder.threshold:.2f}"
    assert "not what this Library is about" in reason or threshold in reason
    # Intent, tokens and model are answered even when refused.
    assert result["intent"]["label"] and result["tokens"]["prompt"] > 0 and result["model"]["id"]


def test_implement_authentication_is_code(demo_engine: PromptGen) -> None:
    assert demo_engine.precompute("implement authentication").intent.label == "code"


def test_result_matches_the_documented_contract(demo_engine: PromptGen) -> None:
    result = json.loads(
        demo_engine.precompute("how is the model selected?").response().model_dump_json()
    )
    assert set(result) == RESULT_KEYS
    assert set(result["intent"]) == {"label", "confidence", "scores"}
    assert set(result["tokens"]) >= {"prompt", "context", "estimated_output", "tokenizer"}
    assert set(result["model"]) == {
        "id",
        "reason",
        "estimated_cost_usd",
        "strong_benefit",
        "alternatives",
    }
    assert 0.0 <= result["model"]["strong_benefit"] <= 1.0
    assert set(result["timings_ms"]) == {
        "intent",
        "retrieve",
        "ground",
        "optimize",
        "cost",
        "total",
    }
    assert 0.0 <= result["confidence"] <= 1.0
    assert len(result["model"]["alternatives"]) == len(demo_engine.catalog.models)


def test_empty_library_refuses_with_its_own_code(engine: PromptGen) -> None:
    result = engine.precompute("library integration context")
    assert result.grounding.refusal is not None and result.grounding.refusal.code == "empty_library"


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyText), ("   \n\t", EmptyText), ("x" * 20_001, TextTooLong), (42, InvalidInput)],
)
def test_bad_drafts_are_refused_with_a_clear_error(
    engine: PromptGen, text: object, error: type
) -> None:
    with pytest.raises(error):
        engine.precompute(text)  # type: ignore[arg-type]


def test_unknown_model_is_a_clear_error(demo_engine: PromptGen) -> None:
    with pytest.raises(UnknownModel, match="gpt-99"):
        demo_engine.precompute("hello", PrecomputeOptions(model="gpt-99"))


def test_requested_model_is_priced(demo_engine: PromptGen) -> None:
    result = demo_engine.precompute("hello", PrecomputeOptions(model="claude-sonnet-4-5"))
    assert result.model.id == "claude-sonnet-4-5" and not result.model.tokens.exact


def test_a_library_failure_degrades_the_answer(
    settings: Settings, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    pg = PromptGen(
        settings,
        retriever=DownLibrary(),
        classifier=classifier,
        catalog=catalog,
        tokenizer=tokenizer,
    )
    result = pg.precompute("implement authentication")
    assert result.grounding.refusal is not None
    assert result.grounding.refusal.code == "library_unavailable"
    assert result.intent.label == "code" and result.model.id


def test_timings_come_from_the_injected_clock(settings, classifier, catalog, tokenizer) -> None:  # type: ignore[no-untyped-def]
    ticks = iter(range(100))
    pg = PromptGen(
        settings,
        classifier=classifier,
        catalog=catalog,
        tokenizer=tokenizer,
        clock=lambda: float(next(ticks)),
    )
    timings = pg.precompute("hello there").timings_ms
    assert timings["intent"] == 1000.0 and timings["total"] == 5000.0


def test_an_exact_repeat_is_answered_from_the_cache(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    first = engine.precompute("how do we roll back the billing router?")
    again = engine.precompute("how do we roll back the billing router?")
    assert again.cached and not first.cached
    assert set(again.timings_ms) == set(first.timings_ms)  # the same six keys, cached or not
    assert again.request_id != first.request_id
    assert (
        again.response().model_dump()["optimized_prompt"]
        == first.response().model_dump()["optimized_prompt"]
    )
    other = engine.precompute(
        "how do we roll back the billing router?", PrecomputeOptions(max_context=1)
    )
    assert not other.cached  # options are part of the key


def test_a_library_change_invalidates_cached_answers(engine: PromptGen, notes: Path) -> None:
    draft = "which pager escalates to the secondary on call?"
    engine.ingest([notes / "deploy.md"])
    assert not engine.precompute(draft).grounded
    engine.ingest([notes / "oncall.txt"])
    answer = engine.precompute(draft)
    assert "cache" not in answer.timings_ms and answer.grounded


def test_the_cache_can_be_turned_off(
    tmp_path: Path, classifier: IntentClassifier, catalog: ModelCatalog, tokenizer: Tokenizer
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/lib.db", cache_size=0)
    pg = PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    pg.precompute("hello there")
    assert "cache" not in pg.precompute("hello there").timings_ms
    pg.close()


def test_one_word_draft_is_not_grounded_until_a_second_word_arrives(
    settings: Settings,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "rollouts.md").write_text(
        "# Kubernetes rollouts\n\nWe roll out with kubectl rollout restart and watch the "
        "rollout status until every pod is ready; a failed rollout is undone with "
        "kubectl rollout undo.\n"
    )
    for minimum, one_word_grounded in ((2, False), (1, True)):
        configured = settings.model_copy(
            update={
                "grounding_min_terms": minimum,
                "database_url": f"sqlite:///{tmp_path / f'min{minimum}.db'}",
            }
        )
        pg = PromptGen(configured, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
        try:
            assert not pg.ingest([notes]).failed
            one = pg.precompute("kubectl").response().model_dump()
            assert one["grounded"] is one_word_grounded
            if not one_word_grounded:
                assert one["refusal"]["code"] == "too_few_terms"
                assert one["optimized_prompt"] is None and one["confidence"] == 0.0
            assert pg.precompute("kubectl rollout undo").grounded
        finally:
            pg.close()


class FlakyLibrary(WrappedLibrary):
    """A retriever whose database is down for the first search, then back."""

    def before(self) -> None:
        if self.calls == 1:
            raise LibraryUnavailable("database restarting")


def test_an_outage_refusal_is_never_cached(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    engine.retriever = FlakyLibrary(engine.retriever)
    draft = "which pager escalates to the secondary on call?"
    down = engine.precompute(draft)
    assert down.grounding.refusal is not None
    assert down.grounding.refusal.code == "library_unavailable"
    back = engine.precompute(draft)
    assert not back.cached and back.grounded
