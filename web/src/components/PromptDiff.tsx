/**
 * A preview of what "Use optimized prompt" would put in the message box: the draft against the
 * optimized prompt, word by word, with insertions in <ins> and deletions in <del> (each also
 * named for screen readers). Everything is rendered as text, never as HTML.
 */
import { Fragment, useId, useMemo } from "react";
import { diffWords } from "../diff";

export interface PromptDiffProps {
  /** The draft in the message box. */
  before: string;
  /** The optimized prompt that would replace it. */
  after: string;
  id?: string;
}

export function PromptDiff({ before, after, id }: PromptDiffProps) {
  const parts = useMemo(() => diffWords(before, after), [before, after]);
  const headingId = useId();
  return (
    <section className="prompt-diff" aria-labelledby={headingId} data-testid="prompt-diff" id={id}>
      <h2 id={headingId} className="prompt-diff__title">
        Optimized prompt preview{" "}
        <span className="prompt-diff__legend">
          (<ins>added</ins> · <del>removed</del>)
        </span>
      </h2>
      <div
        className="prompt-diff__body"
        data-testid="prompt-diff-body"
        // Scrollable: focusable so that keyboard users can scroll it (axe scrollable-region-focusable).
        tabIndex={0}
        role="region"
        aria-label="Optimized prompt text"
      >
        {parts.map((part, index) => {
          if (part.op === "equal") return <span key={index}>{part.text}</span>;
          if (part.op === "insert")
            return (
              <Fragment key={index}>
                <span className="sr-only">[added: </span>
                <ins>{part.text}</ins>
                <span className="sr-only">]</span>
              </Fragment>
            );
          return (
            <Fragment key={index}>
              <span className="sr-only">[removed: </span>
              <del>{part.text}</del>
              <span className="sr-only">]</span>
            </Fragment>
          );
        })}
      </div>
    </section>
  );
}
