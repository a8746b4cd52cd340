/**
 * Secrets and personal data found in the draft (POST /api/precompute `warnings`): each named by
 * kind with the server's masked preview (never the whole value), and its span highlighted in a
 * read-only mirror of the draft.
 */
import { Fragment } from "react";
import type { PrecomputeResult } from "../api/types";
import { codePointToUtf16 } from "../diff";

type Warning = PrecomputeResult["warnings"][number];

export interface DraftWarningsProps {
  /** The exact draft the warnings were computed for. */
  draft: string;
  warnings: Warning[];
}

/** The draft cut into plain and highlighted pieces (spans counted in code points, like the server). */
function pieces(draft: string, warnings: Warning[]) {
  const spans = warnings
    .map((warning, index) => ({
      index,
      start: codePointToUtf16(draft, warning.start),
      end: codePointToUtf16(draft, warning.end),
    }))
    .filter((span) => span.end > span.start)
    .sort((x, y) => x.start - y.start);
  const out: { text: string; warning: number | null }[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue; // overlapping: the earlier span is already highlighted
    if (span.start > at) out.push({ text: draft.slice(at, span.start), warning: null });
    out.push({ text: draft.slice(span.start, span.end), warning: span.index });
    at = span.end;
  }
  if (at < draft.length) out.push({ text: draft.slice(at), warning: null });
  return out;
}

export function DraftWarnings({ draft, warnings }: DraftWarningsProps) {
  if (warnings.length === 0) return null;
  return (
    <div className="draft-warnings" data-testid="draft-warnings">
      <ul className="draft-warnings__list" aria-label="Sensitive data in the draft">
        {warnings.map((warning, index) => (
          <li
            key={`${warning.kind}-${warning.start}-${index}`}
            data-testid="draft-warning"
            data-kind={warning.kind}
            data-category={warning.category}
          >
            <span aria-hidden="true">⚠ </span>
            {warning.category === "secret" ? "Secret" : "Personal data"}: {warning.kind}{" "}
            <code className="draft-warnings__preview">{warning.preview}</code>
          </li>
        ))}
      </ul>
      <p className="draft-warnings__mirror" data-testid="draft-warning-mirror">
        <span className="sr-only">Draft with sensitive data highlighted: </span>
        {pieces(draft, warnings).map((piece, index) =>
          piece.warning === null ? (
            <span key={index}>{piece.text}</span>
          ) : (
            <Fragment key={index}>
              <span className="sr-only">[{warnings[piece.warning]!.kind}: </span>
              <mark data-testid="draft-warning-span" data-kind={warnings[piece.warning]!.kind}>
                {piece.text}
              </mark>
              <span className="sr-only">]</span>
            </Fragment>
          ),
        )}
      </p>
    </div>
  );
}
