"""Library routes: upload, list, delete and search documents (private data: always behind auth)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from promptgen.errors import DocumentNotFound
from promptgen.library.uploads import stage_uploads
from promptgen.server.deps import CallerDep, PromptGenDep, authorize
from promptgen.server.schemas import (
    ERROR_RESPONSES,
    LIBRARY_PATTERN,
    DocumentList,
    DocumentOut,
    HitOut,
    IngestOut,
    SearchOut,
)

library = APIRouter(
    prefix="/api/library",
    dependencies=[Depends(authorize)],
    responses=ERROR_RESPONSES,
    tags=["library"],
)
# Ids and offsets are 64-bit in both stores: a larger number is a 422, never a database error.
MAX_ID = 2**63 - 1
LibraryQuery = Annotated[
    str | None, Query(alias="library", min_length=1, max_length=64, pattern=LIBRARY_PATTERN)
]


@library.post("/documents", response_model=IngestOut)
async def upload_documents(
    request: Request,
    promptgen: PromptGenDep,
    caller: CallerDep,
    files: Annotated[
        list[UploadFile], File(min_length=1, description="Documents in any supported format.")
    ],
    library_name: LibraryQuery = None,
) -> IngestOut:
    """Keep the files in the upload folder and ingest them (same parsers as `promptgen ingest`)."""
    library_name = library_name or promptgen.settings.library
    caller.require("ingest", library_name)
    folder: Path = request.app.state.settings.upload_dir / library_name
    contents = [(upload.filename, await upload.read()) for upload in files]
    paths, failed = await run_in_threadpool(
        stage_uploads, folder, contents, promptgen.library.limits
    )
    # Named by their file name: the upload folder's place on the server is not the caller's.
    report = await run_in_threadpool(promptgen.ingest, paths, library=library_name, root=folder)
    failed += [(Path(p).name, r) for p, r in report.failed]
    return IngestOut(
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        removed=report.removed,
        chunks=report.chunks,
        seconds=round(report.seconds, 4),
        failed=[{"file": name, "reason": reason} for name, reason in failed],
    )


@library.get("/documents", response_model=DocumentList)
def list_documents(
    promptgen: PromptGenDep,
    caller: CallerDep,
    library_name: LibraryQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> DocumentList:
    """Documents in the Library (or every Library the key may use), oldest first."""
    if library_name is not None:
        caller.require("read", library_name)
    libraries = [library_name] if library_name is not None else caller.libraries()
    page = promptgen.library.documents(libraries=libraries, limit=limit, offset=offset)
    return DocumentList(
        documents=[
            DocumentOut(
                id=d.id,
                library=d.library,
                source=d.source,
                title=d.title,
                kind=d.kind,
                chunks=d.chunk_count,
                ingested_at=d.ingested_at,
            )
            for d in page.documents
        ],
        total=page.total,
    )


@library.delete("/documents/{document_id}")
def delete_document(
    document_id: Annotated[int, PathParam(ge=1, le=MAX_ID)],
    request: Request,
    promptgen: PromptGenDep,
    caller: CallerDep,
) -> dict[str, int]:
    """Delete a document and its chunks (and its uploaded file, if it was uploaded)."""
    found = promptgen.library.document(document_id)  # DocumentNotFound: 404
    if not caller.may_see(found.library):  # another Library's: as if it did not exist
        raise DocumentNotFound(f"no document with id {document_id}")
    caller.require("admin", found.library)
    deleted = promptgen.library.delete(document_id)
    uploads = request.app.state.settings.upload_dir.resolve()
    path = Path(deleted.path)
    if path.is_relative_to(uploads) and not promptgen.library.is_stored(path):
        path.unlink(missing_ok=True)
    return {"deleted": document_id}


@library.get("/search", response_model=SearchOut)
def search(
    promptgen: PromptGenDep,
    caller: CallerDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    library_name: LibraryQuery = None,
) -> SearchOut:
    """Ranked passages with source and calibrated score."""
    library_name = library_name or promptgen.settings.library
    caller.require("read", library_name)
    hits = promptgen.search(q, k=k, library=library_name)
    return SearchOut(
        hits=[
            HitOut(
                id=h.chunk_id,
                document_id=h.document_id,
                source=h.source,
                title=h.heading or h.title,
                text=h.text,
                score=round(h.score, 4),
                bm25=round(h.bm25, 4),
            )
            for h in hits
        ]
    )
