/**
 * The only place the page talks to the server. Same-origin relative URLs: the Python server
 * serves this page and the API together (the Vite dev server proxies /api to it).
 */
import type { Config, ErrorBody, PrecomputeResult } from "./types";

export type { Config, PrecomputeResult } from "./types";

/** localStorage key of the optional API key (a runtime setting; never built into the bundle). */
export const API_KEY_STORAGE = "promptgen.apiKey";

/** A non-2xx answer (status and the server's stable error code), or a failed network call (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "AbortError"
  );
}

/** The stored API key, or null. Storage can be unavailable (privacy modes): that reads as no key. */
export function getApiKey(): string | null {
  try {
    const key = globalThis.localStorage?.getItem(API_KEY_STORAGE);
    return key && key.trim() ? key.trim() : null;
  } catch {
    return null;
  }
}

/** Store the API key for later requests; null or blank removes it. */
export function setApiKey(key: string | null): void {
  try {
    const trimmed = key?.trim();
    if (trimmed) globalThis.localStorage?.setItem(API_KEY_STORAGE, trimmed);
    else globalThis.localStorage?.removeItem(API_KEY_STORAGE);
  } catch {
    // Storage refused (quota, privacy mode): the key simply is not remembered.
  }
}

function headers(json: boolean): Record<string, string> {
  const out: Record<string, string> = { Accept: "application/json" };
  if (json) out["Content-Type"] = "application/json";
  const key = getApiKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (isAbortError(error) || init.signal?.aborted) throw error;
    throw new ApiError(0, "network_error", error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await toApiError(response);
  try {
    return (await response.json()) as T;
  } catch (error) {
    if (isAbortError(error) || init.signal?.aborted) throw error;
    throw new ApiError(response.status, "invalid_response", "The server answered with invalid JSON.");
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> | null = null;
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    body = null;
  }
  const detail = body?.error;
  return new ApiError(
    response.status,
    typeof detail?.code === "string" ? detail.code : `http_${response.status}`,
    typeof detail?.message === "string" ? detail.message : response.statusText || "Request failed",
    typeof detail?.request_id === "string" ? detail.request_id : null,
  );
}

/** GET /api/config: what the page needs to know (feature flag, debounce, limits). */
export function getConfig(signal?: AbortSignal): Promise<Config> {
  return request<Config>("/api/config", { method: "GET", headers: headers(false), signal });
}

/** POST /api/precompute: intent, grounding, optimized prompt, tokens, cost and model for a draft. */
export function precompute(text: string, signal?: AbortSignal): Promise<PrecomputeResult> {
  return request<PrecomputeResult>("/api/precompute", {
    method: "POST",
    headers: headers(true),
    body: JSON.stringify({ text }),
    signal,
  });
}
