"""Human views of PromptGen results for the terminal (the CLI's --json prints the raw shape)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from promptgen.keys import ApiKey
from promptgen.library.ingest import IngestReport
from promptgen.library.store import LibraryStats
from promptgen.types import Hit, PrecomputeResult


def precompute_view(result: PrecomputeResult) -> Group:
    """Intent, grounding, context, optimized prompt and cost, as panels and tables."""
    data = result.response().model_dump()
    intent = data["intent"]
    head = Text.assemble(
        ("intent ", "bold"),
        f"{intent['label']} ({intent['confidence']:.0%})   ",
        ("grounded ", "bold"),
        ("yes" if data["grounded"] else "no", "green" if data["grounded"] else "yellow"),
        f" (confidence {data['confidence']:.2f})",
    )
    parts: list[Panel | Table | Text] = [head]
    if data["refusal"]:
        parts.append(
            Text(f"refused [{data['refusal']['code']}]: {data['refusal']['reason']}", "yellow")
        )
    if data["context"]:
        table = Table("#", "source", "section", "score", title="context", title_justify="left")
        for n, hit in enumerate(data["context"], 1):
            table.add_row(str(n), hit["source"], hit["title"], f"{hit['score']:.2f}")
        parts.append(table)
    if data["optimized_prompt"]:
        parts.append(Panel(data["optimized_prompt"], title="optimized prompt", title_align="left"))
    for suggestion in data["suggestions"]:
        parts.append(Text(f"• {suggestion}", "cyan"))
    tokens, model = data["tokens"], data["model"]
    parts.append(
        Text.assemble(
            ("tokens ", "bold"),
            f"prompt {tokens['prompt']} (context {tokens['context']}), output ≈{tokens['estimated_output']} "
            f"[{tokens['tokenizer']}]",
        )
    )
    parts.append(
        Text.assemble(
            ("model ", "bold"),
            f"{model['id']} ${model['estimated_cost_usd']:.6f}: {model['reason']}",
        )
    )
    parts.append(Text(f"{data['timings_ms']['total']:.1f} ms", "dim"))
    return Group(*parts)


def hits_table(hits: list[Hit]) -> Table:
    """Ranked search hits."""
    table = Table("#", "score", "bm25", "source", "section", "text")
    for n, hit in enumerate(hits, 1):
        snippet = " ".join(hit.text.split())[:90]
        table.add_row(
            str(n),
            f"{hit.score:.2f}",
            f"{hit.bm25:.2f}",
            hit.source,
            hit.heading or hit.title,
            snippet,
        )
    return table


def ingest_summary(report: IngestReport) -> str:
    """One line: what the ingest did."""
    return (
        f"ingest: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.failed)} failed; {report.chunks} chunks; "
        f"{report.seconds:.2f} s"
    )


def stats_table(stats: LibraryStats, where: str) -> Table:
    """Library statistics."""
    table = Table(show_header=False, title=f"Library at {where}", title_justify="left")
    table.add_row("documents", str(stats.documents))
    table.add_row("chunks", str(stats.chunks))
    table.add_row("size", f"{stats.size_bytes / 1e6:.2f} MB")
    table.add_row("last ingest", stats.last_ingest or "never")
    for name, count in sorted(stats.libraries.items()):
        table.add_row(f"library '{name}'", f"{count} documents")
    for kind, count in sorted(stats.kinds.items()):
        table.add_row(f"kind {kind}", f"{count} documents")
    note = stats.reingest_note()
    if note:
        table.add_row("[yellow]needs re-ingest[/yellow]", note)
    return table


def print_failures(console: Console, failed: list[tuple[str, str]]) -> None:
    """Each failed file with its reason."""
    for path, reason in failed:
        console.print(f"[red]failed[/red] {path}: {reason}", highlight=False)


def keys_table(keys: list[ApiKey]) -> Table | str:
    """The API keys, without their secrets (which are not stored)."""
    if not keys:
        return "no keys"
    table = Table("id", "name", "scope", "libraries", "created")
    for key in keys:
        table.add_row(key.id, key.name, key.scope, ", ".join(key.libraries), key.created_at)
    return table
