"""Tokens, catalog, output estimate and model selection."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import tiktoken
from hypothesis import given
from hypothesis import strategies as st

from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.estimate import estimate_output_tokens
from promptgen.cost.routing import RouterModel, select_model
from promptgen.cost.tokenizer import ENCODINGS, EXPECTED_SHA256, Tokenizer, load_encoding
from promptgen.errors import BudgetExceeded, CatalogInvalid, TokenizerUnavailable, UnknownModel
from promptgen.types import Intent


def _intent(label: str) -> Intent:
    return Intent(label, 1.0, {label: 1.0})


def test_exact_counts_match_the_published_encodings(tokenizer: Tokenizer) -> None:
    # Reference values: OpenAI's tokenizer gives these for both encodings.
    assert tokenizer.count("hello world", "o200k_base") == 2
    assert tokenizer.count("hello world", "cl100k_base") == 2
    assert tokenizer.encoding("o200k_base").n_vocab == 200019
    assert tokenizer.encoding("cl100k_base").n_vocab == 100277
    assert tokenizer.count("<|endoftext|>") > 1  # special tokens in drafts are plain text


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(TokenizerUnavailable, match="unknown tokenizer"):
        load_encoding("p50k_base")
    assert set(EXPECTED_SHA256) == {"o200k_base", "cl100k_base"}


def test_shipped_catalog_is_dated_and_complete(catalog: ModelCatalog) -> None:
    assert catalog.snapshot["date"] and catalog.snapshot["sha256"]
    assert {m.tier for m in catalog} == {1, 2, 3}
    with pytest.raises(UnknownModel, match="the catalog lists"):
        catalog.get("gpt-99")


CATALOG = """
[[model]]
id = "tiny"
provider = "x"
input_usd_per_mtok = 0.1
output_usd_per_mtok = 0.2
context_window = 50
max_output_tokens = 50
tier = 1
strengths = ["general"]
tokenizer = "o200k_base"

[[model]]
id = "big"
provider = "y"
input_usd_per_mtok = 5
output_usd_per_mtok = 10
context_window = 100000
max_output_tokens = 4000
tier = 3
strengths = ["code"]
tokenizer = "estimate:1.2"
"""


def test_catalog_override_and_context_window(tmp_path: Path) -> None:
    path = tmp_path / "models.toml"
    path.write_text(CATALOG, encoding="utf-8")
    catalog = ModelCatalog.load(path)
    assert catalog.get("big").estimate_factor == 1.2
    short = select_model(
        catalog,
        intent=_intent("general"),
        strong_benefit=0.0,
        input_tokens={"tiny": 5, "big": 6},
        output_tokens=10,
    )
    assert short.model.id == "tiny"
    long = select_model(
        catalog,
        intent=_intent("general"),
        strong_benefit=0.0,
        input_tokens={"tiny": 45, "big": 54},
        output_tokens=10,
    )
    assert long.model.id == "big"
    assert {c.id: c.fits_context for c in long.costs} == {"tiny": False, "big": True}
    with pytest.raises(BudgetExceeded):
        select_model(
            catalog,
            intent=_intent("general"),
            strong_benefit=0.0,
            input_tokens={"tiny": 45, "big": 54},
            output_tokens=10,
            budget_usd=1e-9,
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[model]\n", "cannot read"),
        ('[[model]]\nid = "a"\n', "invalid"),
        (CATALOG.replace('strengths = ["general"]', 'strengths = ["poetry"]'), "unknown strengths"),
        (CATALOG.replace('"estimate:1.2"', '"mystery"'), "tokenizer must be"),
        ("", "lists no models"),
    ],
)
def test_bad_catalogs_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "models.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogInvalid, match=message):
        ModelCatalog.load(path)


def test_routing_sends_hard_drafts_to_stronger_tiers(catalog: ModelCatalog) -> None:
    router = RouterModel.load()

    def tier(text: str, label: str) -> int:
        tokens = {m.id: 20 for m in catalog}
        return select_model(
            catalog,
            intent=_intent(label),
            input_tokens=tokens,
            output_tokens=100,
            strong_benefit=router.strong_benefit(text),
        ).model.tier

    assert tier("hi there", "general") == 1
    assert (
        tier(
            "prove the theorem rigorously and derive the integral bound for the distributed algorithm",
            "math",
        )
        == 3
    )


@given(st.integers(min_value=0, max_value=5000), st.sampled_from(["analysis", "code", "general"]))
def test_output_estimate_is_monotonic_in_input_length(tokens: int, label: str) -> None:
    intent = _intent(label)
    assert estimate_output_tokens("summarize", intent, tokens) <= estimate_output_tokens(
        "summarize", intent, tokens + 100
    )


def test_output_estimate_follows_what_is_asked() -> None:
    assert estimate_output_tokens("write 500 words on tea", _intent("writing"), 10) == 675
    assert estimate_output_tokens("a brief note", _intent("writing"), 10) < estimate_output_tokens(
        "a detailed note", _intent("writing"), 10
    )


def test_encodings_drop_their_python_vocabulary_and_pickle_by_name(tokenizer: Tokenizer) -> None:
    for name in ENCODINGS:
        encoding = tokenizer.encoding(name)
        assert encoding._mergeable_ranks == {}  # the Rust core keeps its own copy
        text = "Exact token counts, offline: naïve café 1234 <|endoftext|>"
        copy = pickle.loads(pickle.dumps(encoding))
        assert isinstance(copy, tiktoken.Encoding)
        assert copy.encode_ordinary(text) == encoding.encode_ordinary(text)
        assert encoding.decode(encoding.encode_ordinary(text)) == text
