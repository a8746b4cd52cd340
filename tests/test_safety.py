"""Safe to send: secrets and personal data found by kind and span, look-alikes left alone,
previews that never echo a value, secrets masked out of inserted passages."""

from __future__ import annotations

import importlib.util
import itertools
import json
import random
import re
import string
import sys
import tomllib
import warnings
from pathlib import Path
from types import ModuleType

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


# gitleaks' whole rule set (safety_rules.toml, written by scripts/vendor_gitleaks_rules.py).
RULES_TOML = REPO / "src" / "promptgen" / "safety_rules.toml"
_rng = random.Random(16)


def _rand(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
_GUID = f"{_rand(HEX, 8)}-{_rand(HEX, 4)}-{_rand(HEX, 4)}-{_rand(HEX, 4)}-{_rand(HEX, 12)}"
# Made-up values in each provider's documented format (random, seeded), not live keys.
NEWLY_FOUND = [
    (
        "huggingface-access-token",
        "HF_TOKEN={v} in the notebook",
        "hf_" + _rand(string.ascii_letters, 34),
    ),
    ("npm-access-token", "//registry.npmjs.org/:_authToken={v}", "npm_" + _rand(ALNUM, 36)),
    (
        "pypi-upload-token",
        "twine upload -p {v} dist/*",
        "pypi-AgEIcHlwaS5vcmc" + _rand(ALNUM + "_-", 64),
    ),
    (
        "sendgrid-api-token",
        "mail fails with {v} since Monday",
        f"SG.{_rand(ALNUM + '_-', 22)}.{_rand(ALNUM + '_-', 43)}",
    ),
    ("twilio-api-key", "Twilio key {v} is rejected", "SK" + _rand(HEX, 32)),
    ("digitalocean-pat", "doctl auth init -t {v}", "dop_v1_" + _rand(HEX, 64)),
    # Two alternatives, the token in the second group: the first non-empty group is the secret.
    ("atlassian-api-token", "the bot sends {v} to Jira", "ATATT3" + _rand(ALNUM + "_-", 186)),
    # Groups that are pieces of the URL: secretGroup = 0 makes the whole webhook the span.
    (
        "microsoft-teams-webhook",
        "post to {v} please",
        f"https://acme.webhook.office.com/webhookb2/{_GUID}@{_GUID}/IncomingWebhook/"
        f"{_rand(HEX, 32)}/{_GUID}",
    ),
]
# The rules our earlier, hand-picked subset held, with the kinds they keep.
EARLIER_KINDS = {
    "aws-access-token": "aws-access-key",
    "github-pat": "github-token",
    "github-fine-grained-pat": "github-token",
    "github-oauth": "github-token",
    "github-app-token": "github-token",
    "gitlab-pat": "gitlab-token",
    "slack-bot-token": "slack-token",
    "slack-user-token": "slack-token",
    "slack-webhook-url": "slack-webhook",
    "stripe-access-token": "stripe-key",
    "gcp-api-key": "google-api-key",
    "openai-api-key": "openai-key",
    "anthropic-api-key": "anthropic-key",
    "private-key": "private-key",
    "jwt": "jwt",
    "generic-api-key": "generic-secret",
    "password-assignment": "password",
    "url-credentials": "url-credentials",
}


@pytest.mark.parametrize(("kind", "template", "value"), NEWLY_FOUND)
def test_providers_of_the_whole_gitleaks_set_are_found(
    kind: str, template: str, value: str
) -> None:
    text = template.format(v=value)
    found = safety.scan(text)
    assert [(f.kind, text[f.start : f.end]) for f in found] == [(kind, value)]


def test_a_rule_runs_only_when_one_of_its_keywords_is_in_the_draft() -> None:
    sha = _rand(HEX, 40)
    # sourcegraph-access-token accepts any 40 hex digits, behind its keywords (as in gitleaks).
    assert safety.scan(f"Rebase onto {sha} first.") == ()
    text = f"Our Sourcegraph token is {sha} now."
    assert [(f.kind, text[f.start : f.end]) for f in safety.scan(text)] == [
        ("sourcegraph-access-token", sha)
    ]


def test_line_and_global_allowlists() -> None:
    value = "q8Zr2LmX4vT9pK1wB7nC"
    assert [f.kind for f in safety.scan(f"API_TOKEN={value} breaks the build")] == [
        "generic-secret"
    ]
    # generic-api-key's line allowlist (regexTarget = "line"): a Docker build secret mount.
    assert safety.scan(f"RUN --mount=type=secret,id=npm API_TOKEN={value} npm ci") == ()
    # gitleaks' global allowlist, applied to every rule: a variable is not a secret.
    assert safety.scan("the curl -u admin:$ADMIN_PASSWORD call") == ()


def _load_converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vendor_gitleaks_rules", REPO / "scripts" / "vendor_gitleaks_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_rules_are_gitleaks_whole_set_and_all_compile() -> None:
    text = RULES_TOML.read_text(encoding="utf-8")
    raw = tomllib.loads(text)["rules"]
    vendored = [r for r in raw if r["source"] == "gitleaks"]
    # The header's count (217 of 222: 5 skipped, each listed with its reason).
    assert "# 217 of gitleaks' 222 rules are here; the 5 skipped are listed below." in text
    assert len(vendored) == 217
    assert len({r["id"] for r in raw}) == len(raw)
    for skipped in ("pkcs12-file", "freemius-secret-key", "hashicorp-tf-password"):
        assert f"#   {skipped}: " in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for r in raw:
            re.compile(r["regex"])
    assert len(safety.rules()) == len(raw)
    kinds = {r.id: r.kind for r in safety.rules()}
    assert {k: kinds[k] for k in EARLIER_KINDS} == EARLIER_KINDS
    # Our own rules come last, unchanged.
    assert [r["id"] for r in raw[-2:]] == ["password-assignment", "url-credentials"]


# Verbatim excerpts of gitleaks' config/gitleaks.toml at the vendored commit (descriptions cut).
GITLEAKS_EXCERPT = r"""
[allowlist]
regexes = [
    '''(?i)^true|false|null$''',
    '''^(?i:a+|b+|c+|d+|e+|f+|g+|h+|i+|j+|k+|l+|m+|n+|o+|p+|q+|r+|s+|t+|u+|v+|w+|x+|y+|z+|\*+|\.+)$''',
    '''^\$(?:\d+|{\d+})$''',
    '''^\$(?:[A-Z_]+|[a-z_]+)$''',
    '''^\${(?:[A-Z_]+|[a-z_]+)}$''',
    '''^\{\{[ \t]*[\w ().|]+[ \t]*}}$''',
    '''^\$\{\{[ \t]*(?:(?:env|github|secrets|vars)(?:\.[A-Za-z]\w+)+[\w "'&./=|]*)[ \t]*}}$''',
    '''^%(?:[A-Z_]+|[a-z_]+)%$''',
    '''^%[+\-# 0]?[bcdeEfFgGoOpqstTUvxX]$''',
    '''^\{\d{0,2}}$''',
    '''^@(?:[A-Z_]+|[a-z_]+)@$''',
    '''^/Users/(?i)[a-z0-9]+/[\w .-/]+$''',
    '''^/(?:bin|etc|home|opt|tmp|usr|var)/[\w ./-]+$''',
]
stopwords = [
    "014df517-39d1-4453-b7b3-9930c563627c",
    "abcdefghijklmnopqrstuvwxyz",
]

[[rules]]
id = "adobe-client-secret"
regex = '''\b(p8e-(?i)[a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)'''
entropy = 2
keywords = ["p8e-"]

[[rules]]
id = "airtable-personnal-access-token"
regex = '''\b(pat[[:alnum:]]{14}\.[a-f0-9]{64})\b'''
keywords = ["airtable"]

[[rules]]
id = "aws-access-token"
regex = '''\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b'''
entropy = 3
keywords = [
    "a3t",
    "akia",
    "asia",
    "abia",
    "acca",
]
[[rules.allowlists]]
regexes = [
    '''.+EXAMPLE$''',
]

[[rules]]
id = "curl-auth-user"
regex = '''\bcurl\b(?:.*|.*(?:[\r\n]{1,2}.*){1,5})[ \t\n\r](?:-u|--user)(?:=|[ \t]{0,5})("(:[^"]{3,}|[^:"]{3,}:|[^:"]{3,}:[^"]{3,})"|'([^:']{3,}:[^']{3,})'|((?:"[^"]{3,}"|'[^']{3,}'|[\w$@.-]+):(?:"[^"]{3,}"|'[^']{3,}'|[\w${}@.-]+)))(?:\s|\z)'''
entropy = 2
keywords = ["curl"]
[[rules.allowlists]]
regexes = [
    '''[^:]+:(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+)''',
    '''['"]?<[^>]+>['"]?:['"]?<[^>]+>|<[^:]+:[^>]+>['"]?''',
    '''[^:]+:\[[^]]+]''',
    '''['"]?[^:]+['"]?:['"]?\$(?:\d|\w+|\{(?:\d|\w+)})['"]?''',
    '''\$\([^)]+\):\$\([^)]+\)''',
    '''['"]?\$?{{[^}]+}}['"]?:['"]?\$?{{[^}]+}}['"]?''',
]

[[rules]]
id = "freemius-secret-key"
regex = '''(?i)["']secret_key["']\s*=>\s*["'](sk_[\S]{29})["']'''
path = '''(?i)\.php$'''
keywords = ["secret_key"]

[[rules]]
id = "github-pat"
regex = '''ghp_[0-9a-zA-Z]{36}'''
entropy = 3
keywords = ["ghp_"]
[[rules.allowlists]]
paths = [
    '''(?:^|/)@octokit/auth-token/README\.md$''',
]

[[rules]]
id = "microsoft-teams-webhook"
regex = '''https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}'''
keywords = [
    "webhook.office.com",
    "webhookb2",
    "incomingwebhook",
]

[[rules]]
id = "openshift-user-token"
regex = '''\b(sha256~[\w-]{43})(?:[^\w-]|\z)'''
entropy = 3.5
keywords = ["sha256~"]

[[rules]]
id = "pkcs12-file"
path = '''(?i)(?:^|\/)[^\/]+\.p(?:12|fx)$'''
"""


def test_the_converter_writes_the_checked_in_entries() -> None:
    converter = _load_converter()
    result = converter.convert(tomllib.loads(GITLEAKS_EXCERPT))
    blocks = RULES_TOML.read_text(encoding="utf-8").split("\n\n")
    assert result.global_allowlist in blocks
    assert len(result.entries) == 7
    for entry in result.entries:
        assert entry in blocks
    assert [rid for rid, _ in result.skipped] == ["freemius-secret-key", "pkcs12-file"]
    assert result.dropped_allowlists == [("github-pat", "an allowlist (paths only)")]


@pytest.mark.parametrize(
    ("go", "python"),
    [
        (r"\bEZAK(?i)[a-z0-9]{54}\b", r"(?a)\bEZAK(?i:[a-z0-9]{54}\b)"),
        # Go's flags last to the end of the enclosing group, across its alternatives.
        ("x(a(?i)b|c)y", "(?a)x(a(?i:b)|(?i:c))y"),
        ("(?i)abc|d", "(?a)(?i)abc|d"),
        (r"ab(?:c|\z)", r"ab(?:c|\Z)"),
        (r"\\z", r"\\z"),
        ("pat[[:alnum:]]{14}", "pat[0-9A-Za-z]{14}"),
        ("[^]]+]", "[^]]+]"),
    ],
)
def test_go_regexes_become_python_ones(go: str, python: str) -> None:
    assert _load_converter().go_to_python(go).pattern == python
