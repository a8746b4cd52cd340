/**
 * The server's default Library (the one a request that names none uses), by name, from
 * GET /api/config. Asked once; asked again when `reloadKey` changes (a new API key) until it is
 * known, since a config the server refused (401 without a key) may be given with the next key.
 */
import { useEffect, useState } from "react";
import { getConfig, libraryNameError } from "../api/client";

export type DefaultLibrary =
  /** The config has not answered yet (for this reloadKey). */
  | { state: "loading" }
  /** The server's default Library is called `name`. */
  | { state: "known"; name: string }
  /** The config could not be loaded, or names no Library the API would take by name. */
  | { state: "unknown" };

/** The name `config.library` gives, when the API would take it as a `library` parameter. */
function nameFrom(config: unknown): string | null {
  const raw = (config as { library?: unknown } | null)?.library;
  const name = typeof raw === "string" ? raw.trim() : "";
  return name && libraryNameError(name) === null ? name : null;
}

export function useDefaultLibrary(reloadKey = 0): DefaultLibrary {
  // The answer, and the reloadKey it was asked for: an older one reads as still loading.
  const [answer, setAnswer] = useState<{ key: number; name: string | null } | null>(null);
  const known = answer?.name ?? null;

  useEffect(() => {
    if (known !== null) return; // the server's default does not change with the API key
    const controller = new AbortController();
    getConfig(controller.signal).then(
      (config) => {
        if (!controller.signal.aborted) setAnswer({ key: reloadKey, name: nameFrom(config) });
      },
      () => {
        if (!controller.signal.aborted) setAnswer({ key: reloadKey, name: null });
      },
    );
    return () => controller.abort();
  }, [reloadKey, known]);

  if (known !== null) return { state: "known", name: known };
  if (answer === null || answer.key !== reloadKey) return { state: "loading" };
  return { state: "unknown" };
}
