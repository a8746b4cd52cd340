"""The ``promptgen`` command line: a thin shell around the PromptGen facade."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from promptgen.errors import PromptGenError
from promptgen.evaluation import TASKS
from promptgen.settings import Settings

if TYPE_CHECKING:
    from promptgen.engine import PromptGen
    from promptgen.library.ingest import IngestReport

# The engine, the renderers and ingest are imported inside the commands that use them: the
# `serve` supervisor process then never loads models, NumPy or the tokenizers (~50 MB).

app = typer.Typer(help="PromptGen: typing-time prompt intelligence.", no_args_is_help=True)
library_app = typer.Typer(help="Inspect the Library.", no_args_is_help=True)
app.add_typer(library_app, name="library")
keys_app = typer.Typer(help="API keys: create, list and revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
KeysFileOption = Annotated[
    Path,
    typer.Option(
        "--file",
        envvar="PROMPTGEN_API_KEYS_FILE",
        help="The keys file the server reads (PROMPTGEN_API_KEYS_FILE).",
    ),
]
DEFAULT_KEYS_FILE = Path(".promptgen/keys.json")
out = Console()
err = Console(stderr=True)
PROGRESS_MIN_FILES = 20


@contextmanager
def engine() -> Iterator[PromptGen]:
    """A PromptGen from the environment; errors become one clear line on stderr and exit 1."""
    from promptgen.engine import PromptGen

    try:
        promptgen = PromptGen(Settings())
    except ValidationError as exc:
        problems = "; ".join(
            f"PROMPTGEN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        err.print(f"[red]error:[/red] invalid setting: {problems}", highlight=False)
        raise typer.Exit(1) from None
    except PromptGenError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    try:
        yield promptgen
    except PromptGenError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        promptgen.close()


def watch_folder(pg: PromptGen, folder: Path, *, interval: float, library: str | None) -> None:
    """Sync ``folder`` into the Library as its files change, until Ctrl-C.

    A pass that failed (Library unreachable, folder gone) is retried every ``interval`` seconds.
    """
    from promptgen import render
    from promptgen.library.sync import FolderSync, is_idle, watch

    def show(report: IngestReport) -> None:
        if not is_idle(report):
            render.print_failures(err, report.failed)
            out.print(render.ingest_summary(report), highlight=False)
            pg.library.sync_index()  # this machine's index; other replicas catch up on their next query

    def retry(exc: PromptGenError) -> None:
        err.print(f"[red]error:[/red] {exc.message}; retrying in {interval:g} s", highlight=False)

    library = library or pg.settings.library
    sync = FolderSync(
        pg.library.store,
        folder,
        library=library,
        embed=pg.embedder.blobs,
        limits=pg.library.limits,
    )
    err.print(f"watching {folder} for changes (Ctrl-C stops)", highlight=False)
    try:
        watch(sync, retry=interval, on_pass=show, on_error=retry)
    except KeyboardInterrupt:
        err.print("stopped watching")


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files and folders to ingest.")] = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    library: Annotated[
        str | None, typer.Option(help="Library name (default: PROMPTGEN_LIBRARY).")
    ] = None,
    watch: Annotated[
        Path | None,
        typer.Option(
            exists=True, file_okay=False, help="Keep the Library in step with this folder."
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds before --watch retries a pass that failed.")
    ] = 5.0,
) -> None:
    """Ingest files and folders into the Library in one transaction, or --watch a folder."""
    from promptgen import render
    from promptgen.library.ingest import collect_files

    if bool(paths) == (watch is not None):
        err.print("[red]error:[/red] give files and folders to ingest, or --watch DIR (not both)")
        raise typer.Exit(2)
    with engine() as pg:
        if watch is not None:
            return watch_folder(pg, watch, interval=interval, library=library)
        paths = paths or []
        files, _ = collect_files(paths)
        show = len(files) >= PROGRESS_MIN_FILES and err.is_terminal
        with Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not show,
        ) as bar:
            task = bar.add_task("ingest", total=len(files))
            report = pg.ingest(
                paths, library=library, prune=prune, progress=lambda _path: bar.advance(task)
            )
        render.print_failures(err, report.failed)
        out.print(render.ingest_summary(report), highlight=False)
        if report.failed:
            raise typer.Exit(1)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Number of hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    library: Annotated[str | None, typer.Option(help="Library name.")] = None,
) -> None:
    """Ranked Library passages for QUERY, with source and score."""
    from promptgen import render

    with engine() as pg:
        hits = pg.search(query, k=k, library=library)
    if as_json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2))
    elif not hits:
        out.print("no matching passages")
    else:
        out.print(render.hits_table(hits))


@library_app.command("reindex")
def reindex_command(
    full: Annotated[bool, typer.Option("--full", help="Rebuild from scratch.")] = False,
) -> None:
    """Bring the search index up to the Library now (it also catches up by itself)."""
    with engine() as pg:
        report = pg.library.reindex(full=full)
    if report is None:
        raise typer.BadParameter("the search index is off (PROMPTGEN_SEARCH_INDEX=store)")
    kind = "rebuilt" if report.full else "updated"
    out.print(
        f"search index {kind}: generation {report.generation}, {report.added:,} chunks added,"
        f" {report.removed:,} removed in {report.seconds:.2f} s",
        highlight=False,
    )


@library_app.command("stats")
def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Documents, chunks, size and last ingest."""
    from promptgen import render

    with engine() as pg:
        stats = pg.library.stats()
        where = pg.settings.database_url
    if as_json:
        print(json.dumps(asdict(stats), indent=2))
    else:
        out.print(render.stats_table(stats, where))


