/** A fake of the network boundary (globalThis.fetch) for the page's tests. */
import { vi, type Mock } from "vitest";
import type { Config, PrecomputeResult } from "../api/types";

export const CONFIG: Config = {
  typing_intelligence: true,
  available: true,
  debounce_ms: 250,
  min_chars: 3,
  max_text_chars: 20000,
  auth_required: false,
  library: "default",
  version: "test",
};

export function jsonResponse(body: unknown, status = 200): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: "",
    headers: new Headers({ "Content-Type": "application/json" }),
    json: async () => body,
    text: async () => JSON.stringify(body),
  } as unknown as Response;
}

export function errorResponse(status: number, code: string, message = code): Response {
  return jsonResponse({ error: { code, message, request_id: "req-test" } }, status);
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function makeResult(text: string, overrides: Partial<PrecomputeResult> = {}): PrecomputeResult {
  return {
    request_id: `req-${text}`,
    version: "1",
    intent: { label: "general", confidence: 0.71, scores: { general: 0.71, code: 0.29 } },
    grounded: true,
    confidence: 0.86,
    context: [
      { id: 1, source: "docs/overview.md", title: "Overview", text: "…", score: 0.9312 },
      { id: 2, source: "docs/library.md", title: "Library", text: "…", score: 0.71 },
      { id: 3, source: "docs/api.md", title: "API", text: "…", score: 0.42 },
    ],
    optimized_prompt: `Task (general): ${text}\n\n<passage id="1">…</passage>`,
    suggestions: ["Say what form of answer you expect."],
    variables: [],
    warnings: [],
    refusal: null,
    tokens: { prompt: 412, context: 268, estimated_output: 350, tokenizer: "o200k_base", exact: true },
    model: {
      id: "example-small",
      reason: "cheapest tier 1 model whose context window fits",
      estimated_cost_usd: 0.00012,
      strong_benefit: 0.2,
      alternatives: [{ id: "example-medium", estimated_cost_usd: 0.0011, fits_context: true }],
    },
    cached: false,
    timings_ms: { intent: 0.4, retrieve: 2.1, ground: 0.3, optimize: 0.9, cost: 1.2, total: 5.2 },
    ...overrides,
  };
}

export function refusedResult(text: string): PrecomputeResult {
  return makeResult(text, {
    grounded: false,
    confidence: 0.12,
    context: [],
    optimized_prompt: null,
    refusal: {
      code: "no_grounding",
      reason: "No passage in the Library scores above the grounding threshold.",
    },
  });
}

export type PrecomputeHandler = (
  text: string,
  signal: AbortSignal | undefined,
) => Response | Promise<Response>;

export interface FakeServer {
  fetch: Mock;
  /** The texts sent to /api/precompute, in order. */
  precomputeTexts: () => string[];
  /** The signals of the /api/precompute calls, in order. */
  precomputeSignals: () => (AbortSignal | undefined)[];
  configCalls: () => number;
}

/**
 * Install a fake fetch: /api/config answers `config` (or a Response / error), /api/precompute
 * calls `onPrecompute` (default: a grounded result for the text). Like a real fetch, a
 * request whose signal is aborted rejects with an AbortError (unless honorAbort is false).
 */
export function installFakeServer(
  options: {
    config?: Partial<Config> | Response | Error;
    onPrecompute?: PrecomputeHandler;
    /** false: answer even after the abort (an answer already on its way), to test stale drops. */
    honorAbort?: boolean;
  } = {},
): FakeServer {
  const onPrecompute: PrecomputeHandler =
    options.onPrecompute ?? ((text) => jsonResponse(makeResult(text)));
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url === "/api/config") {
      const config = options.config;
      if (config instanceof Error) throw config;
      if (config && "status" in config && "json" in config) return config as Response;
      return jsonResponse({ ...CONFIG, ...(config as Partial<Config> | undefined) });
    }
    if (url === "/api/precompute") {
      const { text } = JSON.parse(String(init?.body)) as { text: string };
      const signal = init?.signal ?? undefined;
      const answer = Promise.resolve(onPrecompute(text, signal));
      if (!signal || options.honorAbort === false) return answer;
      return new Promise<Response>((resolve, reject) => {
        const abort = () => reject(new DOMException("The operation was aborted.", "AbortError"));
        if (signal.aborted) abort();
        signal.addEventListener("abort", abort, { once: true });
        answer.then(resolve, reject);
      });
    }
    return errorResponse(404, "not_found");
  });
  globalThis.fetch = fetchMock as unknown as typeof fetch;

  const precomputeCalls = () =>
    fetchMock.mock.calls.filter(([input]) => String(input) === "/api/precompute");
  return {
    fetch: fetchMock,
    precomputeTexts: () =>
      precomputeCalls().map(([, init]) => (JSON.parse(String(init?.body)) as { text: string }).text),
    precomputeSignals: () => precomputeCalls().map(([, init]) => init?.signal ?? undefined),
    configCalls: () => fetchMock.mock.calls.filter(([input]) => String(input) === "/api/config").length,
  };
}
