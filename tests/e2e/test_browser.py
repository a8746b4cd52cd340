"""The chat page in a real headless Chromium (Debian's package) against the real server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect, sync_playwright

from tests.serving import REPO, ingest_demo, serve

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Where the README's screenshots come from: `make screenshots` points this at docs/images.
SHOTS = os.environ.get("PROMPTGEN_SCREENSHOT_DIR")

pytestmark = [
    pytest.mark.skipif(
        not (REPO / "web" / "dist" / "index.html").exists(), reason="web page not built (make web)"
    ),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (make chromium)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        yield browser
        browser.close()


class Watched:
    """A page with its console errors and its precompute requests recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.precomputes: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        if request.url.endswith("/api/precompute"):
            self.precomputes.append(request.url)

    def open(self, url: str) -> None:
        with self.page.expect_response(lambda r: r.url.endswith("/api/config")):
            self.page.goto(url)


# The page header's title, its tabs and what covers them; everything in CSS pixels of the viewport.
_HEADER_LAYOUT = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const header = document.querySelector('header');
  const parts = [header.querySelector('h1'), ...header.querySelectorAll('nav button')];
  const cards = [...document.querySelectorAll('main, footer')].filter((el) => !el.hidden);
  return {
    viewport: {top: 0, left: 0, bottom: innerHeight, right: innerWidth},
    header: box(header),
    parts: parts.map((el) => {
      const b = box(el);
      // Nine points across the box (clear of rounded corners): each must hit the element itself.
      const at = (a, z) => [0.2, 0.5, 0.8].map((f) => a + f * (z - a));
      const xs = at(b.left, b.right);
      const ys = at(b.top, b.bottom);
      const on_top = xs.every((x) => ys.every((y) => el.contains(document.elementFromPoint(x, y))));
      return {name: el.textContent, box: b, on_top};
    }),
    cards: cards.map((el) => ({name: el.tagName.toLowerCase(), box: box(el)})),
  };
}"""


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return all(inner[s] >= outer[s] for s in ("top", "left")) and all(
        inner[s] <= outer[s] for s in ("bottom", "right")
    )


def assert_header_clear(page: Page) -> None:
    """The header's title and tabs are whole, inside the header and the viewport, and uncovered;
    no card below (main, the sticky composer) reaches up into the header."""
    page.evaluate("() => window.scrollTo(0, 0)")
    layout = page.evaluate(_HEADER_LAYOUT)
    header = layout["header"]
    for part in layout["parts"]:
        assert _inside(part["box"], header), f"{part['name']!r} sticks out of the header: {layout}"
        assert _inside(part["box"], layout["viewport"]), f"{part['name']!r} is off screen: {layout}"
        assert part["on_top"], f"{part['name']!r} is covered by another element: {layout}"
    for card in layout["cards"]:
        assert card["box"]["top"] >= header["bottom"] - 0.5, (
            f"{card['name']} overlaps the header: {layout}"
        )


def _shot(page: Page, name: str, tmp_path: Path) -> None:
    assert_header_clear(page)
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_typing_shows_grounded_and_refused_states_and_sends(
    browser: Browser, tmp_path: Path
) -> None:
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as server:
        watched = Watched(browser.new_page(viewport={"width": 1100, "height": 760}))
        page = watched.page
        watched.open(server.url)
        box = page.get_by_test_id("chat-input")
        indicator = page.get_by_test_id("pre-send-indicator")

        box.fill("library integration context")
        expect(indicator).to_have_attribute("data-state", "grounded")
        expect(page.get_by_test_id("indicator-sources")).to_contain_text("source")
        expect(page.get_by_test_id("indicator-model")).not_to_be_empty()
        _shot(page, "grounded.png", tmp_path)

        box.fill("random unindexed query")
        expect(indicator).to_have_attribute("data-state", "refused")
        # Everyday words: refused by the topic gate, which says so.
        expect(page.get_by_test_id("indicator-refusal")).to_contain_text("Library")
        _shot(page, "refused.png", tmp_path)

        box.fill("tantivy")  # one word: not judged yet, worded as a wait
        expect(indicator).to_have_attribute("data-state", "waiting")
        expect(page.get_by_test_id("indicator-refusal")).to_contain_text("keep typing")

        box.fill("library integration context")
        expect(indicator).to_have_attribute("data-state", "grounded")
        page.get_by_test_id("use-optimized").click()
        assert "<passage" in box.input_value()
        page.get_by_test_id("undo-optimized").click()
        assert box.input_value() == "library integration context"
        page.get_by_test_id("use-optimized").click()
        page.get_by_test_id("send-button").click()
        expect(page.get_by_test_id("message").last).to_contain_text("library integration context")
        assert box.input_value() == ""

        box.fill("a second message")
        box.press("Enter")
        expect(page.get_by_test_id("message").last).to_have_text("a second message")
        assert watched.errors == []


def test_feature_flag_off_hides_the_indicator_and_sending_still_works(
    browser: Browser, tmp_path: Path
) -> None:
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path, FEATURE_TYPING_INTELLIGENCE="false") as server:
        watched = Watched(browser.new_page())
        page = watched.page
        watched.open(server.url)
        box = page.get_by_test_id("chat-input")
        box.fill("library integration context")
        box.press("Shift+Enter")
        box.type("second line")
        expect(page.get_by_test_id("chat-input")).to_have_attribute("data-intelligence", "disabled")
        page.get_by_test_id("send-button").click()
        expect(page.get_by_test_id("message").last).to_contain_text("second line")
        assert page.get_by_test_id("pre-send-indicator").count() == 0
        assert watched.precomputes == [] and watched.errors == []


def test_service_unavailable_degrades_quietly(browser: Browser, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    with serve(tmp_path, PROMPTGEN_DATABASE_URL=f"sqlite:///{damaged}") as server:
        watched = Watched(browser.new_page())
        page = watched.page
        watched.open(server.url)
        box = page.get_by_test_id("chat-input")
        box.fill("implement authentication")
        expect(page.get_by_test_id("chat-input")).to_have_attribute(
            "data-intelligence", "unavailable"
        )
        box.press("Enter")
        expect(page.get_by_test_id("message").last).to_have_text("implement authentication")
        # /api/config says the engine is down, so the page never asks for a precompute (no 503s).
        assert watched.precomputes == [] and watched.errors == []
