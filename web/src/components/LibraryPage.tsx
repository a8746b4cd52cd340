/**
 * The Library page: choose the Library by name, upload documents (file picker or drag and drop,
 * with progress, cancellable), list them page by page, delete one (after a confirmation) and
 * search the passages. Every call goes through ../api/client, so the stored API key is sent.
 * With no name, uploads and searches go to the server's default Library and the list asks for
 * it by the name GET /api/config gives (without that name: every Library the key may use).
 */
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type DragEvent,
  type FormEvent,
} from "react";
import {
  ApiError,
  deleteDocument,
  isAbortError,
  listDocuments,
  searchLibrary,
  uploadDocuments,
  type DocumentList,
  type IngestResult,
  type LibraryDocument,
  type SearchHit,
} from "../api/client";
import { useDefaultLibrary } from "../hooks/useDefaultLibrary";
import { useLibraryName } from "../hooks/useLibraryName";

export const PAGE_SIZE = 20;

export interface LibraryPageProps {
  /** Changes when the API key was saved or cleared: the list is loaded again. */
  reloadKey?: number;
  /** Focus the page heading once mounted (after switching to this view). */
  autoFocus?: boolean;
}

/** A sentence for a person; 401/403 say where to set the key. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401)
      return `The server needs an API key: set one under “API key” at the top of the page. (${error.message})`;
    if (error.status === 403)
      return `This API key may not do that: set another one under “API key” at the top of the page, or name a Library it may use in “Library name”. (${error.message})`;
    if (error.status === 0) return `The server could not be reached. (${error.message})`;
    return `${error.message} (${error.status} ${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function summarize(result: IngestResult): string {
  const parts = [
    `${result.added} added`,
    `${result.updated} updated`,
    `${result.unchanged} unchanged`,
    `${result.chunks} passages`,
  ];
  return `Upload finished: ${parts.join(", ")}.`;
}

type Upload =
  | { state: "idle" }
  // `library`: where it goes, for the progress line (the default's name when known, else null).
  | { state: "sending"; names: string[]; library: string | null; loaded: number; total: number }
  | { state: "done"; result: IngestResult }
  | { state: "cancelled" }
  | { state: "failed"; message: string };

/** Where an upload goes, for its progress line. */
function destination(library: string | null): string {
  return library ? ` to the Library “${library}”` : "";
}

