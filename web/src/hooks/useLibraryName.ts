/**
 * The Library page's "Library name" field: what is typed, whether the API would take it, and the
 * name requests use. A name the API would take is remembered in this browser (like the API key);
 * a blank field is the server's default Library and forgets the stored name.
 */
import { useCallback, useState } from "react";
import { getLibraryName, libraryNameError, setLibraryName } from "../api/client";

export interface LibraryName {
  /** The field's text, as typed. */
  text: string;
  /** Why the API would refuse the trimmed text; null when it is blank or a valid name. */
  error: string | null;
  /** The name to send (trimmed); null for the server's default or while `error` is set. */
  library: string | null;
  /** Type into the field: remembers the name once it is valid (or forgets it when blank). */
  setText: (text: string) => void;
}

export function useLibraryName(): LibraryName {
  const [text, setTextState] = useState(() => getLibraryName() ?? "");
  const setText = useCallback((next: string) => {
    setTextState(next);
    const name = next.trim();
    if (!name || libraryNameError(name) === null) setLibraryName(name || null);
  }, []);
  const name = text.trim();
  const error = name ? libraryNameError(name) : null;
  return { text, error, library: error || !name ? null : name, setText };
}
