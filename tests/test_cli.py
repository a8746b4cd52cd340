"""The CLI drives the same engine; errors are one line on stderr, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from promptgen.cli import app
from tests.conftest import REPO

runner = CliRunner()


def test_ingest_search_stats_precompute(notes: Path) -> None:
    result = runner.invoke(app, ["ingest", str(notes)])
    assert result.exit_code == 0, result.output
    assert "5 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in result.output
    found = runner.invoke(app, ["search", "billing rollback", "--k", "2", "--json"])
    hits = json.loads(found.stdout)
    assert found.exit_code == 0 and 1 <= len(hits) <= 2
    assert hits[0]["source"].endswith("deploy.md") and hits[0]["score"] >= hits[-1]["score"]
    stats = runner.invoke(app, ["library", "stats", "--json"])
    assert json.loads(stats.stdout)["documents"] == 5
    current = runner.invoke(app, ["library", "reindex"])
    assert current.exit_code == 0 and "0 chunks added" in current.output
    rebuilt = runner.invoke(app, ["library", "reindex", "--full"])
    assert rebuilt.exit_code == 0 and "search index rebuilt" in rebuilt.output
    pre = runner.invoke(app, ["precompute", "how do we roll back billing migrations?", "--json"])
    assert pre.exit_code == 0
    assert json.loads(pre.stdout)["grounded"] is True
    human = runner.invoke(
        app, ["precompute", "how do we roll back billing migrations?"], env={"COLUMNS": "300"}
    )
    assert "optimized prompt" in human.stdout and "deploy.md" in human.stdout


def test_spec_drafts_through_the_cli() -> None:
    assert runner.invoke(app, ["ingest", str(REPO / "docs")]).exit_code == 0
    refused = json.loads(
        runner.invoke(app, ["precompute", "random unindexed query", "--json"]).stdout
    )
    assert refused["refusal"]["code"] == "no_grounding"


def test_failed_file_exits_1_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "bad.json" in result.output and "not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_errors_are_one_clear_line(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = runner.invoke(app, ["precompute", "  "])
    assert empty.exit_code == 1 and "text is empty" in empty.output
    monkeypatch.setenv("PROMPTGEN_GROUNDING_THRESHOLD", "7")
    bad_setting = runner.invoke(app, ["precompute", "hi"])
    assert bad_setting.exit_code == 1 and "PROMPTGEN_GROUNDING_THRESHOLD" in bad_setting.output
    monkeypatch.delenv("PROMPTGEN_GROUNDING_THRESHOLD")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"garbage" * 500)
    monkeypatch.setenv("PROMPTGEN_DATABASE_URL", f"sqlite:///{damaged}")
    result = runner.invoke(app, ["library", "stats"])
    assert result.exit_code == 1 and "move it aside" in result.output
    assert "Traceback" not in result.output


def test_training_is_not_a_cli_command() -> None:
    # Training runs offline from training/ (make intent-model), never from the installed CLI.
    result = runner.invoke(app, ["train-intent", "x.jsonl"])
    assert result.exit_code != 0 and "No such command" in result.output
