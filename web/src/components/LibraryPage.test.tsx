import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_KEY_STORAGE, LIBRARY_STORAGE } from "../api/client";
import type { Config, LibraryDocument } from "../api/types";
import { App } from "../App";
import { CONFIG, errorResponse, jsonResponse } from "../test/fakeServer";
import { LibraryPage, PAGE_SIZE } from "./LibraryPage";

function doc(id: number, source = `docs/file-${id}.md`): LibraryDocument {
  return {
    id,
    library: "default",
    source,
    title: `Title ${id}`,
    kind: "markdown",
    chunks: id * 2,
    ingested_at: "2025-01-02T03:04:05Z",
  };
}

type Route = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** `route` answers the Library calls; /api/config answers `config` (CONFIG: the server's
 * default Library is "default"), or `route` too when `config` is "route". */
function fakeFetch(route: Route, config: Partial<Config> | Response | "route" = {}) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://test");
    if (url.pathname !== "/api/config" || config === "route") return route(url, init);
    return config instanceof Response || "status" in config
      ? (config as Response)
      : jsonResponse({ ...CONFIG, ...config });
  });
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  return fetchMock;
}

/** A fake XMLHttpRequest: the test drives progress and the answer. */
class FakeXhr {
  static last: FakeXhr | null = null;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  statusText = "";
  responseText = "";
  aborted = false;
  private listeners: Record<string, ((event: unknown) => void)[]> = {};
  private uploadListeners: Record<string, ((event: unknown) => void)[]> = {};
  upload = {
    addEventListener: (name: string, fn: (event: unknown) => void) => {
      (this.uploadListeners[name] ??= []).push(fn);
    },
  };
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  addEventListener(name: string, fn: (event: unknown) => void) {
    (this.listeners[name] ??= []).push(fn);
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.listeners.abort?.forEach((fn) => fn({}));
  }
  progress(loaded: number, total: number) {
    this.uploadListeners.progress?.forEach((fn) => fn({ loaded, total, lengthComputable: true }));
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.listeners.load?.forEach((fn) => fn({}));
  }
}

afterEach(() => {
  FakeXhr.last = null;
  vi.unstubAllGlobals();
});