export function LibraryPage({ reloadKey = 0, autoFocus = false }: LibraryPageProps) {
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const fileInputRef = useRef<HTMLInputElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  const libraryName = useLibraryName();
  const { error: libraryError, library } = libraryName;
  const defaultLibrary = useDefaultLibrary(reloadKey);
  const defaultName = defaultLibrary.state === "known" ? defaultLibrary.name : null;
  // The Library the list asks for: the typed name, else the server's default by name; null when
  // that name is unknown (the server then lists every Library the key may use).
  const listLibrary = library ?? defaultName;
  // No name typed and the config not answered yet: the list waits for it (one request, not two).
  const awaitingDefault = library === null && defaultLibrary.state === "loading";

  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<DocumentList | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [listVersion, setListVersion] = useState(0);

  const [upload, setUpload] = useState<Upload>({ state: "idle" });
  const [dragging, setDragging] = useState(false);
  const uploadAbort = useRef<AbortController | null>(null);
  // Where the focus goes once an upload starts or ends: the control it was on goes away (Cancel)
  // or is disabled (the file input).
  const focusAfterUpload = useRef<"cancel" | "files" | null>(null);

  const [confirming, setConfirming] = useState<number | null>(null);
  const [deleteStatus, setDeleteStatus] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [refocus, setRefocus] = useState<number | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  const [queryText, setQueryText] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searchedFor, setSearchedFor] = useState("");
  const [searchError, setSearchError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);

  useEffect(() => {
    if (autoFocus) headingRef.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    if (libraryError) {
      setLoading(false);
      return;
    }
    setLoading(true);
    if (awaitingDefault) return;
    const controller = new AbortController();
    listDocuments({ library: listLibrary, limit: PAGE_SIZE, offset }, controller.signal)
      .then((answer) => {
        setPage(answer);
        setListError(null);
        // Deleting the last document of a page: show the page before.
        if (answer.documents.length === 0 && offset > 0 && answer.total > 0) {
          setOffset(Math.max(0, Math.floor((answer.total - 1) / PAGE_SIZE) * PAGE_SIZE));
        }
      })
      .catch((error: unknown) => {
        if (!isAbortError(error)) setListError(describeError(error));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [listLibrary, awaitingDefault, libraryError, offset, listVersion, reloadKey]);

  useEffect(() => {
    const next = focusAfterUpload.current;
    focusAfterUpload.current = null;
    if (next === "cancel") cancelRef.current?.focus();
    else if (next === "files") fileInputRef.current?.focus();
  }, [upload.state]);

  // Cancelling a delete puts the focus back on that document's Delete button.
  useEffect(() => {
    if (refocus === null) return;
    rootRef.current
      ?.querySelector<HTMLButtonElement>(`[data-testid="delete-document"][data-doc-id="${refocus}"]`)
      ?.focus();
    setRefocus(null);
  }, [refocus]);

  const reload = useCallback(() => setListVersion((v) => v + 1), []);

  const send = useCallback(
    (files: File[]) => {
      // One upload at a time (the file input is disabled meanwhile): Cancel aborts that one.
      if (files.length === 0 || uploadAbort.current) return;
      if (libraryError) {
        setUpload({ state: "failed", message: `Not uploaded: ${libraryError}` });
        return;
      }
      const controller = new AbortController();
      uploadAbort.current = controller;
      if (document.activeElement === fileInputRef.current) focusAfterUpload.current = "cancel";
      const names = files.map((f) => f.name);
      setUpload({ state: "sending", names, library: library ?? defaultName, loaded: 0, total: 0 });
      const settle = (next: Upload) => {
        uploadAbort.current = null;
        if (fileInputRef.current) fileInputRef.current.value = "";
        if (document.activeElement === cancelRef.current) focusAfterUpload.current = "files";
        setUpload(next);
      };
      uploadDocuments(files, {
        library,
        signal: controller.signal,
        onProgress: ({ loaded, total }) =>
          setUpload((previous) =>
            previous.state === "sending" ? { ...previous, loaded, total } : previous,
          ),
      })
        .then((result) => {
          settle({ state: "done", result });
          reload();
        })
        .catch((error: unknown) => {
          if (!isAbortError(error)) {
            settle({ state: "failed", message: describeError(error) });
            return;
          }
          // The server ingests a request whole or not at all: it may have finished before the
          // abort reached it, so the list is read again.
          settle({ state: "cancelled" });
          reload();
        });
    },
    [library, defaultName, libraryError, reload],
  );

  const cancelUpload = () => uploadAbort.current?.abort();

  const chooseLibrary = (text: string) => {
    libraryName.setText(text);
    setOffset(0);
    setPage(null);
    setListError(null);
    setConfirming(null);
    setDeleteStatus(null);
    setDeleteError(null);
    setHits(null);
    setSearchError(null);
    setUpload((previous) => (previous.state === "sending" ? previous : { state: "idle" }));
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    send(Array.from(event.dataTransfer?.files ?? []));
  };

  const confirmDelete = (doc: LibraryDocument) => {
    setDeleteError(null);
    deleteDocument(doc.id)
      .then(() => {
        setConfirming(null);
        setDeleteStatus(`Deleted ${doc.source}.`);
        listHeadingRef.current?.focus();
        reload();
      })
      .catch((error: unknown) => setDeleteError(describeError(error)));
  };

  const search = (event: FormEvent) => {
    event.preventDefault();
    const q = queryText.trim();
    if (!q || libraryError) return;
    setSearching(true);
    searchLibrary(q, { k: 10, library })
      .then((answer) => {
        setHits(answer.hits);
        setSearchedFor(q);
        setSearchError(null);
      })
      .catch((error: unknown) => {
        setHits(null);
        setSearchError(describeError(error));
      })
      .finally(() => setSearching(false));
  };

  const total = libraryError ? 0 : (page?.total ?? 0);
  const documents = libraryError ? [] : (page?.documents ?? []);
  // Listed without a name (the default's is unknown): every Library the key may use, so each row
  // says which. Listed by name, the column would repeat it.
  const showLibrary = listLibrary === null;
  let countText = `Showing ${offset + 1}–${offset + documents.length} of ${total}.`;
  if (libraryError) countText = "Fix the Library name above to see its documents.";
  else if (loading && !page) countText = "Loading…";
  else if (total === 0) countText = "The Library is empty.";
  const percent =
    upload.state === "sending" && upload.total > 0
      ? Math.round((upload.loaded / upload.total) * 100)
      : null;

  return (
    <div ref={rootRef} className="library" data-testid="library-page">
      <h2 ref={headingRef} tabIndex={-1} className="library__heading">
        Library
      </h2>

      <div className="library__picker">
        <label htmlFor={`${ids}-library`}>Library name</label>
        <input
          id={`${ids}-library`}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={
            defaultName ? `${defaultName} (the server's default)` : "the server's default"
          }
          value={libraryName.text}
          onChange={(event) => chooseLibrary(event.target.value)}
          aria-invalid={libraryError ? true : undefined}
          aria-describedby={`${ids}-library-hint${libraryError ? ` ${ids}-library-error` : ""}`}
          data-testid="library-name-input"
        />
        <p id={`${ids}-library-hint`} className="library__muted" data-testid="library-name-hint">
          Uploads, searches and the list use this Library; remembered in this browser. Empty: the
          server's default Library
          {defaultName
            ? `, “${defaultName}”.`
            : " (the list then shows every Library your key may use)."}
        </p>
        <div aria-live="polite">
          {libraryError && (
            <p
              id={`${ids}-library-error`}
              className="library__error"
              data-testid="library-name-error"
            >
              {libraryError} Nothing is sent until it is fixed.
            </p>
          )}
        </div>
      </div>

      <section className="library__section" aria-labelledby={`${ids}-upload`}>
        <h3 id={`${ids}-upload`}>Upload documents</h3>
        <div
          className={`dropzone${dragging ? " dropzone--active" : ""}`}
          data-testid="library-dropzone"
          onDragEnter={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label htmlFor={`${ids}-files`}>Choose files to upload</label>
          <input
            ref={fileInputRef}
            id={`${ids}-files`}
            type="file"
            multiple
            aria-describedby={`${ids}-drop-hint`}
            disabled={upload.state === "sending" || libraryError !== null}
            onChange={(event) => send(Array.from(event.target.files ?? []))}
            data-testid="library-file-input"
          />
          <p id={`${ids}-drop-hint`} className="dropzone__hint">
            or drop files here (Markdown, text, HTML, PDF…). They are added to the Library at once.
          </p>
        </div>
        <div aria-live="polite" data-testid="upload-status">
          {upload.state === "sending" && (
            <p>
              <label htmlFor={`${ids}-progress`}>
                Uploading {upload.names.join(", ")}
                {destination(upload.library)}
              </label>{" "}
              <progress
                id={`${ids}-progress`}
                max={100}
                value={percent ?? undefined}
                data-testid="upload-progress"
              />{" "}
              {percent !== null ? `${percent} %` : ""}
            </p>
          )}
          {upload.state === "cancelled" && (
            <p>
              Upload cancelled. The Library is either unchanged or fully updated with these files.
            </p>
          )}
          {upload.state === "done" && (
            <>
              <p>{summarize(upload.result)}</p>
              {upload.result.failed.length > 0 && (
                <ul className="library__failed">
                  {upload.result.failed.map((failure, index) => (
                    <li key={index}>
                      Not added: {Object.values(failure).join(": ")}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
        {upload.state === "sending" && (
          <button
            ref={cancelRef}
            type="button"
            className="button"
            onClick={cancelUpload}
            data-testid="cancel-upload"
          >
            Cancel upload
          </button>
        )}
        {upload.state === "failed" && (
          <p role="alert" className="library__error" data-testid="upload-error">
            {upload.message}
          </p>
        )}
      </section>

      <section className="library__section" aria-labelledby={`${ids}-search`}>
        <h3 id={`${ids}-search`}>Search</h3>
        <form role="search" className="library__search" onSubmit={search}>
          <label htmlFor={`${ids}-q`}>Search the Library</label>
          <input
            id={`${ids}-q`}
            type="search"
            value={queryText}
            onChange={(event) => setQueryText(event.target.value)}
            data-testid="library-search-input"
          />
          <button
            type="submit"
            className="button"
            disabled={!queryText.trim() || searching || libraryError !== null}
          >
            Search
          </button>
        </form>
        {searchError && (
          <p role="alert" className="library__error" data-testid="search-error">
            {searchError}
          </p>
        )}
        <div aria-live="polite">
          {hits !== null && (
            <p data-testid="search-summary">
              {hits.length === 0
                ? `No passages found for “${searchedFor}”.`
                : `${hits.length} passage${hits.length === 1 ? "" : "s"} for “${searchedFor}”.`}
            </p>
          )}
        </div>
        {hits !== null && hits.length > 0 && (
          <ol className="library__hits" aria-label="Search results" data-testid="search-hits">
            {hits.map((hit) => (
              <li key={hit.id} className="library__hit" data-testid="search-hit">
                <p className="library__hit-source">
                  <strong>{hit.title}</strong> <span className="library__muted">{hit.source}</span>
                </p>
                <p className="library__hit-text">{hit.text}</p>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section className="library__section" aria-labelledby={`${ids}-docs`}>
        <h3 id={`${ids}-docs`} ref={listHeadingRef} tabIndex={-1}>
          Documents
        </h3>
        <p aria-live="polite" className="library__muted" data-testid="library-count">
          {countText}
          {deleteStatus ? ` ${deleteStatus}` : ""}
        </p>
        {listError && (
          <p role="alert" className="library__error" data-testid="library-error">
            {listError}{" "}
            <button type="button" className="button button--quiet" onClick={reload}>
              Try again
            </button>
          </p>
        )}
        {deleteError && (
          <p role="alert" className="library__error" data-testid="delete-error">
            {deleteError}
          </p>
        )}
        {documents.length > 0 && (
          <div className="library__table-wrap">
            <table className="library__table" data-testid="library-documents">
              <caption className="sr-only">
                {listLibrary
                  ? `Documents in the Library “${listLibrary}”`
                  : "Documents in every Library you may use"}
              </caption>
              <thead>
                <tr>
                  {showLibrary && <th scope="col">Library</th>}
                  <th scope="col">Source</th>
                  <th scope="col">Title</th>
                  <th scope="col">Passages</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {documents.map((doc) => (
                  <tr key={doc.id} data-testid="library-document">
                    {showLibrary && <td>{doc.library}</td>}
                    <td className="library__source">{doc.source}</td>
                    <td>{doc.title}</td>
                    <td>{doc.chunks}</td>
                    <td>
                      <time dateTime={doc.ingested_at}>{formatDate(doc.ingested_at)}</time>
                    </td>
                    <td>
                      {confirming === doc.id ? (
                        <ConfirmDelete
                          doc={doc}
                          onConfirm={() => confirmDelete(doc)}
                          onCancel={() => {
                            setConfirming(null);
                            setDeleteError(null);
                            setRefocus(doc.id);
                          }}
                        />
                      ) : (
                        <button
                          type="button"
                          className="button button--quiet"
                          aria-label={`Delete ${doc.source}`}
                          onClick={() => {
                            setDeleteStatus(null);
                            setConfirming(doc.id);
                          }}
                          data-testid="delete-document"
                          data-doc-id={doc.id}
                        >
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {total > PAGE_SIZE && (
          <nav className="library__pager" aria-label="Document pages">
            <button
              type="button"
              className="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              Previous page
            </button>
            <span>
              Page {Math.floor(offset / PAGE_SIZE) + 1} of {Math.ceil(total / PAGE_SIZE)}
            </span>
            <button
              type="button"
              className="button"
              disabled={offset + PAGE_SIZE >= total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
            >
              Next page
            </button>
          </nav>
        )}
      </section>
    </div>
  );
}

function ConfirmDelete({
  doc,
  onConfirm,
  onCancel,
}: {
  doc: LibraryDocument;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    confirmRef.current?.focus();
  }, []);
  return (
    <span
      role="group"
      aria-labelledby={id}
      className="library__confirm"
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      <span id={id}>Delete {doc.source}?</span>{" "}
      <button
        ref={confirmRef}
        type="button"
        className="button button--primary"
        onClick={onConfirm}
        data-testid="confirm-delete"
      >
        Yes, delete
      </button>{" "}
      <button type="button" className="button button--quiet" onClick={onCancel}>
        Cancel
      </button>
    </span>
  );
}
