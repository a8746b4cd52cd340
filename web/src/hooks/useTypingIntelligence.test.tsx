import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  deferred,
  errorResponse,
  installFakeServer,
  jsonResponse,
  makeResult,
  type Deferred,
} from "../test/fakeServer";
import {
  LruCache,
  normalizeConfig,
  useTypingIntelligence,
  type TypingIntelligenceOptions,
} from "./useTypingIntelligence";

/** Let timers run (and promises settle) inside act(). */
async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** Render the hook and let /api/config answer. */
async function renderTyping(initial = "", options?: TypingIntelligenceOptions) {
  const view = renderHook(({ text }: { text: string }) => useTypingIntelligence(text, options), {
    initialProps: { text: initial },
  });
  await advance(0);
  return { ...view, type: (text: string) => view.rerender({ text }) };
}

let errorSpy: ReturnType<typeof vi.spyOn>;
let warnSpy: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  vi.useFakeTimers();
  errorSpy = vi.spyOn(console, "error");
  warnSpy = vi.spyOn(console, "warn");
});

afterEach(() => {
  // No test here should make the page log anything.
  expect(errorSpy).not.toHaveBeenCalled();
  expect(warnSpy).not.toHaveBeenCalled();
});

describe("useTypingIntelligence", () => {
  it("debounces: no request before debounce_ms, one request after", async () => {
    const server = installFakeServer({ config: { debounce_ms: 300 } });
    const { result, type } = await renderTyping();
    expect(server.configCalls()).toBe(1);

    type("implement authentication");
    await advance(299);
    expect(server.precomputeTexts()).toEqual([]);
    expect(result.current.status).toBe("loading");
    expect(result.current.result).toBeNull();

    await advance(1);
    expect(server.precomputeTexts()).toEqual(["implement authentication"]);
    expect(result.current.status).toBe("ready");
    expect(result.current.forText).toBe("implement authentication");
    expect(result.current.result?.request_id).toBe("req-implement authentication");

    await advance(5000);
    expect(server.precomputeTexts()).toHaveLength(1);
    expect(server.configCalls()).toBe(1);
  });

  it("restarts the debounce on every keystroke and only sends the last draft", async () => {
    const server = installFakeServer();
    const { type } = await renderTyping();
    type("imp");
    await advance(200);
    type("impl");
    await advance(200);
    type("implement");
    await advance(249);
    expect(server.precomputeTexts()).toEqual([]);
    await advance(1);
    expect(server.precomputeTexts()).toEqual(["implement"]);
  });

  it("uses the default 250 ms debounce while the config has not arrived", async () => {
    const config = deferred<Response>();
    const server = installFakeServer();
    const baseFetch = server.fetch.getMockImplementation()!;
    server.fetch.mockImplementation((input: RequestInfo | URL, init?: RequestInit) =>
      String(input) === "/api/config" ? config.promise : baseFetch(input, init),
    );
    const { result } = renderHook(() => useTypingIntelligence("implement authentication"));
    await advance(1000);
    expect(server.precomputeTexts()).toEqual([]);
    expect(result.current.status).toBe("loading");

    await act(async () => {
      config.resolve(jsonResponse({ typing_intelligence: true, debounce_ms: 250, min_chars: 3 }));
    });
    await advance(0);
    expect(server.precomputeTexts()).toEqual(["implement authentication"]);
    expect(result.current.status).toBe("ready");
  });

  it("aborts the in-flight request when the text changes", async () => {
    const pending: Deferred<Response>[] = [];
    const server = installFakeServer({
      onPrecompute: () => {
        const answer = deferred<Response>();
        pending.push(answer);
        return answer.promise;
      },
    });
    const { result, type } = await renderTyping();

    type("first draft");
    await advance(250);
    const [first] = server.precomputeSignals();
    expect(first?.aborted).toBe(false);
    expect(result.current.status).toBe("loading");

    type("first draft, longer");
    expect(first?.aborted).toBe(true);
    await advance(250);
    const signals = server.precomputeSignals();
    expect(signals).toHaveLength(2);
    expect(signals[1]?.aborted).toBe(false);

    await act(async () => pending[1]!.resolve(jsonResponse(makeResult("first draft, longer"))));
    expect(result.current.status).toBe("ready");
    expect(result.current.forText).toBe("first draft, longer");
  });

  it("never shows a slow answer for an old text", async () => {
    const answers = new Map<string, Deferred<Response>>();
    const server = installFakeServer({
      honorAbort: false, // the old answer still arrives, as if it was already on its way
      onPrecompute: (text) => {
        const answer = deferred<Response>();
        answers.set(text, answer);
        return answer.promise;
      },
    });
    const { result, type } = await renderTyping();

    type("old draft");
    await advance(250);
    type("new draft");

    // The old answer lands while the new draft is still being debounced: not shown.
    await act(async () => answers.get("old draft")!.resolve(jsonResponse(makeResult("old draft"))));
    expect(result.current.status).toBe("loading");
    expect(result.current.result).toBeNull();

    await advance(250);
    expect(server.precomputeTexts()).toEqual(["old draft", "new draft"]);
    await act(async () => answers.get("new draft")!.resolve(jsonResponse(makeResult("new draft"))));
    expect(result.current.status).toBe("ready");
    expect(result.current.forText).toBe("new draft");
    expect(result.current.result?.request_id).toBe("req-new draft");
  });

  it("drops an old answer that arrives after the new one", async () => {
    const answers = new Map<string, Deferred<Response>>();
    installFakeServer({
      honorAbort: false,
      onPrecompute: (text) => {
        const answer = deferred<Response>();
        answers.set(text, answer);
        return answer.promise;
      },
    });
    const { result, type } = await renderTyping();

    type("old draft");
    await advance(250);
    type("new draft");
    await advance(250);
    await act(async () => answers.get("new draft")!.resolve(jsonResponse(makeResult("new draft"))));
    await act(async () => answers.get("old draft")!.resolve(jsonResponse(makeResult("old draft"))));

    expect(result.current.status).toBe("ready");
    expect(result.current.forText).toBe("new draft");
    expect(result.current.result?.request_id).toBe("req-new draft");
  });

  it("never returns a result for another text, even before its effect has run", async () => {
    installFakeServer();
    const { result, type } = await renderTyping();
    type("first draft");
    await advance(250);
    expect(result.current.forText).toBe("first draft");
    // Right after the rerender, the previous answer must not be shown for the new text.
    type("second draft");
    expect(result.current.forText).not.toBe("first draft");
    expect(result.current.result?.request_id ?? null).not.toBe("req-first draft");
  });

  it("answers a revisited text from the cache without a new request", async () => {
    const server = installFakeServer();
    const { result, type } = await renderTyping();

    type("first draft");
    await advance(250);
    const firstAnswer = result.current.result;
    type("second draft");
    await advance(250);
    expect(server.precomputeTexts()).toEqual(["first draft", "second draft"]);

    type("first draft");
    // Instantly, without waiting for the debounce.
    expect(result.current.status).toBe("ready");
    expect(result.current.result).toBe(firstAnswer);
    expect(result.current.forText).toBe("first draft");
    await advance(1000);
    expect(server.precomputeTexts()).toEqual(["first draft", "second draft"]);
  });

  it("when the feature flag is off: disabled, and precompute is never called", async () => {
    const server = installFakeServer({ config: { typing_intelligence: false } });
    const { result, type } = await renderTyping("implement authentication");
    expect(result.current.status).toBe("disabled");
    type("library integration context");
    await advance(5000);
    expect(result.current).toEqual({ status: "disabled", result: null, forText: null });
    expect(server.precomputeTexts()).toEqual([]);
    expect(server.fetch).toHaveBeenCalledTimes(1); // the config only
  });

  it("a 503 makes it unavailable, quietly", async () => {
    installFakeServer({
      onPrecompute: () => errorResponse(503, "promptgen_unavailable", "PromptGen is unavailable"),
    });
    const { result, type } = await renderTyping();
    type("implement authentication");
    await advance(250);
    expect(result.current).toEqual({ status: "unavailable", result: null, forText: null });
    expect(errorSpy).not.toHaveBeenCalled();
    expect(warnSpy).not.toHaveBeenCalled();
  });

  it("a network failure makes it unavailable, quietly", async () => {
    installFakeServer({
      onPrecompute: () => Promise.reject(new TypeError("Failed to fetch")),
    });
    const { result, type } = await renderTyping();
    type("implement authentication");
    await advance(250);
    expect(result.current).toEqual({ status: "unavailable", result: null, forText: null });
    expect(errorSpy).not.toHaveBeenCalled();
    expect(warnSpy).not.toHaveBeenCalled();
  });

  it("an engine the server reports as down makes it unavailable and sends nothing", async () => {
    const server = installFakeServer({ config: { available: false } });
    const { result, type } = await renderTyping();
    type("implement authentication");
    await advance(1000);
    expect(result.current.status).toBe("unavailable");
    expect(server.precomputeTexts()).toEqual([]);
  });

  it("a failed /api/config makes it unavailable and sends nothing", async () => {
    const server = installFakeServer({ config: new TypeError("Failed to fetch") });
    const { result, type } = await renderTyping();
    type("implement authentication");
    await advance(1000);
    expect(result.current.status).toBe("unavailable");
    expect(server.precomputeTexts()).toEqual([]);
  });

  it("recovers after an error when the text changes", async () => {
    let fail = true;
    installFakeServer({
      onPrecompute: (text) =>
        fail ? errorResponse(503, "promptgen_unavailable") : jsonResponse(makeResult(text)),
    });
    const { result, type } = await renderTyping();
    type("implement authentication");
    await advance(250);
    expect(result.current.status).toBe("unavailable");
    fail = false;
    type("implement authorization");
    await advance(250);
    expect(result.current.status).toBe("ready");
  });

  it("keeps drafts shorter than min_chars (trimmed) idle", async () => {
    const server = installFakeServer({ config: { min_chars: 5 } });
    const { result, type } = await renderTyping();
    expect(result.current).toEqual({ status: "idle", result: null, forText: null });
    type("  abcd   ");
    await advance(1000);
    expect(result.current).toEqual({ status: "idle", result: null, forText: null });
    expect(server.precomputeTexts()).toEqual([]);

    type("abcde");
    await advance(250);
    expect(server.precomputeTexts()).toEqual(["abcde"]);

    type("ab");
    expect(result.current).toEqual({ status: "idle", result: null, forText: null });
  });

  it("does not send drafts longer than max_text_chars", async () => {
    const server = installFakeServer({ config: { max_text_chars: 10 } });
    const { result, type } = await renderTyping();
    type("a draft that is far too long");
    await advance(1000);
    expect(result.current.status).toBe("unavailable");
    expect(server.precomputeTexts()).toEqual([]);
  });

  it("aborts the pending request on unmount", async () => {
    const server = installFakeServer({ onPrecompute: () => new Promise<Response>(() => {}) });
    const { type, unmount } = await renderTyping();
    type("implement authentication");
    await advance(250);
    unmount();
    expect(server.precomputeSignals()[0]?.aborted).toBe(true);
  });

  it("reloads the config when reloadKey changes", async () => {
    let required = true;
    const server = installFakeServer();
    const baseFetch = server.fetch.getMockImplementation()!;
    server.fetch.mockImplementation((input: RequestInfo | URL, init?: RequestInit) =>
      required ? Promise.resolve(errorResponse(401, "unauthorized")) : baseFetch(input, init),
    );
    const view = renderHook(
      ({ text, key }: { text: string; key: number }) => useTypingIntelligence(text, { reloadKey: key }),
      { initialProps: { text: "implement authentication", key: 0 } },
    );
    await advance(1000);
    expect(view.result.current.status).toBe("unavailable");

    required = false;
    view.rerender({ text: "implement authentication", key: 1 });
    await advance(1000);
    expect(view.result.current.status).toBe("ready");
    expect(server.configCalls()).toBe(2);
  });
});

describe("LruCache", () => {
  it("forgets the least recently used entries beyond its limit", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("a");
    cache.set("c", 3);
    expect(cache.peek("a")).toBe(1);
    expect(cache.peek("b")).toBeUndefined();
    expect(cache.peek("c")).toBe(3);
    expect(cache.size).toBe(2);
  });

  it("is bounded by the hook's cache size", async () => {
    const server = installFakeServer();
    const { result, type } = await renderTyping("", { cacheSize: 2 });
    for (const text of ["draft one", "draft two", "draft three"]) {
      type(text);
      await advance(250);
    }
    type("draft one"); // evicted: asked again
    expect(result.current.status).toBe("loading");
    await advance(250);
    expect(server.precomputeTexts()).toEqual(["draft one", "draft two", "draft three", "draft one"]);
  });
});

describe("normalizeConfig", () => {
  it("falls back to defaults for missing or odd values", () => {
    const config = normalizeConfig({ typing_intelligence: true, debounce_ms: -1 } as never);
    expect(config.debounce_ms).toBe(250);
    expect(config.min_chars).toBe(3);
    expect(config.max_text_chars).toBe(Number.POSITIVE_INFINITY);
    expect(normalizeConfig(null).typing_intelligence).toBe(false);
  });
});
