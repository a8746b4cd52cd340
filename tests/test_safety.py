"""Safe to send: secrets and personal data found by kind and span, look-alikes left alone,
previews that never echo a value, secrets masked out of inserted passages."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from promptgen import PromptGen, safety
from promptgen.evaluation import secrets
from promptgen.types import Grounding, Hit
from tests.conftest import REPO

AWS = "AKIAQ3EGUOZB7XK5M2PD"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(["MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi7tX5qJv8Lw2Yh0kRnPbUcXeGsDfH1"] * 3)
    + "\n-----END RSA PRIVATE KEY-----"
)
FOUND = [
    ("aws-access-key", "key {v} fails", AWS),
    ("github-token", "GH_TOKEN: {v} why", "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"),
    ("gitlab-token", "token {v} 401", "glpat-x9Yz8Wq7Rt6Pl5Km4Jn3"),
    ("slack-token", "bot {v} silent", "xoxb-7391028465-583920174650-aB3dE5fG7hJ9kL1mN3pQ5rS7"),
    ("stripe-key", "stripe.api_key = '{v}'", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("google-api-key", "Maps key {v}.", "AIzaSyD8x3Qp9Lm2Rt7Vw1Kz5Nb4Hc6Jf0Gd2Es"),
    ("openai-key", "old {v} key", "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"),
    ("private-key", "fix this:\n{v}\n", PEM),
    (
        "jwt",
        "Bearer {v} expired?",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r",
    ),
    ("password", "DB_PASSWORD={v} works locally", "vEvoO%FQyj"),
    ("url-credentials", "postgresql://app:{v}@db.prod.internal/orders", "S3cr3tPa55"),
    ("email", "Write to {v} today.", "anna.kowalski@acme-logistics.de"),
    ("phone", "Call {v} tomorrow", "+44 20 7946 0958"),
    ("card-number", "Card {v} charged twice", "4539 1488 0343 6467"),
    ("iban", "Pay {v} monthly", "GB82 WEST 1234 5698 7654 32"),
]
LOOKALIKES = [
    "Cherry-pick 3f2a9c1e5b7d8f0a1c2e3b4d5f6a7b8c9d0e1f2a onto main.",
    "Request 550e8400-e29b-41d4-a716-446655440000 failed.",
    "md5 is 5d41402abc4b2a76b9719d911017c592.",
    "The docs use AKIAIOSFODNN7EXAMPLE as the access key id.",
    "Set OPENAI_API_KEY=YOUR_API_KEY before running.",
    'api_key = "<your-api-key>"',
    "token: xxxxxxxxxxxxxxxxxxxxxxxx",
    "Order 4539 1488 0343 6468 is late.",
    "postgresql://user:password@host:5432/dbname explained",
    "Contact support@example.com for help.",
    "IBAN GB00 WEST 0000 0000 0000 00 is a dummy.",
]


@pytest.mark.parametrize(("kind", "template", "value"), FOUND)
def test_each_kind_is_found_with_its_span(kind: str, template: str, value: str) -> None:
    text = template.format(v=value)
    found = safety.scan(text)
    assert [(f.kind, text[f.start : f.end]) for f in found] == [(kind, value)]
    assert value not in found[0].preview


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_are_not_flagged(text: str) -> None:
    assert safety.scan(text) == ()


def test_spans_are_valid_and_previews_never_echo_the_whole_value() -> None:
    for line in (REPO / "evaluation" / "secrets" / "drafts.jsonl").read_text().splitlines():
        text = json.loads(line)["text"]
        found = safety.scan(text)
        for a, b in itertools.pairwise(found):
            assert a.end <= b.start
        for f in found:
            assert 0 <= f.start < f.end <= len(text)
            assert text[f.start : f.end] not in f.preview


def test_masking_a_passage() -> None:
    hit = Hit(1, 1, "notes.md", "Deploy", "", f"Deploy with key {AWS} then drain.", 1.0)
    grounding = Grounding(True, 0.9, (hit,), None, 0.5)
    masked = safety.masked(grounding)
    assert masked.context[0].text == "Deploy with key [redacted aws-access-key] then drain."
    clean = Grounding(True, 0.9, (Hit(2, 1, "a", "b", "", "no secrets here", 1.0),), None, 0.5)
    assert safety.masked(clean) is clean


def test_a_passage_with_a_secret_is_masked_in_the_optimized_prompt(
    engine: PromptGen, tmp_path: Path
) -> None:
    folder = tmp_path / "runbook"
    folder.mkdir()
    (folder / "deploy.md").write_text(
        "# Billing deploy runbook\n\nThe billing service deploys with blue-green releases. "
        f"The deploy job signs in to S3 with the access key {AWS} and rolls back by switching "
        "the router to the previous colour.\n",
        encoding="utf-8",
    )
    engine.ingest([folder])
    result = engine.precompute(
        "How does the billing service deploy blue-green releases and roll back?"
    )
    assert result.grounded
    assert result.optimized.prompt is not None
    assert AWS not in result.optimized.prompt
    assert "[redacted aws-access-key]" in result.optimized.prompt
    assert all(AWS not in hit.text for hit in result.grounding.context)


def test_the_evaluation_beats_the_regex_only_baseline() -> None:
    report = secrets.evaluate(REPO / "evaluation")
    # Floors a little under what docs/quality.md reports: in-sample 1.00 / 1.00 recall, held
    # out 0.79 (secret) / 0.87 (personal).
    floors = {"in-sample": 0.9, "held out": 0.75}
    assert set(report) == set(floors)
    for name, floor in floors.items():
        for category in ("secret", "personal"):
            ours, baseline = report[name]["ours"][category], report[name]["baseline"][category]
            assert ours["precision"] > baseline["precision"] and ours["recall"] >= floor
