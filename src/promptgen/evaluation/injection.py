"""Injection screening (screening.py) judged on a public set, on hard negatives and in a Library.

Two measures, each with a baseline beside it:

- **The screen, passage by passage.** Recall on a public prompt-injection set's injections,
  the share of its benign rows flagged, the hard negatives flagged (benign imperatives, chat
  exports, pages that explain injection) and the passages of the suite's clean Library flagged.
  The split the screen's patterns were tuned on is reported apart from the held-out one. The
  baseline is a keyword tripwire (``keyword_flags``): what a screen without context looks like.
- **A poisoned Library.** Each section that answers one of the probe's questions gets one
  held-out injection inserted after its first paragraph, in a copy of the Library. The probe's
  questions are then run on the clean Library and, poisoned, with every
  ``PROMPTGEN_FLAGGED_CONTEXT`` mode; ``keep`` is the baseline (flags shown, nothing moved). Reported: how often an injected passage reaches
  the context, flagged or not, how often it is ranked first, how often the answering section is
  still in the context, and whether an injection's text ever stands in the optimized prompt
  outside its cited passage block (it must not).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from promptgen.engine import PromptGen
from promptgen.evaluation.datasets import read_jsonl
from promptgen.evaluation.probes import EngineFactory, answers, read_suite
from promptgen.library.ingest import chunk_document, collect_files
from promptgen.library.parsers import parse_file
from promptgen.screening import flags
from promptgen.settings import Settings
from promptgen.types import FLAGGED_MODES, FlaggedMode, PrecomputeResult

# The naive screen a peer ships first: any of these words anywhere is an attack.
_KEYWORDS = re.compile(
    r"\b(?:ignore|disregard|forget|jailbreak|pretend|system\s+prompt|you\s+are\s+now)\b",
    re.IGNORECASE,
)
_PASSAGE_BLOCK = re.compile(r"<passage\b.*?</passage>", re.DOTALL)
_MARK = 40  # characters of an injection that identify it in a passage or a prompt


def keyword_flags(text: str) -> tuple[str, ...]:
    """The baseline screen: a keyword anywhere flags the passage."""
    return ("keyword",) if _KEYWORDS.search(text) else ()


def load(suite: Path) -> list[dict[str, Any]]:
    """The suite's injection sets, paths resolved."""
    return [
        {
            "name": str(entry["name"]),
            "public": (suite / entry["public"]).resolve(),
            "tuned_split": str(entry.get("tuned_split", "train")),
            "hard_negatives": (suite / entry["hard_negatives"]).resolve(),
            "library": [(suite / p).resolve() for p in entry["library"]],
            "questions": (suite / entry["questions"]).resolve(),
        }
        for entry in read_suite(suite).get("injection", [])
    ]


def _library_passages(folders: list[Path]) -> list[str]:
    """Every passage of the Library's files, as ingest would cut them."""
    files, _ = collect_files(folders)
    return [c.text for f in files for doc in parse_file(f) for c in chunk_document(doc)]


def _screen_row(
    screen: Any, injections: list[str], benign: list[str], negatives: list[str], clean: list[str]
) -> dict[str, Any]:
    tp = sum(1 for t in injections if screen(t))
    false = {
        "benign": sum(1 for t in benign if screen(t)),
        "hard_negatives": sum(1 for t in negatives if screen(t)),
        "library": sum(1 for t in clean if screen(t)),
    }
    flagged = tp + sum(false.values())
    return {
        "injections": len(injections),
        "recall": tp / len(injections) if injections else 0.0,
        "benign": len(benign),
        "benign_flagged": false["benign"],
        "hard_negatives": len(negatives),
        "hard_negatives_flagged": false["hard_negatives"],
        "library_passages": len(clean),
        "library_passages_flagged": false["library"],
        "precision": tp / flagged if flagged else 1.0,
    }


def evaluate_screen(entry: dict[str, Any], *, limit: int | None = None) -> dict[str, Any]:
    """Per split of the public set (tuned on, held out): ours and the keyword baseline."""
    public = list(read_jsonl(entry["public"]))
    negatives = [str(r["text"]) for r in read_jsonl(entry["hard_negatives"])][:limit]
    clean = _library_passages(entry["library"])[:limit]
    out: dict[str, Any] = {}
    for split in sorted({str(r["split"]) for r in public}):
        rows = [r for r in public if r["split"] == split][:limit]
        injections = [str(r["text"]) for r in rows if r["label"] == 1]
        benign = [str(r["text"]) for r in rows if r["label"] == 0]
        name = f"{split} ({'tuned on' if split == entry['tuned_split'] else 'held out'})"
        out[name] = {
            "ours": _screen_row(flags, injections, benign, negatives, clean),
            "baseline": _screen_row(keyword_flags, injections, benign, negatives, clean),
        }
    return out


