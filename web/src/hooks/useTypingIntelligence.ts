/**
 * Typing intelligence: while the user types, ask the server what it makes of the draft.
 *
 * - loads /api/config once (again only when options.reloadKey changes);
 * - feature flag off: "disabled", and precompute is never called;
 * - debounces by config.debounce_ms (DEFAULT_DEBOUNCE_MS until the config arrives);
 * - drafts shorter than config.min_chars (trimmed) are not sent: "idle";
 * - a new draft aborts the request for the previous one;
 * - an answer is only shown for the exact text it was computed for (never stale);
 * - answers are cached by exact text and history (bounded), so revisiting a draft is instant;
 * - options.history (the page's conversation, oldest first) is sent as `history`, bounded to its
 *   last HISTORY_MAX_TURNS turns and HISTORY_MAX_CHARS characters (newest kept);
 * - any failure (503, network, bad JSON, ...) is quiet: "unavailable", nothing logged or thrown.
 */
import { useEffect, useRef, useState } from "react";
import { getConfig, isAbortError, precompute } from "../api/client";
import type { Config, PrecomputeResult, Turn } from "../api/types";

export type TypingStatus = "idle" | "disabled" | "loading" | "ready" | "unavailable";

export interface TypingIntelligence {
  status: TypingStatus;
  /** The answer for `forText`; null unless status is "ready". */
  result: PrecomputeResult | null;
  /** The exact draft `result` belongs to (always the current text when set). */
  forText: string | null;
}

export interface TypingIntelligenceOptions {
  /** Change this value to fetch /api/config again (for example after the API key changed). */
  reloadKey?: unknown;
  /** Most drafts whose answers are remembered. */
  cacheSize?: number;
  /** The conversation so far, oldest first; its last turns go with each precompute. */
  history?: readonly Turn[];
}

export const DEFAULT_DEBOUNCE_MS = 250;
export const DEFAULT_MIN_CHARS = 3;
export const DEFAULT_CACHE_SIZE = 200;
/** Most turns sent as `history` (the newest). */
export const HISTORY_MAX_TURNS = 8;
/** Most characters of turn content sent as `history` in all (the newest turns kept). */
export const HISTORY_MAX_CHARS = 8_000;

/** Where the /api/config request stands: loading, flag on, flag off, or failed. */
type Phase = "loading" | "on" | "off" | "failed";

type Outcome = Pick<TypingIntelligence, "status" | "result">;

/** What the hook last decided, and for which text and phase (so a stale decision is never shown). */
interface Decision extends Outcome {
  text: string;
  /** The text and the history it was decided for (see requestKey). */
  key: string;
  phase: Phase;
}

interface Job {
  text: string;
  key: string;
  history: Turn[];
  controller: AbortController;
  timer: ReturnType<typeof setTimeout> | null;
}

const IDLE: Outcome = { status: "idle", result: null };
const DISABLED: Outcome = { status: "disabled", result: null };
const LOADING: Outcome = { status: "loading", result: null };
const UNAVAILABLE: Outcome = { status: "unavailable", result: null };

/** A Map that forgets its least recently used entries beyond `limit`. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Read without touching recency (safe during render). */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > Math.max(1, this.limit)) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }
}

/**
 * The turns sent as `history`: blank turns dropped, then the newest turns that fit in
 * `maxTurns` and `maxChars` (a newest turn longer than `maxChars` alone is cut to its start).
 */
export function boundHistory(
  history: readonly Turn[] | null | undefined,
  maxTurns = HISTORY_MAX_TURNS,
  maxChars = HISTORY_MAX_CHARS,
): Turn[] {
  const kept: Turn[] = [];
  let used = 0;
  for (let i = (history?.length ?? 0) - 1; i >= 0 && kept.length < maxTurns; i -= 1) {
    const turn = history![i]!;
    if (typeof turn?.content !== "string" || !turn.content.trim()) continue;
    if (turn.role !== "user" && turn.role !== "assistant") continue;
    const left = maxChars - used;
    if (turn.content.length <= left) {
      kept.push({ role: turn.role, content: turn.content });
      used += turn.content.length;
      continue;
    }
    if (kept.length === 0) {
      // Cut by code points so a surrogate pair is never split.
      let cut = "";
      for (const char of turn.content) {
        if (cut.length + char.length > maxChars) break;
        cut += char;
      }
      if (cut.trim()) kept.push({ role: turn.role, content: cut });
    }
    break;
  }
  return kept.reverse();
}

/** What an answer belongs to: the exact text and the exact history sent with it. */
function requestKey(text: string, historyKey: string): string {
  return `${historyKey}\u0000${text}`;
}

function finiteAtLeast(value: unknown, min: number, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= min ? value : fallback;
}

/** Tolerate a partial or odd /api/config answer: unknown values fall back to the defaults. */
export function normalizeConfig(raw: Partial<Config> | null | undefined): Config {
  const body = raw ?? {};
  return {
    typing_intelligence: body.typing_intelligence === true,
    available: body.available !== false,
    debounce_ms: finiteAtLeast(body.debounce_ms, 0, DEFAULT_DEBOUNCE_MS),
    min_chars: finiteAtLeast(body.min_chars, 1, DEFAULT_MIN_CHARS),
    max_text_chars: finiteAtLeast(body.max_text_chars, 1, Number.POSITIVE_INFINITY),
    auth_required: body.auth_required === true,
    library: typeof body.library === "string" ? body.library : "",
    version: typeof body.version === "string" ? body.version : "",
  };
}

function phaseOf(config: Config | null): Phase {
  if (!config) return "failed";
  return config.typing_intelligence ? "on" : "off";
}

