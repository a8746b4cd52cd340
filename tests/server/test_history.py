"""Conversation-aware precompute (issue #16 item 1): a follow-up is read with the turn it follows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from promptgen import PrecomputeOptions, PromptGen
from promptgen.conversation import follow_up
from promptgen.errors import InvalidInput, TextNotUnicode
from promptgen.intent.classifier import IntentClassifier
from promptgen.settings import Settings
from promptgen.types import Turn
from tests.fakes import RecordingClassifier

ASKED = (
    Turn("user", "how do we roll back the billing router after a bad release?"),
    Turn("assistant", "Switch the router to the previous colour and drain the new one."),
)


@pytest.mark.parametrize(
    "draft",
    [
        "and for the database?",
        "now make it shorter",
        "why does that work?",
        "what about it",
        # Very short: leans on the conversation without pointing back.
        "how much ram",
        "thanks!! perfect",
        # Points back from the middle of a longer draft.
        "fix the second step so it also drains the queue first",
    ],
)
def test_follow_ups_point_back_at_the_last_user_turn(draft: str) -> None:
    assert follow_up(draft, ASKED) == ASKED[0].content


@pytest.mark.parametrize(
    "draft",
    [
        "which pager escalates to the secondary on call after fifteen minutes of no answer?",
        "write a haiku about snow",
        # Opens like a follow-up but says it changes the subject.
        "ok, unrelated: what is the boiling point of water at altitude",
        # Past LONG_WORDS a draft carries its own subject, however it opens.
        "also write a short note to my manager saying the data export will be one day late "
        "because the staging environment was down all of Tuesday afternoon",
    ],
)
def test_a_draft_with_its_own_subject_stands_alone(draft: str) -> None:
    assert follow_up(draft, ASKED) is None
    assert follow_up("and for the database?", ()) is None  # no history: nothing to follow


def test_a_follow_up_is_grounded_with_the_turn_it_follows(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    draft = "and what about it?"
    alone = engine.precompute(draft)
    assert not alone.grounded  # says nothing searchable by itself
    followed = engine.precompute(draft, PrecomputeOptions(history=ASKED))
    assert followed.grounded and not followed.cached  # the history is part of the cache key
    assert any("roll back" in hit.text for hit in followed.grounding.context)
    prompt = followed.optimized.prompt
    assert prompt is not None and prompt.startswith("## Follows up on\n" + ASKED[0].content)
    assert draft in prompt  # the draft's own words stay


def test_a_follow_up_is_classified_with_the_turn_it_follows(
    settings: Settings, classifier: IntentClassifier
) -> None:
    recording = RecordingClassifier(classifier)
    engine = PromptGen(settings, classifier=recording)
    engine.precompute("as json pls", PrecomputeOptions(history=ASKED))
    engine.precompute("write a haiku about snow", PrecomputeOptions(history=ASKED))
    engine.close()
    # The follow-up is read together with its turn, once; the stand-alone draft by itself.
    assert recording.texts == [
        f"{ASKED[0].content}\nas json pls",
        "write a haiku about snow",
    ]


def test_history_is_bounded_and_validated(engine: PromptGen) -> None:
    many = tuple(Turn("user", "hello") for _ in range(engine.settings.max_history_turns + 1))
    with pytest.raises(InvalidInput, match="PROMPTGEN_MAX_HISTORY_TURNS"):
        engine.precompute("and then?", PrecomputeOptions(history=many))
    with pytest.raises(TextNotUnicode):
        engine.precompute("and then?", PrecomputeOptions(history=(Turn("user", "\ud800"),)))


@pytest.mark.anyio
async def test_history_over_http(make_client: Callable[..., httpx.AsyncClient]) -> None:
    history = [{"role": t.role, "content": t.content} for t in ASKED]
    async with make_client() as client:
        ok = await client.post("/api/precompute", json={"text": "and then?", "history": history})
        bad_role = await client.post(
            "/api/precompute",
            json={"text": "and then?", "history": [{"role": "system", "content": "x"}]},
        )
        surrogate = await client.post(  # valid JSON, not Unicode text: sent as raw bytes
            "/api/precompute",
            content=b'{"text": "and then?", "history": [{"role": "user", "content": "\\ud800"}]}',
            headers={"Content-Type": "application/json"},
        )
    assert ok.status_code == 200
    assert bad_role.status_code == 422 and bad_role.json()["error"]["code"] == "invalid_input"
    # The request's JSON parser refuses it as a string: a 4xx naming the field, never a 500.
    assert surrogate.status_code == 422 and surrogate.json()["error"]["code"] == "invalid_input"
    assert "history.0.content" in surrogate.json()["error"]["message"]
