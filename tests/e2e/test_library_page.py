"""The Library page in a real headless Chromium against the real server: upload, list, search,
delete, keyboard only."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401 (fixture, marks)
    Watched,
    _shot,
    browser,
    pytestmark,
)
from tests.serving import serve

DOC = """# Zebra migration notes

The quokkafish protocol describes how zebras migrate across the savanna each season.
"""


def test_upload_list_search_delete(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    upload = tmp_path / "zebra-notes.md"
    upload.write_text(DOC)
    with serve(tmp_path, PROMPTGEN_UPLOAD_DIR=str(tmp_path / "uploads")) as server:
        watched = Watched(browser.new_page())
        page = watched.page
        watched.open(server.url)

        # Keyboard only: Tab to the nav and press Enter.
        page.get_by_test_id("nav-library").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Library", level=2)).to_be_focused()
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")

        with page.expect_response(
            lambda r: r.url.endswith("/api/library/documents") and r.request.method == "POST"
        ) as answer:
            page.get_by_label("Choose files to upload").set_input_files(str(upload))
        assert answer.value.status == 200
        expect(page.get_by_test_id("upload-status")).to_contain_text("1 added")
        row = page.get_by_test_id("library-document").filter(has_text="zebra-notes.md")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Zebra migration notes")

        box = page.get_by_label("Search the Library")
        box.fill("quokkafish")
        box.press("Enter")
        hit = page.get_by_test_id("search-hit").first
        expect(hit).to_contain_text("zebra-notes.md")
        expect(hit).to_contain_text("quokkafish")
        _shot(page, "library.png", tmp_path)  # the README's (make screenshots)

        row.get_by_role("button", name="Delete").press("Enter")
        expect(page.get_by_test_id("confirm-delete")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("library-document")).to_have_count(0)
        expect(page.get_by_test_id("library-count")).to_contain_text("Deleted")
        assert watched.errors == []
