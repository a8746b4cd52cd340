/** Shapes of the PromptGen HTTP API (see docs/api.md and promptgen/server/schemas.py). */

export interface Config {
  typing_intelligence: boolean;
  /** False when the server could not build its engine: precompute would answer 503. */
  available: boolean;
  debounce_ms: number;
  min_chars: number;
  max_text_chars: number;
  auth_required: boolean;
  version: string;
}

export interface Intent {
  label: string;
  confidence: number;
  scores: Record<string, number>;
}

export interface ContextItem {
  id: number;
  source: string;
  title: string;
  text: string;
  score: number;
}

export interface Refusal {
  code: string;
  reason: string;
}

export interface Tokens {
  prompt: number;
  context: number;
  estimated_output: number;
  tokenizer: string;
  exact: boolean;
}

export interface ModelAlternative {
  id: string;
  estimated_cost_usd: number;
  fits_context: boolean;
}

export interface ModelChoice {
  id: string;
  reason: string;
  estimated_cost_usd: number;
  /** The router's 0..1 estimate of how much the strong tier helps on this draft. */
  strong_benefit: number;
  alternatives: ModelAlternative[];
}

export interface PrecomputeResult {
  request_id: string;
  version: string;
  intent: Intent;
  grounded: boolean;
  confidence: number;
  context: ContextItem[];
  optimized_prompt: string | null;
  suggestions: string[];
  refusal: Refusal | null;
  tokens: Tokens;
  model: ModelChoice;
  timings_ms: Record<string, number>;
}

/** Every non-2xx response body. */
export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}
