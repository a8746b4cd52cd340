"""axe-core in a real Chromium: no accessibility violations on the chat view and the Library page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import Watched, browser, pytestmark  # noqa: F401 (fixture, marks)
from tests.serving import REPO, ingest_demo, serve

AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    *pytestmark,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (cd web && npm ci)"),
]


def _violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chat_and_library_have_no_axe_violations(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
    scheme: str,
) -> None:
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as server:
        watched = Watched(browser.new_page(color_scheme=scheme))  # type: ignore[arg-type]
        page = watched.page
        watched.open(server.url)

        # The chat view, empty, then with a grounded indicator and a sent message.
        assert _violations(page) == []
        box = page.get_by_test_id("chat-input")
        box.fill("library integration context")
        expect(page.get_by_test_id("pre-send-indicator")).to_have_attribute(
            "data-state", "grounded"
        )
        page.get_by_test_id("api-key-settings").locator("summary").click()
        assert _violations(page) == []
        box.press("Enter")
        expect(page.get_by_test_id("message").last).to_contain_text("library integration context")
        assert _violations(page) == []

        # The Library page with documents, a search and a delete confirmation open.
        page.get_by_test_id("nav-library").click()
        expect(page.get_by_test_id("library-document").first).to_be_visible()
        assert _violations(page) == []
        page.get_by_label("Search the Library").fill("library integration")
        page.get_by_label("Search the Library").press("Enter")
        expect(page.get_by_test_id("search-hit").first).to_be_visible()
        page.get_by_test_id("delete-document").first.click()
        expect(page.get_by_test_id("confirm-delete")).to_be_focused()
        assert _violations(page) == []

        # A Library name the API would refuse: the inline error, the disabled controls.
        page.get_by_label("Library name", exact=True).fill("not a name!")
        expect(page.get_by_test_id("library-name-error")).to_be_visible()
        assert _violations(page) == []
        assert watched.errors == []
