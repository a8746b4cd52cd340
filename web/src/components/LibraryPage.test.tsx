import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_KEY_STORAGE } from "../api/client";
import type { LibraryDocument } from "../api/types";
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

function fakeFetch(route: Route) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) =>
    route(new URL(String(input), "http://test"), init),
  );
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
    expect((await screen.findByTestId("library-error")).textContent).toMatch(/may not.*API key/);
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
