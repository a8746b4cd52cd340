/**
 * The optional API key, kept in this browser's localStorage (never in the built page).
 * Only needed when the server is started with API keys.
 */
import { useId, useState, type FormEvent } from "react";
import { getApiKey, setApiKey } from "../api/client";

export interface ApiKeySettingsProps {
  /** Called after the key was saved or cleared. */
  onChange?: (hasKey: boolean) => void;
}

export function ApiKeySettings({ onChange }: ApiKeySettingsProps) {
  const [hasKey, setHasKey] = useState(() => getApiKey() !== null);
  const [value, setValue] = useState("");
  const inputId = useId();

  const save = (event: FormEvent) => {
    event.preventDefault();
    setApiKey(value);
    const stored = getApiKey() !== null;
    setHasKey(stored);
    setValue("");
    onChange?.(stored);
  };

  const clear = () => {
    setApiKey(null);
    setHasKey(false);
    setValue("");
    onChange?.(false);
  };

  return (
    <details className="settings" data-testid="api-key-settings">
      <summary>API key</summary>
      <form className="settings__form" onSubmit={save}>
        <label htmlFor={inputId}>API key</label>
        <input
          id={inputId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={hasKey ? "A key is set (enter a new one to replace it)" : "Paste your key"}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          data-testid="api-key-input"
        />
        <button type="submit" className="button" disabled={!value.trim()}>
          Save
        </button>
        <button type="button" className="button button--quiet" onClick={clear} disabled={!hasKey}>
          Clear
        </button>
        <p className="settings__note" aria-live="polite">
          {hasKey ? "A key is stored in this browser." : "No key stored."} Only needed when the
          server requires one.
        </p>
      </form>
    </details>
  );
}