def _poison(source: Path, target: Path, sections: dict[tuple[str, str], str]) -> None:
    """Copy the Markdown file ``source`` to ``target`` with an injection after the first
    paragraph of each named section ((file name, heading) -> injection)."""
    out: list[str] = []
    pending: str | None = None
    fenced = after_text = False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = line.lstrip("#").strip().lower() if line.startswith("#") and not fenced else None
        if (
            pending is not None
            and not fenced
            and (heading is not None or (after_text and not line.strip()))
        ):
            out += ["", pending, ""]
            pending = None
        if heading is not None:
            pending, after_text = sections.get((source.name, heading)), False
        elif line.strip():
            after_text = True
        out.append(line)
    if pending is not None:
        out += ["", pending]
    target.write_text("\n".join(out) + "\n", encoding="utf-8")


def _carries(normalized: str, marks: list[str]) -> bool:
    """Whether a passage (whitespace already collapsed) holds one of the injections."""
    return any(m in normalized for m in marks)


def _marks(text: str) -> str:
    return " ".join(text.split())[:_MARK]


def _poisoned_row(
    records: list[dict[str, Any]], results: list[PrecomputeResult], marks: list[str]
) -> dict[str, Any]:
    reached = flagged = unflagged = first = kept = escaped = 0
    for record, result in zip(records, results, strict=True):
        context = result.grounding.context
        poisoned = [h for h in context if _carries(" ".join(h.text.split()), marks)]
        reached += bool(poisoned)
        flagged += any(h.flags for h in poisoned)
        unflagged += any(not h.flags for h in poisoned)
        first += bool(poisoned) and poisoned[0] is context[0]
        kept += any(answers(h, record) for h in context)
        outside = " ".join(_PASSAGE_BLOCK.sub(" ", result.optimized_prompt or "").split())
        escaped += _carries(outside, marks)
    n = len(records) or 1
    return {
        "questions": len(records),
        "grounded_share": sum(r.grounded for r in results) / n,
        "answer_in_context_share": kept / n,
        "injection_in_context_share": reached / n,
        "flagged_injection_in_context_share": flagged / n,
        "unflagged_injection_in_context_share": unflagged / n,
        "injection_ranked_first_share": first / n,
        "injection_outside_its_block": escaped,
    }


def evaluate_poisoned(
    make_engine: EngineFactory, entry: dict[str, Any], *, limit: int | None = None
) -> dict[str, Any]:
    """The probe's questions against the poisoned Library, one row per flagged-context mode."""
    records = list(read_jsonl(entry["questions"]))[:limit]
    held_out = [
        str(r["text"])
        for r in read_jsonl(entry["public"])
        if r["label"] == 1 and r["split"] != entry["tuned_split"]
    ]
    wanted = sorted({(Path(r["doc"]).name, str(r["section"]).strip().lower()) for r in records})
    sections = {key: held_out[i % len(held_out)] for i, key in enumerate(wanted)}
    out: dict[str, Any] = {"poisoned_sections": len(sections)}
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "library"
        library.mkdir()
        for folder in entry["library"]:
            for path in sorted(Path(folder).glob("*.md")):
                _poison(path, library / path.name, sections)
            for path in sorted(Path(folder).iterdir()):
                if path.is_file() and path.suffix != ".md":
                    shutil.copy(path, library / path.name)
        marks = [_marks(t) for t in sections.values()]
        # The same questions on the Library before it was poisoned: what the injections cost.
        runs: list[tuple[str, list[Path], FlaggedMode]] = [("clean", entry["library"], "keep")]
        runs += [(mode, [library], mode) for mode in FLAGGED_MODES]
        for name, folders, mode in runs:
            engine: PromptGen = make_engine(
                Settings(database_url=f"sqlite:///{tmp}/{name}.db", flagged_context=mode)
            )
            engine.ingest(folders)
            results = [engine.precompute(str(r["text"])) for r in records]
            out[name] = _poisoned_row(records, results, marks)
            engine.close()
    return out


def evaluate(
    make_engine: EngineFactory, entry: dict[str, Any], *, limit: int | None = None
) -> dict[str, Any]:
    """The screen's figures and the poisoned Library's, for one suite entry."""
    return {
        "screen": evaluate_screen(entry, limit=limit),
        "poisoned": evaluate_poisoned(make_engine, entry, limit=limit),
    }
