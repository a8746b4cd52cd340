"""Safe to send: find secrets and personal data in text, by kind and character span.

Secrets are found with gitleaks' rule set, vendored whole (``safety_rules.toml``, MIT, provenance
in its header; ``scripts/vendor_gitleaks_rules.py`` writes it): a rule runs only when one of its
keywords is in the lower-cased draft (gitleaks' prefilter), then its regex, entropy floor,
allowlists (its own and gitleaks' global one) and stopwords, then our own filter for
documented sample keys and placeholders (``AKIAIOSFODNN7EXAMPLE``, ``YOUR_API_KEY``,
``xxxx…``, ``<token>``). Personal data: e-mail addresses, phone numbers (international ``+``
form or the North-American forms), card numbers that pass the Luhn check, IBANs that pass the
mod-97 check. A finding never carries the value itself; ``preview`` shows a few characters of
it and ``mask`` replaces each secret by ``[redacted <kind>]``. Nothing here logs.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from promptgen.types import DraftWarning, Grounding

Finding = DraftWarning
RULES_FILE = "safety_rules.toml"

# Documented sample values and placeholders: never a live secret.
_PLACEHOLDER = re.compile(
    r"(?i)example|placeholder|your[_-]?|changeme|change[_-]me|dummy|redacted|sample|"
    r"^(?:pass(?:word)?|passwd|pwd|secret|token|user)$|<[^>]*>|\$\{[^}]*\}|\{\{|x{4,}|\*{3,}|\.{3}|…|^(.)\1+$|1234567|abcdefg"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One secret rule: a regex whose group ``group`` is the secret, and its filters.

    ``group`` None (no ``secretGroup``): the first non-empty group, or the whole match when the
    regex has none, as gitleaks does. ``keywords``: the rule runs only on a draft holding one of
    them (lower-cased); none: always. ``allow_secret`` / ``allow_match`` / ``allow_line``: a
    finding is dropped when one of them is found in the secret / the whole match / its line.
    """

    id: str
    kind: str
    regex: re.Pattern[str]
    group: int | None
    entropy: float
    allow_secret: tuple[re.Pattern[str], ...]
    allow_match: tuple[re.Pattern[str], ...]
    stopwords: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    allow_line: tuple[re.Pattern[str], ...] = ()


def _compiled(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(x) for x in patterns)


@cache
def rules() -> tuple[Rule, ...]:
    """The vendored secret rules (parsed once); the global [allowlist] joins each rule's own."""
    text = (resources.files("promptgen") / RULES_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    everywhere = data.get("allowlist", {})
    allow_all = _compiled(everywhere.get("regexes", []))
    stop_all = tuple(everywhere.get("stopwords", []))
    out = []
    for raw in data["rules"]:
        group = raw.get("secretGroup")
        out.append(
            Rule(
                id=raw["id"],
                kind=raw["kind"],
                regex=re.compile(raw["regex"]),
                group=None if group is None else int(group),
                entropy=float(raw.get("entropy", 0.0)),
                allow_secret=_compiled(raw.get("allow_secret", [])) + allow_all,
                allow_match=_compiled(raw.get("allow_match", [])),
                stopwords=tuple(raw.get("stopwords", [])) + stop_all,
                keywords=tuple(raw.get("keywords", [])),
                allow_line=_compiled(raw.get("allow_line", [])),
            )
        )
    return tuple(out)


def entropy(value: str) -> float:
    """Shannon entropy of ``value``'s characters, in bits."""
    if not value:
        return 0.0
    counts, n = Counter(value), len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str) -> bool:
    """True for documented sample keys and placeholders (YOUR_API_KEY, xxxx, <token>, ...)."""
    return _PLACEHOLDER.search(value) is not None


# Prose ends a key with a full stop or comma, which gitleaks' rules (written for code) do not
# accept after a key; they become spaces (same length, so every span stays put).
_PROSE_END = re.compile(r"[.,!?)](?=\s|$)")


def _secret_group(rule: Rule, match: re.Match[str]) -> int:
    if rule.group is not None:
        return rule.group
    return next((i for i, g in enumerate(match.groups(), 1) if g), 0)


