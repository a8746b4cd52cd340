/**
 * The only place the page talks to the server. Same-origin relative URLs: the Python server
 * serves this page and the API together (the Vite dev server proxies /api to it).
 */
import type { Config, ErrorBody, PrecomputeResult, Turn } from "./types";

export type { Config, PrecomputeResult, Turn } from "./types";

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

/** A remembered, trimmed setting, or null. Storage can be unavailable (privacy modes): that
 * reads as nothing remembered. */
function readStored(storageKey: string): string | null {
  try {
    return globalThis.localStorage?.getItem(storageKey)?.trim() || null;
  } catch {
    return null;
  }
}

/** Remember a setting in this browser; null or blank forgets it. Storage refused (quota,
 * privacy mode): the setting simply is not remembered. */
function writeStored(storageKey: string, value: string | null): void {
  try {
    const trimmed = value?.trim();
    if (trimmed) globalThis.localStorage?.setItem(storageKey, trimmed);
    else globalThis.localStorage?.removeItem(storageKey);
  } catch {
    // Not remembered; nothing else depends on it.
  }
}

/** The stored API key, or null. */
export function getApiKey(): string | null {
  return readStored(API_KEY_STORAGE);
}

/** Store the API key for later requests; null or blank removes it. */
export function setApiKey(key: string | null): void {
  writeStored(API_KEY_STORAGE, key);
}

/** localStorage key of the Library the Library page works on (absent: the server's default). */
export const LIBRARY_STORAGE = "promptgen.library";

/** The Library names the API takes (`library` query parameter: 1–64 of these characters). */
export const LIBRARY_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const LIBRARY_NAME_MAX = 64;

/** Why the API would refuse `name` as a Library name, or null when it would take it. */
export function libraryNameError(name: string): string | null {
  if (name.length >= 1 && name.length <= LIBRARY_NAME_MAX && LIBRARY_NAME_PATTERN.test(name)) {
    return null;
  }
  const allowed = "letters A–Z and a–z, digits, “_”, “.” and “-”";
  return `A Library name is 1–${LIBRARY_NAME_MAX} characters: ${allowed}.`;
}

/** The stored Library name, or null (the server's default); one the API would refuse reads as
 * none. */
export function getLibraryName(): string | null {
  const name = readStored(LIBRARY_STORAGE);
  return name && libraryNameError(name) === null ? name : null;
}

/** Remember the Library name in this browser; null or blank forgets it (the server's default). */
export function setLibraryName(name: string | null): void {
  writeStored(LIBRARY_STORAGE, name);
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

/**
 * POST /api/precompute: intent, grounding, optimized prompt, tokens, cost and model for a draft.
 * `history` (the conversation so far, oldest first) is only sent when it has turns.
 */
export function precompute(
  text: string,
  signal?: AbortSignal,
  history?: readonly Turn[],
): Promise<PrecomputeResult> {
  return request<PrecomputeResult>("/api/precompute", {
    method: "POST",
    headers: headers(true),
    body: JSON.stringify(history && history.length > 0 ? { text, history } : { text }),
    signal,
  });
}

// ---- The Library (/api/library/*) ----

export type {
  DocumentList,
  IngestResult,
  LibraryDocument,
  SearchHit,
  SearchResult,
} from "./types";
import type { DocumentList, IngestResult, SearchResult } from "./types";

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** GET /api/library/documents: one page of documents and the total. */
export function listDocuments(
  options: { library?: string | null; limit?: number; offset?: number } = {},
  signal?: AbortSignal,
): Promise<DocumentList> {
  const { library, limit, offset } = options;
  return request<DocumentList>(`/api/library/documents${query({ library, limit, offset })}`, {
    method: "GET",
    headers: headers(false),
    signal,
  });
}

/** DELETE /api/library/documents/{id}. */
export function deleteDocument(id: number, signal?: AbortSignal): Promise<{ deleted: number }> {
  return request<{ deleted: number }>(`/api/library/documents/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: headers(false),
    signal,
  });
}

/** GET /api/library/search: ranked passages for a query. */
export function searchLibrary(
  q: string,
  options: { k?: number; library?: string | null } = {},
  signal?: AbortSignal,
): Promise<SearchResult> {
  return request<SearchResult>(
    `/api/library/search${query({ q, k: options.k, library: options.library })}`,
    { method: "GET", headers: headers(false), signal },
  );
}

/** Bytes sent so far of an upload (total 0 when the browser cannot tell). */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST /api/library/documents (multipart `files`). XMLHttpRequest, not fetch: only it reports
 * upload progress. Same headers (the API key) and the same ApiError on failure as `request`.
 */
export function uploadDocuments(
  files: readonly File[],
  options: {
    library?: string | null;
    onProgress?: (progress: UploadProgress) => void;
    signal?: AbortSignal;
  } = {},
): Promise<IngestResult> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  return new Promise<IngestResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/library/documents${query({ library: options.library })}`);
    for (const [name, value] of Object.entries(headers(false))) xhr.setRequestHeader(name, value);
    xhr.upload?.addEventListener("progress", (event: ProgressEvent) => {
      options.onProgress?.({
        loaded: event.loaded,
        total: event.lengthComputable ? event.total : 0,
      });
    });
    xhr.addEventListener("load", () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (body && typeof body === "object") resolve(body as IngestResult);
        else reject(new ApiError(xhr.status, "invalid_response", "The server answered with invalid JSON."));
        return;
      }
      const detail = (body as Partial<ErrorBody> | null)?.error;
      reject(
        new ApiError(
          xhr.status,
          typeof detail?.code === "string" ? detail.code : `http_${xhr.status}`,
          typeof detail?.message === "string" ? detail.message : xhr.statusText || "Request failed",
          typeof detail?.request_id === "string" ? detail.request_id : null,
        ),
      );
    });
    xhr.addEventListener("error", () =>
      reject(new ApiError(0, "network_error", "The upload could not reach the server.")),
    );
    xhr.addEventListener("abort", () => reject(new DOMException("Upload aborted", "AbortError")));
    if (options.signal) {
      if (options.signal.aborted) {
        reject(new DOMException("Upload aborted", "AbortError"));
        return;
      }
      options.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}
