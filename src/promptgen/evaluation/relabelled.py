"""Third-party prompts with labels of our own: our labels joined with the texts in --data.

The suite commits only ids and labels (``suite.toml``'s ``[[relabelled]]`` entries): the prompt
texts stay in the third-party files, read from the data folder, so nothing of them is copied
into the repository. A label names its record as ``<source>:<id>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from promptgen.errors import RelabelledSetIncomplete
from promptgen.evaluation.datasets import read_jsonl
from promptgen.evaluation.probes import read_suite


def relabelled_sets(suite: Path, data: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each relabelled set as (name, records ``{id, text, label}``); a set whose sources are
    not in ``data`` is left out (another data folder), one that lacks a labelled id is an error."""
    for entry in read_suite(suite).get("relabelled", []):
        sources = {name: data / path for name, path in entry["sources"].items()}
        if not all(path.is_file() for path in sources.values()):
            continue
        texts = {
            f"{name}:{record['id']}": str(record["text"])
            for name, path in sources.items()
            for record in read_jsonl(path)
        }
        records = []
        for label in read_jsonl(suite / entry["labels"]):
            if label["id"] not in texts:
                raise RelabelledSetIncomplete(
                    f"{entry['name']}: {label['id']} is not in {', '.join(map(str, sources.values()))}"
                )
            records.append({"id": label["id"], "text": texts[label["id"]], "label": label["label"]})
        yield str(entry["name"]), records