@keys_app.command("create")
def keys_create_command(
    library: Annotated[
        list[str], typer.Option("--library", help="A Library the key may use ('*': every one).")
    ],
    scope: Annotated[str, typer.Option(help="read, ingest (also upload) or admin.")] = "read",
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    file: KeysFileOption = DEFAULT_KEYS_FILE,
) -> None:
    """Make a key; it is printed once, and only its hash is kept."""
    from promptgen.keys import KeyFile

    try:
        key, secret = KeyFile(file).create(name=name, scope=scope, libraries=library)
    except PromptGenError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    err.print(
        f"created {key.id} ({key.scope}; {', '.join(key.libraries)}) in {file}; the key is shown "
        "this once:",
        highlight=False,
    )
    print(secret)


@keys_app.command("list")
def keys_list_command(file: KeysFileOption = DEFAULT_KEYS_FILE) -> None:
    """The keys in the file: id, name, scope, Libraries, created (never the key)."""
    from promptgen import render
    from promptgen.keys import KeyFile

    out.print(render.keys_table(KeyFile(file).load()))


@keys_app.command("revoke")
def keys_revoke_command(
    key_id: Annotated[str, typer.Argument(help="The key's id (see keys list).")],
    file: KeysFileOption = DEFAULT_KEYS_FILE,
) -> None:
    """Remove a key; a running server stops accepting it within a second."""
    from promptgen.keys import KeyFile

    try:
        revoked = KeyFile(file).revoke(key_id)
    except PromptGenError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"revoked {revoked.id} ({revoked.name or 'no name'})", highlight=False)


@app.command("precompute")
def precompute_command(
    text: Annotated[str, typer.Argument(help="The draft, as typed.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    library: Annotated[str | None, typer.Option(help="Library name.")] = None,
    model: Annotated[str | None, typer.Option(help="Price this catalogued model instead.")] = None,
    budget: Annotated[float | None, typer.Option(help="Most USD to spend on the call.")] = None,
) -> None:
    """Intent, grounding, optimized prompt, tokens and model for one draft."""
    from promptgen import render
    from promptgen.engine import PrecomputeOptions

    with engine() as pg:
        options = PrecomputeOptions(library=library, budget_usd=budget, model=model)
        result = pg.precompute(text, options)
    if as_json:
        print(result.response().model_dump_json(indent=2))
    else:
        out.print(render.precompute_view(result))


@app.command("eval")
def eval_command(
    data: Annotated[Path, typer.Option("--data", help="Folder laid out like ../shared/data.")],
    suite: Annotated[
        Path | None,
        typer.Option(
            "--suite",
            help="Our own evaluation folder (intent sets, suite.toml); default ./evaluation.",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON.")
    ] = None,
    only: Annotated[
        str, typer.Option(help=f"Comma-separated tasks, of: {','.join(TASKS)}.")
    ] = ",".join(TASKS),
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most N items per set (quick runs).")
    ] = None,
) -> None:
    """Measure intent, retrieval, refusal and routing quality on labelled data."""
    from promptgen.evaluation import harness, report

    chosen = tuple(t.strip() for t in only.split(",") if t.strip())
    if unknown := set(chosen) - set(TASKS):
        err.print(
            f"[red]error:[/red] unknown task(s) {sorted(unknown)}; choose from {', '.join(TASKS)}"
        )
        raise typer.Exit(2)
    if not data.is_dir():
        err.print(f"[red]error:[/red] {data} is not a folder")
        raise typer.Exit(2)
    if suite is None and Path("evaluation/suite.toml").is_file():
        suite = Path("evaluation")
    if suite is not None and not suite.is_dir():
        err.print(f"[red]error:[/red] {suite} is not a folder")
        raise typer.Exit(2)
    result = harness.run(data, suite=suite, only=chosen, limit=limit)
    for reason in result.get("skipped", []):
        err.print(f"skipped {reason}", highlight=False)
    for table in report.tables(result):
        out.print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="uvicorn worker processes.")] = 1,
    insecure: Annotated[
        bool, typer.Option(help="Allow a public address without API keys.")
    ] = False,
) -> None:
    """Serve the HTTP API (and the web page) with uvicorn."""
    from promptgen.server.serve import serve

    try:
        serve(host=host, port=port, workers=workers, insecure=insecure)
    except PromptGenError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    except ValidationError as exc:
        err.print(f"[red]error:[/red] invalid setting: {exc}", highlight=False)
        raise typer.Exit(1) from None


def main() -> None:
    """Entry point of the ``promptgen`` script."""
    app(prog_name="promptgen")


if __name__ == "__main__":
    main()
    sys.exit(0)
