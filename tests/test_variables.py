"""Template variables survive: found, kept verbatim by every rewrite, listed, never searched."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptgen import PromptGen
from promptgen.library.terms import query_terms
from promptgen.optimize import optimize
from promptgen.types import Grounding, Hit, Intent
from promptgen.variables import HTML_TAGS, find, mask, names


def found(text: str) -> list[str]:
    return [v.text for v in find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # {{ name }}: Jinja, Mustache, Handlebars
        ("Dear {{customer}},", ["{{customer}}"]),
        ("Hi {{ user.name | title }}!", ["{{ user.name | title }}"]),
        ("raw {{{ body }}} and {{- trimmed -}}", ["{{{ body }}}", "{{- trimmed -}}"]),
        ("```\nprint({{ value }})\n```", ["{{ value }}"]),  # unambiguous even in code
        # {name}: format strings
        (
            "Hello {name}, your order {order.id} {items[0]} {x!r}",
            ["{name}", "{order.id}", "{items[0]}", "{x!r}"],
        ),
        # $NAME and ${NAME}: shell
        ("export $API_KEY then ${HOME} or ${user}", ["$API_KEY", "${HOME}", "${user}"]),
        # <placeholder>
        (
            "Write to <your name> about <API_KEY> at <file-path>",
            ["<your name>", "<API_KEY>", "<file-path>"],
        ),
        ("mixed: {{a}} {b} $CC <dd ee>", ["{{a}}", "{b}", "$CC", "<dd ee>"]),
    ],
)
def test_each_kind_is_found(text: str, expected: list[str]) -> None:
    assert found(text) == expected
    for variable in find(text):
        assert text[variable.start : variable.end] == variable.text


@pytest.mark.parametrize(
    "text",
    [
        # not {name}: JSON, dicts, sets, positional fields, format specs, LaTeX
        'send { "a": 1 } or {"a": 1}',
        "d = {a: 1, b: 2}; s = {1, 2}; t = {a, b}",
        "'{}'.format(x) and '{0}'.format(y)",
        "f'{price:.2f}'",
        r"\frac{a}{b} and x_{i} and x^{n} and \text{speed}",
        # not $NAME: money, positional, math, mixed case
        "it costs $5, or $5M, $1 is the first argument, $x$ and $A$ are math, $Name",
        # not <placeholder>: HTML, generics, closed tags, e-mail, URLs, comparisons
        "<div> <br/> </p> <a href='x'> <SPAN>",
        "List<String> and Vec<T> and Map<K, V>",
        "<instructions>be brief</instructions>",
        "<me@example.com> <https://example.com>",
        "if a < b and c > d",
        # fenced code: {x}, $X and <T> are code there
        "```python\ns = {x}\nprint($HOME)\nfn<T>()\n<name>\n```",
        "~~~\n{item}\n~~~",
    ],
)
def test_what_is_not_a_variable(text: str) -> None:
    assert found(text) == []


def test_names_are_distinct_in_first_seen_order_and_mask_blanks_them() -> None:
    text = "{{b}} then {a} then {{b}} and <your name>"
    assert names(text) == ("{{b}}", "{a}", "<your name>")
    masked = mask(text)
    assert len(masked) == len(text)
    assert query_terms(masked) == query_terms("then then and")


def test_an_empty_library_still_lists_variables(engine: PromptGen) -> None:
    result = engine.precompute("Email {{customer}} about $ORDER_ID, signed <your name>")
    assert result.variables == ("{{customer}}", "$ORDER_ID", "<your name>")
    assert result.response().variables == ["{{customer}}", "$ORDER_ID", "<your name>"]


def test_a_variable_is_never_a_library_term(demo_engine: PromptGen) -> None:
    """ "grounding" is a Library term, but not when it is the name of a slot."""
    retrieval = demo_engine.retriever.retrieve("explain {{grounding}} please", library="default")
    assert "ground" not in retrieval.terms and "grounding" not in retrieval.terms
    plain = demo_engine.retriever.retrieve("explain grounding please", library="default")
    assert any(t.startswith("ground") for t in plain.terms)


def test_a_grounded_template_keeps_its_variables(demo_engine: PromptGen) -> None:
    draft = "How is the model selected for {{customer}}? Reply to <your name> with $PLAN details."
    result = demo_engine.precompute(draft)
    assert result.grounded and result.optimized_prompt is not None
    for variable in ("{{customer}}", "<your name>", "$PLAN"):
        assert result.optimized_prompt.count(variable) >= draft.count(variable)
    assert "do not fill them in" in result.optimized_prompt


# --- the property: no rewrite ever drops or alters a variable ---------------------------------

_NAME = st.from_regex(r"[a-z][a-z_]{1,10}", fullmatch=True)
_UPPER = st.from_regex(r"[A-Z][A-Z_]{1,10}", fullmatch=True)


@st.composite
def variable(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["double", "format", "shell", "braced", "angle"]))
    if kind == "shell":
        return "$" + draw(_UPPER)
    name = draw(_NAME)
    if kind == "double":
        return draw(st.sampled_from(["{{" + name + "}}", "{{ " + name + " }}"]))
    if kind == "format":
        return "{" + name + "}"
    if kind == "braced":
        return "${" + name + "}"
    return "<" + draw(_NAME.filter(lambda n: n not in HTML_TAGS)) + ">"


_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9), max_size=8
).map(" ".join)
_PROSE = st.one_of(
    _WORDS,
    st.sampled_from(
        [
            "how is the model selected?",
            "explain the refusal contract and grounding threshold",
            "write a python function to parse json",
        ]
    ),
)


@st.composite
def template(draw: st.DrawFn) -> tuple[str, list[str]]:
    slots = draw(st.lists(variable(), min_size=1, max_size=4))
    parts = [draw(_PROSE)]
    for slot in slots:
        parts += [slot, draw(st.sampled_from(["", ".", ",", "?"])), draw(_PROSE)]
    return " ".join(parts), slots


_GROUNDED = Grounding(
    True,
    0.9,
    (Hit(1, 1, "docs/x.md", "X", "X", "a passage with {{other}} and <slot>", 1.0, 1.0, 0.9),),
    None,
    0.5,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(template())
def test_no_rewrite_drops_or_alters_a_variable(
    demo_engine: PromptGen, drawn: tuple[str, list[str]]
) -> None:
    draft, slots = drawn
    result = demo_engine.precompute(draft)
    assert set(slots) <= set(result.variables)
    assert set(result.response().variables) == set(result.variables)
    intent = Intent("general", 1.0, {"general": 1.0})
    forced = optimize(draft, intent, _GROUNDED).prompt  # the rewrite, grounded or not
    assert forced is not None
    for prompt in (result.optimized_prompt, forced):
        if prompt is None:  # refused: there is no rewrite to alter anything
            continue
        for slot in slots:
            assert prompt.count(slot) >= draft.count(slot), slot
    # no slot's name is searched, unless the surrounding text says it too
    retrieval = demo_engine.retriever.retrieve(draft, library="default")
    said = set(query_terms(mask(draft), limit=64))
    for slot in slots:
        for term in query_terms(slot):
            assert term not in retrieval.terms or term in said, (slot, term)
