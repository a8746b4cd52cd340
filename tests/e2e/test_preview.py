"""Issue #16 item 5 in a real Chromium against the real server: the optimized prompt previewed as
a word diff before "Use optimized prompt", sources opened to their passage, warnings shown."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (fixture, skips)
    Watched,
    _shot,
    assert_header_clear,
    browser,
    pytestmark,
)
from tests.serving import ingest_demo, serve

DRAFT = "library integration context"
AWS = "AKIAQ3EGUOZB7XK5M2PD"


def test_preview_diff_use_undo_sources_and_warnings(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as server:
        watched = Watched(browser.new_page(viewport={"width": 1100, "height": 900}))
        page = watched.page
        watched.open(server.url)
        box = page.get_by_test_id("chat-input")
        indicator = page.get_by_test_id("pre-send-indicator")

        box.fill(DRAFT)
        expect(indicator).to_have_attribute("data-state", "grounded")
        preview = page.get_by_test_id("prompt-diff")
        expect(preview).to_be_visible()
        body = page.get_by_test_id("prompt-diff-body")
        expect(body.locator("ins").first).to_be_visible()
        expect(body).to_contain_text("<passage")
        assert box.input_value() == DRAFT  # the preview replaced nothing

        # A source opens to its passage, with its document and heading.
        indicator.locator("summary", has_text="Sources").click()
        source = page.get_by_test_id("indicator-source").first
        source.locator("summary").click()
        expect(source.get_by_test_id("source-passage")).to_be_visible()
        expect(source.get_by_test_id("source-passage")).not_to_be_empty()
        expect(source.get_by_test_id("source-document")).to_contain_text(".")
        expect(source.get_by_test_id("source-heading")).not_to_be_empty()
        _shot(page, "preview.png", tmp_path)  # the README's (make screenshots)

        page.get_by_test_id("use-optimized").click()
        assert "<passage" in box.input_value()
        expect(preview).to_have_count(0)
        page.get_by_test_id("undo-optimized").click()
        assert box.input_value() == DRAFT
        expect(page.get_by_test_id("prompt-diff")).to_be_visible()

        box.fill(f"{DRAFT} with my key {AWS}")
        warning = page.get_by_test_id("draft-warning")
        expect(warning).to_have_attribute("data-kind", "aws-access-key")
        expect(warning).not_to_contain_text(AWS)
        expect(page.get_by_test_id("draft-warning-span")).to_have_text(AWS)
        assert watched.errors == []


def test_header_stays_whole_above_a_tall_composer(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    """The composer (sticky at the bottom) grows past the viewport with its sources and preview
    open; it once slid up over the header and clipped the title and tabs."""
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as server:
        watched = Watched(browser.new_page(viewport={"width": 1100, "height": 900}))
        page = watched.page
        watched.open(server.url)
        page.get_by_test_id("chat-input").fill(DRAFT)
        indicator = page.get_by_test_id("pre-send-indicator")
        expect(indicator).to_have_attribute("data-state", "grounded")
        indicator.locator("summary", has_text="Sources").click()
        page.get_by_test_id("indicator-source").first.locator("summary").click()
        expect(page.get_by_test_id("source-passage")).to_be_visible()
        header, footer = (
            page.locator("header").bounding_box(),
            page.locator("footer").bounding_box(),
        )
        assert (
            header and footer and header["height"] + footer["height"] > 900
        )  # they cannot both fit

        # Nothing hidden in the preview's scrolled text (its screen-reader markers) makes the page
        # taller than its content: no blank stretch under the composer.
        spare = "() => document.documentElement.scrollHeight - document.body.offsetHeight"
        assert page.evaluate(spare) <= 1

        for width, height in [(1100, 900), (1100, 500), (390, 700), (320, 480)]:
            page.set_viewport_size({"width": width, "height": height})
            assert_header_clear(page)
        page.get_by_test_id("api-key-settings").locator("summary").click()  # a taller header
        for width, height in [(1100, 500), (390, 700), (320, 480)]:
            page.set_viewport_size({"width": width, "height": height})
            assert_header_clear(page)
            page.get_by_test_id("nav-library").click()
            assert_header_clear(page)
            page.get_by_test_id("nav-chat").click()
        assert watched.errors == []
