/** The chat page: there is no chat backend, so sending just adds the message to the list. */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiKeySettings } from "./components/ApiKeySettings";
import { ChatInput } from "./components/ChatInput";

interface Message {
  id: number;
  text: string;
}

export function App() {
  const [messages, setMessages] = useState<Message[]>([]);
  const [keyVersion, setKeyVersion] = useState(0);
  const nextId = useRef(1);
  const endRef = useRef<HTMLDivElement>(null);

  const send = useCallback((text: string) => {
    const id = nextId.current++;
    setMessages((previous) => [...previous, { id, text }]);
  }, []);

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length]);

  return (
    <div className="app">
      <header className="app__header">
        <h1>PromptGen</h1>
        <ApiKeySettings onChange={() => setKeyVersion((v) => v + 1)} />
      </header>
      <main className="app__main">
        <div className="messages" role="log" aria-label="Messages" data-testid="message-list">
          {messages.length === 0 ? (
            <p className="messages__empty">
              Start typing: PromptGen shows the intent, grounding, cost and model before you send.
            </p>
          ) : (
            <ol className="messages__list">
              {messages.map((message) => (
                <li key={message.id} className="message" data-testid="message">
                  {message.text}
                </li>
              ))}
            </ol>
          )}
          <div ref={endRef} />
        </div>
      </main>
      <footer className="app__footer">
        <ChatInput onSend={send} reloadKey={keyVersion} />
      </footer>
    </div>
  );
}
