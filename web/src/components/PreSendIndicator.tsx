/**
 * The quiet pre-send indicator beside the send button: what PromptGen makes of the draft.
 * It only renders what useTypingIntelligence decided; it never blocks sending.
 */
import type { PrecomputeResult } from "../api/types";
import { formatCount, formatPercent, formatUsd, plural } from "../format";
import type { TypingStatus } from "../hooks/useTypingIntelligence";
import { DraftWarnings } from "./DraftWarnings";

export interface PreSendIndicatorProps {
  status: TypingStatus;
  result: PrecomputeResult | null;
  /** The exact draft `result` was computed for: its warnings are highlighted in it. */
  draft?: string | null;
}

const MAX_SUGGESTIONS = 3;
// Refusals that only mean the draft is too short to judge yet: worded as a wait, not a verdict.
const WAITING_CODES = new Set(["no_query_terms", "too_few_terms"]);

export function PreSendIndicator({ status, result, draft }: PreSendIndicatorProps) {
  if (status === "idle" || status === "disabled") return null;

  if (status === "loading" || (status === "ready" && !result)) {
    return (
      <div
        className="indicator indicator--loading"
        role="status"
        aria-live="polite"
        data-testid="pre-send-indicator"
        data-state="loading"
      >
        <span aria-hidden="true">…</span>
        <span className="sr-only">Analyzing draft</span>
      </div>
    );
  }

  if (status === "unavailable" || !result) {
    return (
      <div
        className="indicator indicator--unavailable"
        role="status"
        aria-live="polite"
        data-testid="pre-send-indicator"
        data-state="unavailable"
        title="Typing intelligence is unavailable right now. Sending still works."
      >
        unavailable
      </div>
    );
  }

  const { intent, tokens, model, refusal, context } = result;
  const waiting = !result.grounded && refusal !== null && WAITING_CODES.has(refusal.code);
  const state = result.grounded ? "grounded" : waiting ? "waiting" : "refused";
  const totalTokens = tokens.prompt + tokens.estimated_output;
  const suggestions = result.suggestions.slice(0, MAX_SUGGESTIONS);

  return (
    <div
      className={`indicator indicator--${state}`}
      role="status"
      aria-live="polite"
      data-testid="pre-send-indicator"
      data-state={state}
    >
      <div className="indicator__row">
        <span className="indicator__intent" data-testid="indicator-intent" title="Detected intent">
          {intent.label} <span className="indicator__muted">{formatPercent(intent.confidence)}</span>
        </span>
        {result.grounded ? (
          <span
            className="indicator__grounding"
            data-testid="indicator-sources"
            title={`Grounding confidence ${formatPercent(result.confidence)}`}
          >
            Grounded · {plural(context.length, "source")}
          </span>
        ) : (
          <span
            className="indicator__refusal"
            data-testid="indicator-refusal"
            data-refusal-code={refusal?.code ?? "not_grounded"}
          >
            {waiting ? "Not yet grounded" : "Refused"}:{" "}
            {refusal?.reason ?? "no supporting sources"}
          </span>
        )}
        <span
          className="indicator__cost"
          data-testid="indicator-cost"
          title={`${formatCount(tokens.prompt)} prompt + ~${formatCount(tokens.estimated_output)} output tokens (${tokens.tokenizer}${tokens.exact ? "" : ", estimated"})`}
        >
          {tokens.exact ? "" : "≈"}
          {plural(totalTokens, "token")} · {formatUsd(model.estimated_cost_usd)}
        </span>
        <span className="indicator__model" data-testid="indicator-model" title={model.reason}>
          {model.id}
        </span>
      </div>
      {context.length > 0 && (
        <details className="indicator__details">
          <summary>Sources</summary>
          <ol className="indicator__sources">
            {context.map((item, index) => (
              <li key={`${item.id}-${index}`}>
                <details className="indicator__source" data-testid="indicator-source">
                  <summary>
                    <span className="indicator__source-title">{item.title || item.source}</span>{" "}
                    <span className="indicator__muted">
                      {item.source} · score {formatPercent(item.score)}
                    </span>
                  </summary>
                  <dl className="indicator__passage-meta">
                    <dt>Document</dt>
                    <dd data-testid="source-document">{item.source}</dd>
                    <dt>Heading</dt>
                    <dd data-testid="source-heading">{item.title || "—"}</dd>
                  </dl>
                  <blockquote className="indicator__passage" data-testid="source-passage">
                    {item.text}
                  </blockquote>
                </details>
              </li>
            ))}
          </ol>
        </details>
      )}
      {draft != null && <DraftWarnings draft={draft} warnings={result.warnings} />}
      {suggestions.length > 0 && (
        <ul className="indicator__suggestions" aria-label="Suggestions">
          {suggestions.map((suggestion) => (
            <li key={suggestion}>{suggestion}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
