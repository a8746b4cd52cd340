/**
 * The message box: Enter sends, Shift+Enter adds a line. The pre-send indicator sits beside the
 * send button and never gets in the way: sending behaves the same whatever it shows.
 */
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Turn } from "../api/types";
import { useTypingIntelligence } from "../hooks/useTypingIntelligence";
import { PreSendIndicator } from "./PreSendIndicator";
import { PromptDiff } from "./PromptDiff";

export interface ChatInputProps {
  onSend: (text: string) => void;
  /** Passed to useTypingIntelligence: change it to reload /api/config (e.g. new API key). */
  reloadKey?: unknown;
  /** The conversation so far (oldest first): its last turns go with each precompute. */
  history?: readonly Turn[];
}

/** The draft before "Use optimized prompt", and the optimized text that replaced it. */
interface Swap {
  previous: string;
  applied: string;
}

export function ChatInput({ onSend, reloadKey, history }: ChatInputProps) {
  const [draft, setDraft] = useState("");
  const [swap, setSwap] = useState<Swap | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const intelligence = useTypingIntelligence(draft, { reloadKey, history });
  const { status, result, forText } = intelligence;

  const undoable = swap !== null && swap.applied === draft;
  const optimized =
    !undoable && status === "ready" && result?.grounded && forText === draft
      ? result.optimized_prompt
      : null;

  const send = () => {
    const text = draft.trim();
    if (!text) return;
    onSend(text);
    setDraft("");
    setSwap(null);
    textareaRef.current?.focus();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  const applyOptimized = () => {
    if (!optimized) return;
    setSwap({ previous: draft, applied: optimized });
    setDraft(optimized);
    textareaRef.current?.focus();
  };

  const undo = () => {
    if (!swap) return;
    setDraft(swap.previous);
    setSwap(null);
    textareaRef.current?.focus();
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <textarea
        ref={textareaRef}
        className="composer__input"
        aria-label="Message"
        aria-describedby={hintId}
        data-testid="chat-input"
        data-intelligence={status}
        placeholder="Write a message…"
        rows={3}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer__bar">
        <div className="composer__indicator">
          <PreSendIndicator status={status} result={result} draft={forText} />
        </div>
        <div className="composer__actions">
          {optimized && (
            <button
              type="button"
              className="button button--quiet"
              data-testid="use-optimized"
              onClick={applyOptimized}
            >
              Use optimized prompt
            </button>
          )}
          {undoable && (
            <button
              type="button"
              className="button button--quiet"
              data-testid="undo-optimized"
              onClick={undo}
            >
              Undo
            </button>
          )}
          <button type="submit" className="button button--primary" data-testid="send-button">
            Send
          </button>
        </div>
      </div>
      {optimized && <PromptDiff before={draft} after={optimized} />}
      <p id={hintId} className="composer__hint">
        Enter to send · Shift+Enter for a new line
      </p>
    </form>
  );
}
