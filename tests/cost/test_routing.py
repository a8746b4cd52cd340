"""The learned router: the shipped model file, its scores and how model selection uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.routing import (
    CUE_NAMES,
    RouterModel,
    select_model,
)
from promptgen.errors import BudgetExceeded, RouterModelInvalid
from promptgen.intent.features import DIMENSIONS, featurize
from promptgen.types import Intent

# Prompts we wrote: a one-step lookup and a multi-step word problem with many quantities.
EASY = "What is the capital of France?"
HARD = (
    "A train leaves at 7:15 carrying 312 passengers. At the first stop 18% get off and 47 get on; "
    "at the second stop a third of the remaining passengers change to a bus that holds 56 people "
    "per trip, and 2/5 of the rest get off. Tickets cost $3.75 before 9:00 and $5.20 after. "
    "If the train reaches the last stop at 9:40, how much more money would the company make if "
    "every passenger still on board had bought the later ticket?"
)


def _intent(label: str) -> Intent:
    return Intent(label, 1.0, {label: 1.0})


@pytest.fixture(scope="module")
def router() -> RouterModel:
    return RouterModel.load()


def _toy(
    embedding_dimensions: int = 4, members: int = 2, length_weight: tuple[float, float] = (0.0, 0.0)
) -> RouterModel:
    """A small random model (hashed rows only matter through the bias; dense rows are random)."""
    rng = np.random.default_rng(0)
    dense = embedding_dimensions + len(CUE_NAMES)
    weights = np.zeros((DIMENSIONS + dense, 2 * members), dtype=np.float32)
    weights[DIMENSIONS:] = rng.normal(size=(dense, 2 * members)).astype(np.float32)
    return RouterModel(
        weights,
        np.zeros(2 * members, dtype=np.float32),
        np.zeros(dense, dtype=np.float32),
        np.ones(dense, dtype=np.float32),
        np.zeros(members, dtype=np.float32),
        np.full(members, 0.1, dtype=np.float32),
        np.linspace(-1.0, 1.0, 11, dtype=np.float32),
        {"toy": True},
        length_quantiles=np.log1p(np.array([1.0, 10.0, 100.0], dtype=np.float32)),
        length_weight=np.array(length_weight, dtype=np.float32),
    )


def test_shipped_model_loads_and_describes_itself(router: RouterModel) -> None:
    assert router.weights.shape[0] == DIMENSIONS + router.embedding_dimensions + len(CUE_NAMES)
    assert router.embedding_dimensions == router.embedder.dimensions
    assert np.all(np.diff(router.quantiles) >= 0)
    assert router.metadata["sources"] and "strong" in router.metadata
    assert "held_out_odd_half" in router.metadata  # the honest figures travel with the model


def test_learned_score_ranks_a_multi_step_problem_above_a_lookup(router: RouterModel) -> None:
    assert router.score(HARD) > router.score(EASY)
    assert router.strong_benefit(HARD) > router.strong_benefit(EASY)


def test_strong_benefit_is_a_percentile_and_shared_inputs_change_nothing(
    router: RouterModel,
) -> None:
    for text in (EASY, HARD, "hi", "x" * 5000):
        assert 0.0 <= router.strong_benefit(text) <= 1.0
    vector, features = router.embedder.embed_one(HARD), featurize(HARD)
    assert router.strong_benefit(HARD, vector, features) == router.strong_benefit(HARD)


def test_a_precomputed_embedding_gives_the_same_score(router: RouterModel) -> None:
    vector = router.embedder.embed_one(HARD)
    assert router.score(HARD, vector) == pytest.approx(router.score(HARD))


def test_explicit_asks_for_rigour_raise_the_difficulty(router: RouterModel) -> None:
    plain = "Show that the sum of two even numbers is even."
    asked = "Prove rigorously that the sum of two even numbers is even, with a complete proof."
    assert router.strong_benefit(asked) > router.strong_benefit(plain)


def test_save_load_round_trip(tmp_path: Path) -> None:
    toy = _toy()
    path = tmp_path / "router.npz"
    toy.save(path)
    loaded = RouterModel.load(path)
    vector = np.ones(4, dtype=np.float32) / 2
    assert loaded.metadata == {"toy": True}
    assert loaded.score("some draft", vector) == pytest.approx(
        toy.score("some draft", vector), 1e-3
    )
    assert loaded.percentile(-5.0) == 0.0 and loaded.percentile(5.0) == 1.0
    assert loaded.percentile(0.0) == pytest.approx(0.5)
    assert np.allclose(loaded.length_quantiles, toy.length_quantiles)
    assert np.allclose(loaded.length_weight, toy.length_weight)


def test_a_model_file_without_a_length_blend_loads_as_learned_only(tmp_path: Path) -> None:
    toy = _toy()
    path = tmp_path / "old.npz"
    np.savez(
        path,
        weights=toy.weights,
        bias=toy.bias,
        dense_mean=toy.dense_mean,
        dense_scale=toy.dense_scale,
        blend_mean=toy.blend_mean,
        blend_scale=toy.blend_scale,
        quantiles=toy.quantiles,
        metadata=np.array("{}"),
    )
    loaded = RouterModel.load(path)
    vector = np.ones(4, dtype=np.float32)
    assert loaded.blend("some draft", vector) == pytest.approx(
        loaded.percentile(loaded.score("some draft", vector))
    )


def test_blend_weighs_length_and_the_learned_score_per_draft_shape() -> None:
    vector = np.ones(4, dtype=np.float32)
    plain = " ".join(["word"] * 10)  # 10 words: the middle of the toy length table
    choice = plain + "\nA. one\nB. two\nC. three"
    learned = _toy()
    only_length = _toy(length_weight=(1.0, 1.0))
    assert only_length.blend(plain, vector) == pytest.approx(0.5, abs=1e-3)
    assert only_length.blend("one", vector) == 0.0
    gated = _toy(length_weight=(1.0, 0.0))  # length for plain drafts, learned for multiple choice
    assert gated.blend(plain, vector) == pytest.approx(only_length.blend(plain, vector))
    assert gated.blend(choice, vector) == pytest.approx(learned.blend(choice, vector))
    rigour = "Prove the bound rigorously."  # short, but asks for rigour: length does not count
    assert only_length.length_weight_for(rigour) == 0.0
    assert only_length.blend(rigour, vector) == pytest.approx(learned.blend(rigour, vector))
    half = _toy(length_weight=(0.5, 0.5))
    expected = 0.5 * learned.blend(plain, vector) + 0.5 * only_length.blend(plain, vector)
    assert half.blend(plain, vector) == pytest.approx(expected)


def test_shipped_blend_matches_its_metadata(router: RouterModel) -> None:
    assert list(router.length_weight) == pytest.approx(router.metadata["length_weight"])
    assert np.all(np.diff(router.length_quantiles) >= 0)
    assert 0.0 <= router.length_weight_for(HARD) <= 1.0


def test_damaged_or_mismatched_models_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "router.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(RouterModelInvalid, match="cannot load"):
        RouterModel.load(path)
    toy = _toy()
    # An odd column count, and weights of rank 1 and 0 (which once raised IndexError).
    for weights in (toy.weights[:, :3], toy.weights[:, 0], np.ones((), dtype=np.float32)):
        with pytest.raises(RouterModelInvalid, match="expected"):
            RouterModel(
                weights,
                toy.bias,
                toy.dense_mean,
                toy.dense_scale,
                toy.blend_mean,
                toy.blend_scale,
                toy.quantiles,
            )
    with pytest.raises(RouterModelInvalid, match="expected"):
        RouterModel(
            toy.weights,
            toy.bias,
            toy.dense_mean,
            toy.dense_scale,
            toy.blend_mean,
            toy.blend_scale,
            toy.quantiles,
            length_weight=np.zeros(3, dtype=np.float32),
        )
    with pytest.raises(RouterModelInvalid, match="4-dimension embeddings"):
        _ = toy.embedder  # the shipped embedder gives 256 dimensions


def test_selection_follows_the_router_and_says_why(
    catalog: ModelCatalog, router: RouterModel
) -> None:
    tokens = {m.id: 200 for m in catalog}

    def routed(text: str, label: str) -> tuple[int, str, float | None]:
        result = select_model(
            catalog,
            intent=_intent(label),
            input_tokens=tokens,
            output_tokens=300,
            strong_benefit=router.strong_benefit(text),
        )
        return result.model.tier, result.reason, result.strong_benefit

    easy_tier, _, _ = routed(EASY, "research")
    hard_tier, reason, score = routed(HARD, "math")
    assert easy_tier <= hard_tier and score is not None
    assert f"strong_benefit {score:.2f}" in reason and "math draft" in reason


def test_a_requested_model_is_priced_without_routing(catalog: ModelCatalog) -> None:
    tokens = {m.id: 200 for m in catalog}
    wanted = max(catalog, key=lambda m: m.tier).id
    result = select_model(
        catalog,
        intent=_intent("code"),
        input_tokens=tokens,
        output_tokens=300,
        strong_benefit=None,
        requested=wanted,
    )
    assert result.model.id == wanted and result.strong_benefit is None
    assert result.reason == f"{wanted} was requested"
    assert len(result.costs) == len(list(catalog))
    with pytest.raises(BudgetExceeded, match="over the budget"):
        select_model(
            catalog,
            intent=_intent("code"),
            input_tokens=tokens,
            output_tokens=300,
            strong_benefit=None,
            requested=wanted,
            budget_usd=1e-12,
        )


def test_drafts_shorter_than_any_training_prompt_stay_small(router: RouterModel) -> None:
    # The learned score is an extrapolation on greetings and one-liners: they are scaled down.
    assert router.strong_benefit("hi") < 0.45
    assert router.strong_benefit("what is 2+2") < router.strong_benefit(HARD)