describe("LibraryPage", () => {
  it("lists documents with source, title, size and date, and pages through them", async () => {
    const all = Array.from({ length: PAGE_SIZE + 3 }, (_, i) => doc(i + 1));
    const fetchMock = fakeFetch((url) => {
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Number(url.searchParams.get("limit"));
      return jsonResponse({ documents: all.slice(offset, offset + limit), total: all.length });
    });
    render(<LibraryPage />);
    const rows = await screen.findAllByTestId("library-document");
    expect(rows).toHaveLength(PAGE_SIZE);
    const first = within(rows[0]);
    expect(first.getByText("docs/file-1.md")).toBeTruthy();
    expect(first.getByText("Title 1")).toBeTruthy();
    expect(first.getByText("2")).toBeTruthy();
    expect(rows[0].querySelector("time")?.getAttribute("datetime")).toBe("2025-01-02T03:04:05Z");
    expect(screen.getByTestId("library-count").textContent).toContain(`1–${PAGE_SIZE} of 23`);

    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(screen.getAllByTestId("library-document")).toHaveLength(3));
    expect(String(fetchMock.mock.calls.at(-1)?.[0])).toContain(`offset=${PAGE_SIZE}`);
    expect(screen.getByRole("button", { name: "Next page" })).toHaveProperty("disabled", true);
  });

  it("sends the stored API key and tells the user to set one on 401", async () => {
    localStorage.setItem(API_KEY_STORAGE, "k-123");
    const fetchMock = fakeFetch(() => errorResponse(401, "unauthorized", "missing key"));
    render(<LibraryPage />);
    const alert = await screen.findByTestId("library-error");
    expect(alert.textContent).toContain("API key");
    const init = fetchMock.mock.calls[0][1] as RequestInit;
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer k-123");
  });

  it("says a 403 key may not do that", async () => {
    fakeFetch(() => errorResponse(403, "forbidden", "not allowed"));
    render(<LibraryPage />);
    expect((await screen.findByTestId("library-error")).textContent).toMatch(/may not.*API key.*Library name/);
  });

  it("uploads dropped files with progress, then reloads the list", async () => {
    let documents: LibraryDocument[] = [];
    fakeFetch(() => jsonResponse({ documents, total: documents.length }));
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    localStorage.setItem(API_KEY_STORAGE, "k-9");
    render(<LibraryPage />);
    await screen.findByText("The Library is empty.");

    const file = new File(["# Hello"], "hello.md", { type: "text/markdown" });
    fireEvent.drop(screen.getByTestId("library-dropzone"), { dataTransfer: { files: [file] } });
    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/library/documents");
    expect(xhr.headers.Authorization).toBe("Bearer k-9");
    expect((xhr.body as FormData).getAll("files")).toHaveLength(1);

    act(() => xhr.progress(50, 200));
    expect(screen.getByTestId("upload-progress").getAttribute("value")).toBe("25");
    expect(screen.getByTestId("upload-status").textContent).toContain("25 %");

    documents = [doc(7, "hello.md")];
    act(() =>
      xhr.respond(200, { added: 1, updated: 0, unchanged: 0, removed: 0, chunks: 1, seconds: 0.1, failed: [] }),
    );
    expect(await screen.findByText("hello.md")).toBeTruthy();
    expect(screen.getByTestId("upload-status").textContent).toContain("1 added");
  });

  it("uploads from the file input and shows a failed upload", async () => {
    fakeFetch(() => jsonResponse({ documents: [], total: 0 }));
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    render(<LibraryPage />);
    const input = screen.getByLabelText("Choose files to upload");
    fireEvent.change(input, { target: { files: [new File(["x"], "a.md")] } });
    act(() => FakeXhr.last!.respond(413, { error: { code: "body_too_large", message: "too big", request_id: "r" } }));
    expect((await screen.findByTestId("upload-error")).textContent).toContain("too big");
  });

  it("deletes a document after confirmation; Cancel keeps it", async () => {
    let documents = [doc(1), doc(2)];
    const fetchMock = fakeFetch((url, init) => {
      if (init.method === "DELETE") {
        const id = Number(url.pathname.split("/").at(-1));
        documents = documents.filter((d) => d.id !== id);
        return jsonResponse({ deleted: id });
      }
      return jsonResponse({ documents, total: documents.length });
    });
    render(<LibraryPage />);
    await screen.findAllByTestId("library-document");

    fireEvent.click(screen.getByRole("button", { name: "Delete docs/file-1.md" }));
    expect(document.activeElement).toBe(screen.getByTestId("confirm-delete"));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete docs/file-1.md" }));
    expect(fetchMock.mock.calls.some(([, init]) => init?.method === "DELETE")).toBe(false);

    fireEvent.click(screen.getByRole("button", { name: "Delete docs/file-1.md" }));
    fireEvent.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.getAllByTestId("library-document")).toHaveLength(1));
    expect(screen.queryByText("docs/file-1.md")).toBeNull();
    expect(screen.getByTestId("library-count").textContent).toContain("Deleted docs/file-1.md");
    const deleteCall = fetchMock.mock.calls.find(([, init]) => init?.method === "DELETE");
    expect(String(deleteCall?.[0])).toBe("/api/library/documents/1");
  });

  it("shows a failed delete", async () => {
    fakeFetch((_url, init) =>
      init.method === "DELETE"
        ? errorResponse(404, "document_not_found", "no such document")
        : jsonResponse({ documents: [doc(1)], total: 1 }),
    );
    render(<LibraryPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Delete docs/file-1.md" }));
    fireEvent.click(screen.getByTestId("confirm-delete"));
    expect((await screen.findByTestId("delete-error")).textContent).toContain("no such document");
  });

  it("searches and shows hits with source, title and text; errors too", async () => {
    const fetchMock = fakeFetch((url) => {
      if (url.pathname === "/api/library/search") {
        if (url.searchParams.get("q") === "boom") return errorResponse(503, "library_unavailable", "down");
        return jsonResponse({
          hits: [
            { id: 3, document_id: 1, source: "docs/a.md", title: "Alpha", text: "alpha text", score: 0.9, bm25: 3 },
          ],
        });
      }
      return jsonResponse({ documents: [], total: 0 });
    });
    render(<LibraryPage />);
    await screen.findByText("The Library is empty.");
    const box = screen.getByLabelText("Search the Library");
    fireEvent.change(box, { target: { value: "alpha" } });
    fireEvent.submit(box.closest("form")!);
    const hit = await screen.findByTestId("search-hit");
    expect(hit.textContent).toContain("docs/a.md");
    expect(hit.textContent).toContain("Alpha");
    expect(hit.textContent).toContain("alpha text");
    expect(String(fetchMock.mock.calls.at(-1)?.[0])).toBe("/api/library/search?q=alpha&k=10");

    fireEvent.change(box, { target: { value: "boom" } });
    fireEvent.submit(box.closest("form")!);
    expect((await screen.findByTestId("search-error")).textContent).toContain("down");
    expect(screen.queryByTestId("search-hit")).toBeNull();
  });

  it("lists, uploads into and searches the named Library, and remembers the name", async () => {
    const fetchMock = fakeFetch((url) =>
      url.pathname === "/api/library/search"
        ? jsonResponse({ hits: [] })
        : jsonResponse({ documents: [{ ...doc(1), library: url.searchParams.get("library") ?? "default" }], total: 1 }),
    );
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const { unmount } = render(<LibraryPage />);
    const field = screen.getByLabelText("Library name") as HTMLInputElement;
    expect(field.value).toBe("");
    await screen.findAllByTestId("library-document");
    // No name: the server's default, listed by the name the config gives.
    expect(String(fetchMock.mock.calls.at(-1)?.[0])).toBe(
      "/api/library/documents?library=default&limit=20&offset=0",
    );

    fireEvent.change(field, { target: { value: "team-a" } });
    await waitFor(() =>
      expect(String(fetchMock.mock.calls.at(-1)?.[0])).toBe(
        "/api/library/documents?library=team-a&limit=20&offset=0",
      ),
    );
    expect(localStorage.getItem(LIBRARY_STORAGE)).toBe("team-a");
    await screen.findAllByTestId("library-document");
    expect(screen.queryByRole("columnheader", { name: "Library" })).toBeNull();

    fireEvent.change(screen.getByLabelText("Choose files to upload"), {
      target: { files: [new File(["x"], "a.md")] },
    });
    expect(FakeXhr.last!.url).toBe("/api/library/documents?library=team-a");
    expect(screen.getByTestId("upload-status").textContent).toContain("a.md to the Library “team-a”");
    act(() =>
      FakeXhr.last!.respond(200, { added: 1, updated: 0, unchanged: 0, removed: 0, chunks: 1, seconds: 0, failed: [] }),
    );

    const box = screen.getByLabelText("Search the Library");
    fireEvent.change(box, { target: { value: "alpha" } });
    fireEvent.submit(box.closest("form")!);
    await screen.findByTestId("search-summary");
    const searched = fetchMock.mock.calls.map(([url]) => String(url)).filter((u) => u.includes("/search"));
    expect(searched).toEqual(["/api/library/search?q=alpha&k=10&library=team-a"]);

    // Remembered: the page opens on it again.
    unmount();
    render(<LibraryPage />);
    expect((screen.getByLabelText("Library name") as HTMLInputElement).value).toBe("team-a");
    await waitFor(() => expect(String(fetchMock.mock.calls.at(-1)?.[0])).toContain("library=team-a"));

    // Blank: back to the server's default, and forgotten.
    fireEvent.change(screen.getByLabelText("Library name"), { target: { value: " " } });
    expect(localStorage.getItem(LIBRARY_STORAGE)).toBeNull();
    await waitFor(() =>
      expect(String(fetchMock.mock.calls.at(-1)?.[0])).toBe(
        "/api/library/documents?library=default&limit=20&offset=0",
      ),
    );
  });

  it("with no name, lists only the server's default Library, by the name the config gives", async () => {
    const fetchMock = fakeFetch(
      (url) =>
        url.pathname === "/api/library/search"
          ? jsonResponse({ hits: [] })
          : jsonResponse({
              documents: [{ ...doc(1), library: url.searchParams.get("library") ?? "every" }],
              total: 1,
            }),
      { library: "main" },
    );
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    render(<LibraryPage />);
    const field = screen.getByLabelText("Library name") as HTMLInputElement;
    const rows = await screen.findAllByTestId("library-document");
    const urls = () => fetchMock.mock.calls.map(([url]) => String(url));
    // One list request, after the config: never one for every Library first.
    expect(urls()).toEqual(["/api/config", "/api/library/documents?library=main&limit=20&offset=0"]);
    // Every row is that Library's: no column repeating it.
    expect(screen.queryByRole("columnheader", { name: "Library" })).toBeNull();
    expect(within(rows[0]).queryByText("main")).toBeNull();
    expect(screen.getByRole("table").querySelector("caption")?.textContent).toBe(
      "Documents in the Library “main”",
    );
    // The field says which Library an empty field is, to sight and to screen readers.
    expect(field.placeholder).toBe("main (the server's default)");
    const hint = screen.getByTestId("library-name-hint");
    expect(hint.textContent).toContain("Empty: the server's default Library, “main”.");
    expect(hint.textContent).not.toContain("every Library");
    expect(field.getAttribute("aria-describedby")).toContain(hint.id);

    // Uploads and searches still name none (the server resolves it); the progress names it.
    fireEvent.change(screen.getByLabelText("Choose files to upload"), {
      target: { files: [new File(["x"], "a.md")] },
    });
    expect(FakeXhr.last!.url).toBe("/api/library/documents");
    expect(screen.getByTestId("upload-status").textContent).toContain("a.md to the Library “main”");
    act(() =>
      FakeXhr.last!.respond(200, { added: 1, updated: 0, unchanged: 0, removed: 0, chunks: 1, seconds: 0, failed: [] }),
    );
    const box = screen.getByLabelText("Search the Library");
    fireEvent.change(box, { target: { value: "alpha" } });
    fireEvent.submit(box.closest("form")!);
    await screen.findByTestId("search-summary");
    expect(urls().filter((u) => u.includes("/search"))).toEqual(["/api/library/search?q=alpha&k=10"]);

    // A name and back: the default by name again; the config is not asked twice.
    fireEvent.change(field, { target: { value: "team-a" } });
    await waitFor(() => expect(urls().at(-1)).toContain("library=team-a"));
    fireEvent.change(field, { target: { value: "" } });
    await waitFor(() =>
      expect(urls().at(-1)).toBe("/api/library/documents?library=main&limit=20&offset=0"),
    );
    expect(urls().filter((u) => u === "/api/config")).toHaveLength(1);
  });

  it.each([
    ["refused", errorResponse(500, "internal_error", "boom")],
    ["naming no Library", jsonResponse({ ...CONFIG, library: undefined })],
    ["naming one the API would not take", jsonResponse({ ...CONFIG, library: "not a name" })],
  ])("with the config %s, an empty field lists every Library, each row naming its own", async (_, config) => {
    const fetchMock = fakeFetch(
      () => jsonResponse({ documents: [{ ...doc(1), library: "team-a" }], total: 1 }),
      config,
    );
    render(<LibraryPage />);
    const field = screen.getByLabelText("Library name") as HTMLInputElement;
    const rows = await screen.findAllByTestId("library-document");
    expect(String(fetchMock.mock.calls.at(-1)?.[0])).toBe("/api/library/documents?limit=20&offset=0");
    expect(screen.getByRole("columnheader", { name: "Library" })).toBeTruthy();
    expect(within(rows[0]).getByText("team-a")).toBeTruthy();
    expect(field.placeholder).toBe("the server's default");
    expect(screen.getByTestId("library-name-hint").textContent).toContain(
      "the list then shows every Library your key may use",
    );
  });

  it("asks for the config again with a new API key until it names the default", async () => {
    let configAnswer: Response = errorResponse(401, "unauthorized", "missing key");
    const fetchMock = fakeFetch(
      (url) => {
        if (url.pathname === "/api/config") return configAnswer;
        return jsonResponse({ documents: [doc(1)], total: 1 });
      },
      "route",
    );
    const { rerender } = render(<LibraryPage reloadKey={0} />);
    await screen.findAllByTestId("library-document");
    const urls = () => fetchMock.mock.calls.map(([url]) => String(url));
    expect(urls()).toEqual(["/api/config", "/api/library/documents?limit=20&offset=0"]);

    configAnswer = jsonResponse({ ...CONFIG, library: "main" });
    rerender(<LibraryPage reloadKey={1} />);
    await waitFor(() =>
      expect(urls().at(-1)).toBe("/api/library/documents?library=main&limit=20&offset=0"),
    );
    // Waited for the config: no request for every Library in between.
    expect(urls().slice(2)).toEqual([
      "/api/config",
      "/api/library/documents?library=main&limit=20&offset=0",
    ]);
    expect(screen.queryByRole("columnheader", { name: "Library" })).toBeNull();

    // Known: another key reloads the list, not the config.
    rerender(<LibraryPage reloadKey={2} />);
    await waitFor(() => expect(urls()).toHaveLength(5));
    expect(urls().at(-1)).toBe("/api/library/documents?library=main&limit=20&offset=0");
    await act(async () => {});
    expect(urls().filter((u) => u === "/api/config")).toHaveLength(2);
  });

  it("shows why a Library name is refused and sends nothing until it is fixed", async () => {
    localStorage.setItem(LIBRARY_STORAGE, "team-a");
    const fetchMock = fakeFetch(() => jsonResponse({ documents: [doc(1)], total: 1 }));
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    render(<LibraryPage />);
    await screen.findAllByTestId("library-document");
    const calls = fetchMock.mock.calls.length;

    for (const bad of ["team a", "x".repeat(65), "naïve"]) {
      const field = screen.getByLabelText("Library name");
      fireEvent.change(field, { target: { value: bad } });
      const error = screen.getByTestId("library-name-error");
      expect(error.textContent).toContain("1–64 characters");
      expect(field.getAttribute("aria-invalid")).toBe("true");
      expect(field.getAttribute("aria-describedby")).toContain(error.id);
      expect(screen.getByTestId("library-count").textContent).toContain("Fix the Library name");
      expect(screen.queryAllByTestId("library-document")).toHaveLength(0);
    }
    expect(localStorage.getItem(LIBRARY_STORAGE)).toBe("team-a"); // the last valid name is kept

    expect(screen.getByLabelText("Choose files to upload")).toHaveProperty("disabled", true);
    const box = screen.getByLabelText("Search the Library");
    fireEvent.change(box, { target: { value: "alpha" } });
    expect(screen.getByRole("button", { name: "Search" })).toHaveProperty("disabled", true);
    fireEvent.submit(box.closest("form")!);
    fireEvent.drop(screen.getByTestId("library-dropzone"), {
      dataTransfer: { files: [new File(["x"], "a.md")] },
    });
    expect(screen.getByTestId("upload-error").textContent).toContain("Not uploaded");
    expect(FakeXhr.last).toBeNull();
    await act(async () => {});
    expect(fetchMock.mock.calls.length).toBe(calls);

    fireEvent.change(screen.getByLabelText("Library name"), { target: { value: "x".repeat(64) } });
    expect(screen.queryByTestId("library-name-error")).toBeNull();
    expect(screen.getByLabelText("Library name").getAttribute("aria-invalid")).toBeNull();
    await screen.findAllByTestId("library-document");
    expect(String(fetchMock.mock.calls.at(-1)?.[0])).toContain(`library=${"x".repeat(64)}`);
  });

  it("cancels an upload in progress: the request is aborted and the page is not left busy", async () => {
    const fetchMock = fakeFetch(() => jsonResponse({ documents: [], total: 0 }));
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    render(<LibraryPage />);
    await screen.findByText("The Library is empty.");
    const input = screen.getByLabelText("Choose files to upload") as HTMLInputElement;
    expect(screen.queryByRole("button", { name: "Cancel upload" })).toBeNull();

    input.focus();
    fireEvent.change(input, { target: { files: [new File(["x"], "big.pdf")] } });
    const xhr = FakeXhr.last!;
    act(() => xhr.progress(10, 100));
    expect(input.disabled).toBe(true);
    const cancel = screen.getByRole("button", { name: "Cancel upload" });
    expect(document.activeElement).toBe(cancel); // the disabled input's focus moved to Cancel
    fireEvent.drop(screen.getByTestId("library-dropzone"), {
      dataTransfer: { files: [new File(["y"], "other.md")] },
    });
    expect(FakeXhr.last).toBe(xhr); // one upload at a time: Cancel stops this one
    const listed = fetchMock.mock.calls.length;

    fireEvent.click(cancel);
    expect(xhr.aborted).toBe(true);
    const status = await screen.findByText(/^Upload cancelled\./);
    expect(status.textContent).toContain("either unchanged or fully updated");
    expect(screen.queryByRole("button", { name: "Cancel upload" })).toBeNull();
    expect(screen.queryByTestId("upload-progress")).toBeNull();
    expect(screen.queryByTestId("upload-error")).toBeNull();
    expect(input.disabled).toBe(false);
    expect(document.activeElement).toBe(input);
    // The server may have finished before the abort reached it: the list is read again.
    await waitFor(() => expect(fetchMock.mock.calls.length).toBe(listed + 1));

    // Nothing stuck: the next upload goes through.
    fireEvent.change(input, { target: { files: [new File(["x"], "small.md")] } });
    act(() =>
      FakeXhr.last!.respond(200, { added: 1, updated: 0, unchanged: 0, removed: 0, chunks: 1, seconds: 0, failed: [] }),
    );
    expect((await screen.findByTestId("upload-status")).textContent).toContain("1 added");
    expect(screen.queryByText(/Upload cancelled/)).toBeNull();
  });

  it("is reachable from the App's nav, which moves the focus to its heading", async () => {
    fakeFetch((url) =>
      url.pathname === "/api/config" ? jsonResponse(CONFIG) : jsonResponse({ documents: [], total: 0 }),
    );
    render(<App />);
    const libraryTab = screen.getByRole("button", { name: "Library" });
    expect(screen.getByRole("button", { name: "Chat" }).getAttribute("aria-current")).toBe("page");
    fireEvent.click(libraryTab);
    expect(libraryTab.getAttribute("aria-current")).toBe("page");
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Library", level: 2 }));
    await screen.findByText("The Library is empty.");
    fireEvent.click(screen.getByRole("button", { name: "Chat" }));
    expect(screen.queryByTestId("library-page")).toBeNull();
  });
});