/** Whether `text` has more than `limit` characters (code points, as the server counts them). */
function longerThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let count = 0;
  for (const _ of text) {
    count += 1;
    if (count > limit) return true;
  }
  return false;
}

/** The outcome that needs no request, or null when the draft should be precomputed. */
function gate(text: string, phase: Phase, config: Config | null): Outcome | null {
  if (phase === "failed") return UNAVAILABLE;
  if (phase === "off") return DISABLED;
  // The server says its engine is down: stay quiet instead of collecting 503s.
  if (config && !config.available) return UNAVAILABLE;
  const trimmed = text.trim();
  if (!trimmed || !longerThan(trimmed, (config?.min_chars ?? DEFAULT_MIN_CHARS) - 1)) return IDLE;
  if (config && longerThan(text, config.max_text_chars)) return UNAVAILABLE;
  return null;
}

function publicView(outcome: Outcome, text: string): TypingIntelligence {
  return {
    status: outcome.status,
    result: outcome.status === "ready" ? outcome.result : null,
    forText: outcome.status === "ready" && outcome.result ? text : null,
  };
}

export function useTypingIntelligence(
  text: string,
  options: TypingIntelligenceOptions = {},
): TypingIntelligence {
  const { reloadKey, cacheSize = DEFAULT_CACHE_SIZE, history } = options;
  const historyKey = JSON.stringify(boundHistory(history));
  const key = requestKey(text, historyKey);

  const [phase, setPhase] = useState<Phase>("loading");
  const [decision, setDecision] = useState<Decision>({ ...IDLE, text, key, phase: "loading" });

  const configRef = useRef<Config | null>(null);
  const configPromiseRef = useRef<Promise<Config | null> | null>(null);
  const cacheRef = useRef<LruCache<string, PrecomputeResult> | null>(null);
  if (cacheRef.current === null) cacheRef.current = new LruCache(cacheSize);
  const jobRef = useRef<Job | null>(null);
  const latestKeyRef = useRef(key);
  const mountedRef = useRef(false);

  // Load /api/config (once; again only when reloadKey changes).
  useEffect(() => {
    const controller = new AbortController();
    configRef.current = null;
    setPhase("loading");
    const promise = getConfig(controller.signal).then(
      (raw) => normalizeConfig(raw),
      () => null,
    );
    configPromiseRef.current = promise;
    void promise.then((config) => {
      if (controller.signal.aborted) return;
      configRef.current = config;
      setPhase(phaseOf(config));
    });
    return () => controller.abort();
  }, [reloadKey]);

  // Abort whatever is pending when the component goes away.
  useEffect(() => {
    mountedRef.current = true;
    return () => {
      mountedRef.current = false;
      cancel(jobRef.current);
      jobRef.current = null;
    };
  }, []);

  // React to the draft (and to the config arriving).
  useEffect(() => {
    const cache = cacheRef.current!;
    latestKeyRef.current = key;

    const decide = (outcome: Outcome, forText: string, forKey: string, forPhase: Phase) => {
      if (!mountedRef.current || latestKeyRef.current !== forKey) return;
      setDecision((previous) =>
        previous.status === outcome.status &&
        previous.result === outcome.result &&
        previous.key === forKey &&
        previous.phase === forPhase
          ? previous
          : { ...outcome, text: forText, key: forKey, phase: forPhase },
      );
    };
    const stop = () => {
      cancel(jobRef.current);
      jobRef.current = null;
    };

    if (jobRef.current && jobRef.current.key !== key) stop();

    const gated = gate(text, phase, configRef.current);
    if (gated) {
      stop();
      decide(gated, text, key, phase);
      return;
    }
    const cached = cache.get(key);
    if (cached) {
      stop();
      decide({ status: "ready", result: cached }, text, key, phase);
      return;
    }
    decide(LOADING, text, key, phase);
    if (jobRef.current) return; // already working on this very text (the config just arrived)

    const job: Job = {
      text,
      key,
      history: JSON.parse(historyKey) as Turn[],
      controller: new AbortController(),
      timer: null,
    };
    jobRef.current = job;
    const delay = configRef.current?.debounce_ms ?? DEFAULT_DEBOUNCE_MS;

    const run = async () => {
      job.timer = null;
      const config = configRef.current ?? (await configPromiseRef.current) ?? null;
      if (job.controller.signal.aborted || jobRef.current !== job) return;
      const jobPhase = phaseOf(config);
      const late = gate(job.text, jobPhase, config);
      if (late) {
        jobRef.current = null;
        decide(late, job.text, job.key, jobPhase);
        return;
      }
      try {
        const result = await precompute(job.text, job.controller.signal, job.history);
        cache.set(job.key, result);
        if (jobRef.current === job) jobRef.current = null;
        if (!job.controller.signal.aborted) {
          decide({ status: "ready", result }, job.text, job.key, jobPhase);
        }
      } catch (error) {
        if (jobRef.current === job) jobRef.current = null;
        if (job.controller.signal.aborted || isAbortError(error)) return;
        decide(UNAVAILABLE, job.text, job.key, jobPhase);
      }
    };
    job.timer = setTimeout(() => {
      run().catch(() => undefined); // never surfaces: failures are reported as "unavailable"
    }, delay);
  }, [text, key, historyKey, phase]);

  // Never show a decision made for another text or config state: derive what it would be now.
  if (decision.key === key && decision.phase === phase) return publicView(decision, text);
  const gated = gate(text, phase, configRef.current);
  if (gated) return publicView(gated, text);
  const cached = cacheRef.current.peek(key);
  if (cached) return publicView({ status: "ready", result: cached }, text);
  return publicView(LOADING, text);
}

function cancel(job: Job | null): void {
  if (!job) return;
  if (job.timer !== null) clearTimeout(job.timer);
  job.timer = null;
  job.controller.abort();
}
