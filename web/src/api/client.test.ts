import { afterEach, describe, expect, it } from "vitest";
import { errorResponse, installFakeServer, jsonResponse, makeResult } from "../test/fakeServer";
import openapi from "../../openapi.json?raw";
import {
  API_KEY_STORAGE,
  ApiError,
  getApiKey,
  getConfig,
  getLibraryName,
  LIBRARY_NAME_MAX,
  LIBRARY_NAME_PATTERN,
  LIBRARY_STORAGE,
  libraryNameError,
  precompute,
  setApiKey,
  setLibraryName,
} from "./client";

interface OpenApiParameter {
  name: string;
  schema: { anyOf?: { type: string; pattern?: string; minLength?: number; maxLength?: number }[] };
}

afterEach(() => setApiKey(null));

describe("api client", () => {
  it("posts the draft as JSON to /api/precompute", async () => {
    const server = installFakeServer();
    const result = await precompute("implement authentication", new AbortController().signal);
    expect(result).toEqual(makeResult("implement authentication"));
    const [url, init] = server.fetch.mock.calls[0]!;
    expect(url).toBe("/api/precompute");
    expect(init?.method).toBe("POST");
    expect(init?.body).toBe(JSON.stringify({ text: "implement authentication" }));
    const headers = init?.headers as Record<string, string>;
    expect(headers["Content-Type"]).toBe("application/json");
    expect(headers.Authorization).toBeUndefined();
  });

  it("reads /api/config", async () => {
    installFakeServer({ config: { debounce_ms: 400 } });
    const config = await getConfig();
    expect(config.debounce_ms).toBe(400);
    expect(config.typing_intelligence).toBe(true);
  });

  it("sends the stored API key as a bearer token", async () => {
    setApiKey("k-123");
    expect(localStorage.getItem(API_KEY_STORAGE)).toBe("k-123");
    expect(getApiKey()).toBe("k-123");
    const server = installFakeServer();
    await getConfig();
    const headers = server.fetch.mock.calls[0]![1]?.headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer k-123");
    setApiKey(null);
    expect(getApiKey()).toBeNull();
    setApiKey("   ");
    expect(localStorage.getItem(API_KEY_STORAGE)).toBeNull();
  });

  it("throws an ApiError with the status and the server's code", async () => {
    installFakeServer({ onPrecompute: () => errorResponse(413, "text_too_long", "Too long") });
    const error = await precompute("x".repeat(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 413, code: "text_too_long", message: "Too long" });
  });

  it("falls back to http_<status> when the error body is not the usual shape", async () => {
    installFakeServer({ onPrecompute: () => jsonResponse("oops", 502) });
    await expect(precompute("hello")).rejects.toMatchObject({ status: 502, code: "http_502" });
  });

  it("reports a network failure as an ApiError with status 0", async () => {
    installFakeServer({ onPrecompute: () => Promise.reject(new TypeError("Failed to fetch")) });
    await expect(precompute("hello")).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("lets an AbortError through", async () => {
    installFakeServer({ onPrecompute: () => new Promise<Response>(() => {}) });
    const controller = new AbortController();
    const pending = precompute("hello", controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });

  it("checks Library names as the API does (its `library` parameter in openapi.json)", () => {
    const paths = (JSON.parse(openapi) as { paths: Record<string, Record<string, unknown>> }).paths;
    const listing = paths["/api/library/documents"].get as { parameters: OpenApiParameter[] };
    const library = listing.parameters.find((p) => p.name === "library");
    const rule = library?.schema.anyOf?.find((s) => s.type === "string");
    expect(rule).toMatchObject({
      pattern: LIBRARY_NAME_PATTERN.source,
      minLength: 1,
      maxLength: LIBRARY_NAME_MAX,
    });

    for (const good of ["a", "team-a", "Team_A.v2", "x".repeat(64)]) {
      expect(libraryNameError(good)).toBeNull();
    }
    for (const bad of ["", "team a", "tëam", "a/b", "x".repeat(65), "name!"]) {
      expect(libraryNameError(bad)).toMatch(/1–64 characters/);
    }
  });

  it("remembers the Library name like the API key; blank or invalid reads as the default", () => {
    setLibraryName(" team-a ");
    expect(localStorage.getItem(LIBRARY_STORAGE)).toBe("team-a");
    expect(getLibraryName()).toBe("team-a");
    setLibraryName("  ");
    expect(localStorage.getItem(LIBRARY_STORAGE)).toBeNull();
    expect(getLibraryName()).toBeNull();
    localStorage.setItem(LIBRARY_STORAGE, "not valid!");
    expect(getLibraryName()).toBeNull();
  });
});
