"""The conversation view in a real headless Chromium against the real server (issue #16, item 5):
sent messages stay on the page and go with each precompute as `history`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Browser, Request, expect

from tests.e2e.test_browser import Watched, browser, pytestmark  # noqa: F401 (fixture, marks)
from tests.serving import ingest_demo, serve

FIRST = "how do I ingest files into the Library?"
FOLLOW_UP = "and what formats are supported?"


def test_sent_messages_stay_and_go_as_history(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as server:
        watched = Watched(browser.new_page(viewport={"width": 1100, "height": 760}))
        page = watched.page
        bodies: list[dict[str, object]] = []

        def record(request: Request) -> None:
            if request.url.endswith("/api/precompute") and request.method == "POST":
                bodies.append(json.loads(request.post_data or "{}"))

        page.on("request", record)
        watched.open(server.url)
        box = page.get_by_test_id("chat-input")
        indicator = page.get_by_test_id("pre-send-indicator")

        box.fill(FIRST)
        expect(box).not_to_have_attribute("data-intelligence", "loading")
        box.press("Enter")
        conversation = page.get_by_role("list", name="Conversation")
        expect(conversation.get_by_role("listitem", name="Message 1, You")).to_have_text(FIRST)
        assert bodies and bodies[0] == {"text": FIRST}  # nothing said before it: no history

        with page.expect_response(
            lambda r: (
                r.url.endswith("/api/precompute")
                and json.loads(r.request.post_data or "{}").get("text") == FOLLOW_UP
            )
        ) as answer:
            box.fill(FOLLOW_UP)
        assert answer.value.ok
        assert answer.value.request.post_data_json == {
            "text": FOLLOW_UP,
            "history": [{"role": "user", "content": FIRST}],
        }
        expect(indicator).to_have_attribute("data-state", "grounded")
        # The server read the draft as a follow-up of the first message.
        assert "## Follows up on" in (answer.value.json().get("optimized_prompt") or "")

        page.get_by_test_id("send-button").click()
        items = conversation.get_by_role("listitem")
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_have_text(FIRST)
        expect(conversation.get_by_role("listitem", name="Message 2, You")).to_have_text(FOLLOW_UP)
        assert all(b.get("history") in (None, [{"role": "user", "content": FIRST}]) for b in bodies)
        assert watched.errors == []
