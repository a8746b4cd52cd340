/** The chat page: there is no chat backend, so sending just adds the message to the list. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Turn } from "./api/types";
import { ApiKeySettings } from "./components/ApiKeySettings";
import { ChatInput } from "./components/ChatInput";
import { LibraryPage } from "./components/LibraryPage";

/** One turn of the page's conversation (only "user" turns today: no model answers here). */
interface Message {
  id: number;
  role: Turn["role"];
  text: string;
}

const ROLE_LABEL: Record<Turn["role"], string> = { user: "You", assistant: "Assistant" };

export function App() {
  const [messages, setMessages] = useState<Message[]>([]);
  const [keyVersion, setKeyVersion] = useState(0);
  const [view, setView] = useState<"chat" | "library">("chat");
  const nextId = useRef(1);
  const endRef = useRef<HTMLDivElement>(null);

  const send = useCallback((text: string) => {
    const id = nextId.current++;
    setMessages((previous) => [...previous, { id, role: "user", text }]);
  }, []);

  // Sent with each precompute as `history` (the hook keeps only the last turns).
  const history = useMemo<Turn[]>(
    () => messages.map((message) => ({ role: message.role, content: message.text })),
    [messages],
  );

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length]);

  return (
    <div className="app">
      <header className="app__header">
        <h1>PromptGen</h1>
        <nav className="app__nav" aria-label="Views">
          {(["chat", "library"] as const).map((name) => (
            <button
              key={name}
              type="button"
              className="app__nav-button"
              aria-current={view === name ? "page" : undefined}
              onClick={() => setView(name)}
              data-testid={`nav-${name}`}
            >
              {name === "chat" ? "Chat" : "Library"}
            </button>
          ))}
        </nav>
        <ApiKeySettings onChange={() => setKeyVersion((v) => v + 1)} />
      </header>
      {/* The sticky composer's containing block: it may cover the messages, never the header. */}
      <div className="app__body">
        <main className="app__main">
          {view === "library" && <LibraryPage reloadKey={keyVersion} autoFocus />}
          <div className="messages" hidden={view !== "chat"} role="log" aria-label="Messages" data-testid="message-list">
            {messages.length === 0 ? (
              <p className="messages__empty">
                Start typing: PromptGen shows the intent, grounding, cost and model before you send.
              </p>
            ) : (
              <ol className="messages__list" aria-label="Conversation" data-testid="conversation">
                {messages.map((message, index) => (
                  <li
                    key={message.id}
                    className={`message message--${message.role}`}
                    data-testid="message"
                    data-role={message.role}
                    aria-label={`Message ${index + 1}, ${ROLE_LABEL[message.role]}`}
                  >
                    {message.text}
                  </li>
                ))}
              </ol>
            )}
            <div ref={endRef} />
          </div>
        </main>
        <footer className="app__footer" hidden={view !== "chat"}>
          <ChatInput onSend={send} reloadKey={keyVersion} history={history} />
        </footer>
      </div>
    </div>
  );
}