def _line(text: str, start: int, end: int) -> str:
    """The line(s) of ``text`` that hold ``text[start:end]``."""
    last = text.find("\n", end)
    return text[text.rfind("\n", 0, start) + 1 : len(text) if last < 0 else last]


def _allowed(rule: Rule, value: str, match: re.Match[str], text: str) -> bool:
    lowered = value.lower()
    return (
        any(a.search(value) for a in rule.allow_secret)
        or any(a.search(match.group(0)) for a in rule.allow_match)
        or any(w in lowered for w in rule.stopwords)
        or (
            bool(rule.allow_line)
            and any(a.search(_line(text, *match.span())) for a in rule.allow_line)
        )
    )


def _secrets(text: str, *, filters: bool) -> Iterable[Finding]:
    lowered = text.lower()
    text = _PROSE_END.sub(" ", text)
    for rule in rules():
        if rule.keywords and not any(k in lowered for k in rule.keywords):
            continue
        for match in rule.regex.finditer(text):
            group = _secret_group(rule, match)
            value = match.group(group)
            if not value:
                continue
            if filters and (
                (rule.entropy and entropy(value) <= rule.entropy)
                or _allowed(rule, value, match, text)
                or (rule.kind != "private-key" and is_placeholder(value))
            ):
                continue
            yield Finding(rule.kind, match.start(group), match.end(group), "secret")


_EMAIL = re.compile(
    r"(?<![\w.%+:/-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_EXAMPLE_DOMAIN = re.compile(
    r"(?i)@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|test|invalid|localhost)$"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])"
)
_CARD = re.compile(r"(?<![\w-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def luhn(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """True when ``value`` (spaces allowed) passes the IBAN mod-97 check."""
    compact = value.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _personal(text: str, *, filters: bool) -> Iterable[Finding]:
    for m in _EMAIL.finditer(text):
        if not filters or not _EXAMPLE_DOMAIN.search(m.group()):
            yield Finding("email", m.start(), m.end(), "personal")
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 8 <= len(digits) <= 15 and (not filters or len(set(digits)) > 2):
            yield Finding("phone", m.start(), m.end(), "personal")
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and (not filters or (luhn(digits) and len(set(digits)) > 2)):
            yield Finding("card-number", m.start(), m.end(), "personal")
    for m in _IBAN.finditer(text):
        if not filters or iban_ok(m.group()):
            yield Finding("iban", m.start(), m.end(), "personal")


def _resolve(found: Iterable[Finding]) -> tuple[Finding, ...]:
    """Non-overlapping findings in text order: secrets first, then the longest."""
    ranked = sorted(found, key=lambda f: (f.category != "secret", f.start - f.end, f.start))
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return tuple(sorted(kept, key=lambda f: f.start))


def scan(text: str, *, filters: bool = True) -> tuple[Finding, ...]:
    """Every secret and piece of personal data in ``text``, in text order, never overlapping.

    ``filters=False`` is the evaluation's baseline: the bare regexes, without the allowlists,
    entropy floors, placeholder filter and the Luhn and mod-97 checks.
    """
    found = _resolve([*_secrets(text, filters=filters), *_personal(text, filters=filters)])
    return tuple(replace(f, preview=preview(text, f)) for f in found)


def preview(text: str, finding: Finding) -> str:
    """A few leading characters of the finding's value and its length, never the whole value."""
    value = text[finding.start : finding.end]
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}… ({len(value)} chars)"


def mask(text: str, findings: Iterable[Finding] | None = None) -> str:
    """``text`` with every secret replaced by ``[redacted <kind>]``."""
    secrets = [f for f in (scan(text) if findings is None else findings) if f.category == "secret"]
    for f in sorted(secrets, key=lambda f: f.start, reverse=True):
        text = f"{text[: f.start]}[redacted {f.kind}]{text[f.end :]}"
    return text


def masked(grounding: Grounding, mask_text: Callable[[str], str] = mask) -> Grounding:
    """``grounding`` with every secret in its passages masked (the same object when none).
    ``mask_text``: ``mask``, or a cache of it."""
    hits = tuple(replace(h, text=mask_text(h.text)) for h in grounding.context)
    if all(a.text == b.text for a, b in zip(hits, grounding.context, strict=True)):
        return grounding
    return replace(grounding, context=hits)
