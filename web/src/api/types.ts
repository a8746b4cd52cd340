/**
 * Shapes of the PromptGen HTTP API, generated: every server shape here is an alias into
 * ./schema.d.ts, which openapi-typescript generates from web/openapi.json, which
 * scripts/export_openapi.py exports from the server's pydantic models (src/promptgen/wire.py
 * for the precompute answer, src/promptgen/server/schemas.py for the rest).
 *
 * Do not write server shapes by hand. After changing those models, regenerate both files with
 * `make types` (repository root). `make types-check` (part of `make test`) fails while either
 * is stale; so does tests/server/test_openapi_current.py for openapi.json.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

/** GET /api/config. */
export type Config = Schemas["ConfigOut"];

/** POST /api/precompute: the answer. */
export type PrecomputeResult = Schemas["PrecomputeResponse"];
export type PrecomputeRequest = Schemas["PrecomputeRequest"];
export type PrecomputeOptions = Schemas["PrecomputeOptionsIn"];
/** One turn of the conversation so far, sent as `history` (oldest first). */
export type Turn = Schemas["TurnIn"];
export type Intent = Schemas["IntentOut"];
export type ContextItem = Schemas["ContextOut"];
export type Refusal = Schemas["RefusalOut"];
export type Tokens = Schemas["TokensOut"];
/** `strong_benefit` is null when the request named the model (the router did not run). */
export type ModelChoice = Schemas["ModelOut"];
export type ModelAlternative = Schemas["AlternativeOut"];
/** Milliseconds per stage: intent, retrieve, ground, optimize, cost and total. */
export type Timings = Schemas["TimingsOut"];

/** Every non-2xx response body. */
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorDetail = Schemas["ErrorDetail"];

// Client-only types (never sent by the server) go below, written by hand.

/** The Library endpoints (/api/library/*). */
export type LibraryDocument = Schemas["DocumentOut"];
export type DocumentList = Schemas["DocumentList"];
export type IngestResult = Schemas["IngestOut"];
export type SearchHit = Schemas["HitOut"];
export type SearchResult = Schemas["SearchOut"];
