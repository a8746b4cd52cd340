"""The Library page in a real headless Chromium against the real server: upload, list, search,
delete, keyboard only; a named Library; a cancelled upload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, Request, Route, expect

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
        # Named by its file name, not by its path in the server's upload folder.
        expect(row.get_by_role("cell", name="zebra-notes.md", exact=True)).to_be_visible()

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


def _open_library(page: Page) -> None:
    page.get_by_test_id("nav-library").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Library", level=2)).to_be_focused()


def test_a_named_library_keeps_its_documents_apart(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    upload = tmp_path / "zebra-notes.md"
    upload.write_text(DOC)
    with serve(tmp_path, PROMPTGEN_UPLOAD_DIR=str(tmp_path / "uploads")) as server:
        watched = Watched(browser.new_page())
        page = watched.page
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "/api/library/" in r.url else None)
        watched.open(server.url)
        _open_library(page)

        # Keyboard only: Tab from the heading to the field and type the name.
        name = page.get_by_label("Library name", exact=True)
        page.keyboard.press("Tab")
        expect(name).to_be_focused()
        with page.expect_response(lambda r: "library=team-zebra" in r.url):
            page.keyboard.type("team-zebra")
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")

        with page.expect_response(
            lambda r: (
                r.url.endswith("/api/library/documents?library=team-zebra")
                and r.request.method == "POST"
            )
        ) as answer:
            page.get_by_label("Choose files to upload").set_input_files(str(upload))
        assert answer.value.status == 200
        expect(page.get_by_test_id("upload-status")).to_contain_text("1 added")
        rows = page.get_by_test_id("library-document")
        expect(rows).to_have_count(1)
        expect(rows.get_by_role("cell", name="zebra-notes.md", exact=True)).to_be_visible()
        box = page.get_by_label("Search the Library")
        box.fill("quokkafish")
        box.press("Enter")
        expect(page.get_by_test_id("search-hit")).to_contain_text("zebra-notes.md")

        # The server's default Library has none of it.
        default = page.request.get(f"{server.url}/api/library/search?q=quokkafish").json()
        assert default == {"hits": []}
        by_name = page.request.get(f"{server.url}/api/library/documents?library=default").json()
        assert by_name["total"] == 0

        # Remembered in this browser: a fresh load opens the page on the same Library.
        watched.open(server.url)
        _open_library(page)
        expect(name).to_have_value("team-zebra")
        expect(rows).to_have_count(1)

        name.fill("default")  # the server's default, by its name
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")
        expect(rows).to_have_count(0)
        box.fill("quokkafish")
        box.press("Enter")
        expect(page.get_by_test_id("search-summary")).to_contain_text("No passages found")

        # A name the API would refuse: said inline, nothing sent.
        before = len(sent)
        name.fill("team zebra")
        expect(page.get_by_test_id("library-name-error")).to_contain_text("1–64 characters")
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Choose files to upload")).to_be_disabled()
        assert sent[before:] == []

        # Blank: the server's default Library, listed by the name /api/config gives: none of
        # team-zebra's documents, and no Library column (every row would say "default").
        before = len(sent)
        with page.expect_response(lambda r: "/api/library/documents?library=default&" in r.url):
            name.fill("")
        expect(name).to_have_attribute("placeholder", "default (the server's default)")
        expect(page.get_by_test_id("library-name-hint")).to_contain_text(
            "Empty: the server's default Library, “default”."
        )
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")
        expect(rows).to_have_count(0)

        # An upload with no name goes to the default (no parameter): listed alone.
        other = tmp_path / "ostrich-notes.md"
        other.write_text(DOC.replace("Zebra", "Ostrich"))
        with page.expect_response(
            lambda r: r.url.endswith("/api/library/documents") and r.request.method == "POST"
        ) as answer:
            page.get_by_label("Choose files to upload").set_input_files(str(other))
        assert answer.value.status == 200
        expect(page.get_by_test_id("upload-status")).to_contain_text("1 added")
        expect(rows).to_have_count(1)
        expect(rows.get_by_role("cell", name="ostrich-notes.md", exact=True)).to_be_visible()
        expect(rows.filter(has_text="zebra-notes.md")).to_have_count(0)
        expect(page.get_by_role("columnheader", name="Library", exact=True)).to_have_count(0)
        listed = [u for u in sent[before:] if "/api/library/documents?" in u]
        assert listed and all("library=default&" in u for u in listed)
        assert watched.errors == []


def test_cancel_upload(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    """The upload is held in the browser (a route nobody answers) until Cancel: no timing."""
    upload = tmp_path / "zebra-notes.md"
    upload.write_text(DOC)
    with serve(tmp_path, PROMPTGEN_UPLOAD_DIR=str(tmp_path / "uploads")) as server:
        watched = Watched(browser.new_page())
        page = watched.page
        held: list[Route] = []
        failed: list[Request] = []
        page.on("requestfailed", lambda r: failed.append(r))
        page.route("**/api/library/documents*", _hold_posts(held))
        watched.open(server.url)
        _open_library(page)
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")

        files = page.get_by_label("Choose files to upload")
        files.focus()
        files.set_input_files(str(upload))
        cancel = page.get_by_role("button", name="Cancel upload")
        expect(cancel).to_be_visible()
        expect(page.get_by_test_id("upload-status")).to_contain_text("Uploading zebra-notes.md")
        expect(files).to_be_disabled()
        assert len(held) == 1

        cancel.press("Enter")
        expect(page.get_by_test_id("upload-status")).to_contain_text("Upload cancelled.")
        expect(cancel).to_have_count(0)
        expect(page.get_by_test_id("upload-progress")).to_have_count(0)
        expect(files).to_be_enabled()
        expect(files).to_be_focused()
        expect(page.get_by_test_id("library-count")).to_have_text("The Library is empty.")
        assert [r.method for r in failed] == ["POST"]  # the browser aborted the request

        # Not busy: the next upload goes through.
        page.unroute("**/api/library/documents*")
        with page.expect_response(
            lambda r: r.url.endswith("/api/library/documents") and r.request.method == "POST"
        ):
            files.set_input_files(str(upload))
        expect(page.get_by_test_id("upload-status")).to_contain_text("1 added")
        expect(page.get_by_test_id("library-document")).to_have_count(1)
        assert watched.errors == []


def _hold_posts(held: list[Route]) -> Callable[[Route], None]:
    """A route handler that keeps each POST (the upload) unanswered and lets the rest through."""

    def handle(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)  # never answered: the upload stays in progress
        else:
            route.continue_()

    return handle
