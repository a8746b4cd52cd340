"""Vendor gitleaks' published rule set into src/promptgen/safety_rules.toml (safety.py's rules).

Usage, from the repository root:

    git -C <gitleaks clone> show <commit>:config/gitleaks.toml > /tmp/gitleaks.toml
    python scripts/vendor_gitleaks_rules.py /tmp/gitleaks.toml --commit <commit> --date <YYYY-MM-DD>

It rewrites the header, the global ``[allowlist]`` and every ``[[rules]]`` entry with
``source = "gitleaks"``, and keeps the rest of the file (from the line ``# Our own rules.`` on)
as it is. The choice of rules is gitleaks' whole set: every rule is converted unless its regex
still fails to compile in Python after the mechanical fixes below, or it can never apply to a
chat draft (it matches a file path, or only files whose path matches ``path``); each skipped
rule is listed in the header with its reason.

Mapping, per rule: ``id``, ``regex``, ``secretGroup``, ``entropy`` and ``keywords`` (lower-cased,
as gitleaks does) are copied; each ``[[rules.allowlists]]`` entry's ``regexes`` go to
``allow_secret`` (``regexTarget`` unset or "secret"), ``allow_match`` ("match") or
``allow_line`` ("line"), and its ``stopwords`` (lower-cased) to ``stopwords``. An allowlist that
needs a file path or a commit (``paths``, ``commits``, or ``condition = "AND"`` with either)
never applies to a draft, so it is dropped. The global ``[allowlist]`` keeps its ``regexes`` and
``stopwords`` (its ``paths`` are dropped). ``kind`` (our warning's name) is the id, except for
the providers that our earlier, hand-picked rules named (``KINDS``), whose kind stays.

Mechanical Go (RE2) -> Python ``re`` fixes, each listed per rule in the header:

- ``\\z`` (end of text) -> ``\\Z``, Python's spelling of the same assertion.
- A flag group such as ``(?i)`` that is not at the very start of the regex (Python 3.11 rejects
  it) -> a scoped group ``(?i:...)`` around the rest of its enclosing group, each remaining
  alternative wrapped on its own: Go's flags last from the flag group to the end of the
  enclosing group, across ``|``.
- POSIX classes inside a bracket (``[[:alnum:]]``) -> their ASCII ranges (``[a-zA-Z0-9]``);
  Python would read ``[[:alnum:]]`` as a set of the characters ``[:alnu`` then ``]``.
- ``(?a)`` in front of every regex that uses ``\\w \\d \\s \\b`` (or their negations) or
  case-insensitive matching: RE2's classes, word boundaries and case folding are ASCII; Python's
  are Unicode unless ``(?a)``.

Go's regexes have no possessive or atomic constructs, so there is nothing to translate there.
Not changed: a ``$`` outside ``(?m)`` is the end of the text in Go and also the point before a
final newline in Python; every vendored ``$`` is an alternative beside ``\\s`` or ``\\n``, so it
finds the same secrets.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "promptgen" / "safety_rules.toml"
OURS_MARKER = "# Our own rules."
SOURCE_URL = "https://github.com/gitleaks/gitleaks/blob/{commit}/config/gitleaks.toml"

# Kinds our earlier (hand-picked) rules named, by provider (the id's first word), kept for
# every rule of that provider; any other rule's kind is its id.
KINDS = {
    "aws": "aws-access-key",
    "github": "github-token",
    "gitlab": "gitlab-token",
    "slack": "slack-token",
    "stripe": "stripe-key",
    "gcp": "google-api-key",
    "openai": "openai-key",
    "anthropic": "anthropic-key",
    "jwt": "jwt",
}
KIND_BY_ID = {"slack-webhook-url": "slack-webhook", "generic-api-key": "generic-secret"}

# Our changes beyond the mechanical ones. These rules' capture groups name parts of the token,
# not the secret: without secretGroup gitleaks reports the first non-empty group as the secret
# (a 10-character piece of the JWT header; one 4-character piece of a UUID in the URL), which
# would make the warning's span and the mask cover that piece only. secretGroup = 0 (our
# extension: the whole match) makes them cover the token.
WHOLE_MATCH = {
    "jwt-base64": "its named groups label the JWT header's first field",
    "microsoft-teams-webhook": "its groups are repeated pieces of the URL's UUIDs",
}

POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7F",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_FLAGS = re.compile(r"\(\?([imsU-]+)\)")
_OPENER = re.compile(r"\((?:\?(?:P?<\w+>|[imsU-]*:))?")
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_NEEDS_ASCII = re.compile(r"\\[wWdDsSbB]|\(\?[a-zU]*i")


@dataclass
class _Group:
    opener: str
    alts: list[list[Any]]


@dataclass
class _Flags:
    flags: str


@dataclass
class Converted:
    """A Go regex in Python's spelling, and the fixes that made it so."""

    pattern: str
    fixes: list[str] = field(default_factory=list)


def _class_end(p: str, i: int) -> int:
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p):
        if p[j] == "\\":
            j += 2
        elif (m := _POSIX_CLASS.match(p, j)) is not None:
            j = m.end()
        elif p[j] == "]":
            return j + 1
        else:
            j += 1
    raise ValueError(f"unterminated character class at {i}")


def _parse(p: str, i: int, fixes: list[str]) -> tuple[list[list[Any]], int]:
    alts: list[list[Any]] = [[]]
    while i < len(p):
        c = p[i]
        if c == "\\":
            token = p[i : i + 2]
            if token == "\\z":
                token = "\\Z"
                fixes.append("\\z -> \\Z")
            alts[-1].append(token)
            i += 2
        elif c == "[":
            j = _class_end(p, i)
            body = p[i:j]
            fixed = _POSIX_CLASS.sub(lambda m: _posix(m, fixes), body)
            alts[-1].append(fixed)
            i = j
        elif c == "(":
            if (m := _FLAGS.match(p, i)) is not None:
                alts[-1].append(_Flags(m.group(1)))
                i = m.end()
                continue
            opener = _OPENER.match(p, i)
            assert opener is not None
            inner, i = _parse(p, opener.end(), fixes)
            if i >= len(p) or p[i] != ")":
                raise ValueError("unbalanced parenthesis")
            alts[-1].append(_Group(opener.group(), inner))
            i += 1
        elif c == ")":
            return alts, i
        elif c == "|":
            alts.append([])
            i += 1
        else:
            alts[-1].append(c)
            i += 1
    return alts, i


def _posix(m: re.Match[str], fixes: list[str]) -> str:
    if m.group(1) or m.group(2) not in POSIX:
        raise ValueError(f"unsupported POSIX class {m.group()}")
    fixes.append(f"[{m.group()}] -> [{POSIX[m.group(2)]}]")
    return POSIX[m.group(2)]


def _scope_flags(alts: list[list[Any]], fixes: list[str], *, top: bool) -> list[list[Any]]:
    """Go's mid-pattern flag groups as Python's scoped groups (recursively)."""
    out: list[list[Any]] = []
    scoped: str | None = None  # flags set by an earlier alternative of this group
    for k, alt in enumerate(alts):
        items = [_Group(f"(?{scoped}:", [alt])] if scoped else alt
        for n, item in enumerate(items):
            if not isinstance(item, _Flags):
                continue
            if top and k == 0 and all(isinstance(x, _Flags) for x in items[: n + 1]):
                continue  # at the very start: a global flag, which Python accepts
            rest = items[n + 1 :]
            if k < len(alts) - 1 and any(isinstance(x, _Flags) for x in rest):
                raise ValueError("two flag groups in one group, then more alternatives")
            fixes.append(f"(?{item.flags}) -> (?{item.flags}:...)")
            items = [*items[:n], _Group(f"(?{item.flags}:", [rest])]
            scoped = item.flags
            break
        out.append([_walk(x, fixes) for x in items])
    return out


def _walk(item: Any, fixes: list[str]) -> Any:
    if isinstance(item, _Group):
        return _Group(item.opener, _scope_flags(item.alts, fixes, top=False))
    return item


def _emit(alts: list[list[Any]]) -> str:
    return "|".join("".join(_emit_item(x) for x in alt) for alt in alts)


def _emit_item(item: Any) -> str:
    if isinstance(item, _Group):
        return f"{item.opener}{_emit(item.alts)})"
    if isinstance(item, _Flags):
        return f"(?{item.flags})"
    return str(item)


def go_to_python(pattern: str) -> Converted:
    """``pattern`` (Go RE2 syntax) spelled for Python's ``re``, with the fixes applied.

    Raises ``re.error`` (or ``ValueError``) when the result still does not compile cleanly.
    """
    fixes: list[str] = []
    alts, end = _parse(pattern, 0, fixes)
    if end != len(pattern):
        raise ValueError("unbalanced parenthesis")
    out = _emit(_scope_flags(alts, fixes, top=True))
    if _NEEDS_ASCII.search(out):
        out = "(?a)" + out
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FutureWarning: a nested set Python would misread
        re.compile(out)
    return Converted(out, sorted(set(fixes)))


def kind_of(rule_id: str) -> str:
    """Our warning's name for a gitleaks rule."""
    return KIND_BY_ID.get(rule_id) or KINDS.get(rule_id.split("-")[0], rule_id)


def _toml_str(value: str) -> str:
    if "'''" not in value and not value.endswith("'") and "\n" not in value:
        return f"'''{value}'''"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_list(items: list[str], *, width: int = 100) -> str:
    """A TOML array of already-quoted ``items``: inline when short, else packed lines."""
    inline = "[" + ", ".join(items) + "]"
    if len(inline) <= width - 20:
        return inline
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) + 2 > width - 4:
            lines.append(line)
            line = ""
        line = f"{line}{item}, "
    lines.append(line)
    return "[\n" + "".join(f"    {x.rstrip()}\n" for x in lines) + "]"


def _regexes(values: list[str]) -> str:
    return _toml_list([_toml_str(v) for v in values])


def _words(values: list[str]) -> str:
    return _toml_list([json.dumps(v) for v in values])


@dataclass
class Result:
    """The converter's output: the TOML entries, and what was skipped or fixed (for the header)."""

    entries: list[str]
    skipped: list[tuple[str, str]]
    fixed: list[tuple[str, list[str]]]
    dropped_allowlists: list[tuple[str, str]]
    global_allowlist: str


def _allowlists(rule: dict[str, Any], fixes: list[str], dropped: list[str]) -> dict[str, list[str]]:
    """A rule's allowlists as allow_secret / allow_match / allow_line / stopwords."""
    out: dict[str, list[str]] = {"allow_secret": [], "allow_match": [], "allow_line": []}
    out["stopwords"] = []
    for allow in rule.get("allowlists", []):
        needs_file = bool(allow.get("paths") or allow.get("commits"))
        content = bool(allow.get("regexes") or allow.get("stopwords"))
        if needs_file and (allow.get("condition", "OR").upper() == "AND" or not content):
            how = "AND with paths" if content else "paths only"
            dropped.append(f"an allowlist ({how})")
            continue
        target = allow.get("regexTarget") or "secret"
        name = {"secret": "allow_secret", "match": "allow_match", "line": "allow_line"}[target]
        for x in allow.get("regexes", []):
            converted = go_to_python(x)
            fixes.extend(f"allowlist: {f}" for f in converted.fixes)
            out[name].append(converted.pattern)
        out["stopwords"].extend(w.lower() for w in allow.get("stopwords", []))
    return out


def convert(gitleaks: dict[str, Any]) -> Result:
    """The vendored entries for every gitleaks rule that can run on a draft, in gitleaks' order."""
    entries: list[str] = []
    skipped: list[tuple[str, str]] = []
    fixed: list[tuple[str, list[str]]] = []
    dropped_allowlists: list[tuple[str, str]] = []
    # gitleaks' order (by id), but generic rules last: safety.py keeps one finding per span, the
    # first rule's, so a provider's kind wins over generic-secret on the same token.
    ordered = sorted(gitleaks["rules"], key=lambda r: r["id"].startswith("generic-"))
    for rule in ordered:
        rid = rule["id"]
        if "regex" not in rule:
            skipped.append((rid, f"path only: it flags a file name ({rule['path']}), not content"))
            continue
        if "path" in rule:
            skipped.append(
                (rid, f"runs only on files whose path matches {rule['path']}; a draft has no path")
            )
            continue
        try:
            converted = go_to_python(rule["regex"])
            fixes = list(converted.fixes)
            dropped: list[str] = []
            allow = _allowlists(rule, fixes, dropped)
        except (re.error, ValueError, FutureWarning) as exc:
            skipped.append((rid, f"does not compile in Python: {exc}"))
            continue
        if fixes:
            fixed.append((rid, sorted(set(fixes))))
        dropped_allowlists.extend((rid, d) for d in dropped)
        lines = [
            "[[rules]]",
            f'id = "{rid}"',
            f'kind = "{kind_of(rid)}"',
            'source = "gitleaks"',
            f"regex = {_toml_str(converted.pattern)}",
        ]
        if rid in WHOLE_MATCH:
            lines.append(f"secretGroup = 0  # ours: the whole match ({WHOLE_MATCH[rid]})")
        elif "secretGroup" in rule:
            lines.append(f"secretGroup = {rule['secretGroup']}")
        if "entropy" in rule:
            lines.append(f"entropy = {rule['entropy']}")
        if rule.get("keywords"):
            lines.append(f"keywords = {_words(sorted({k.lower() for k in rule['keywords']}))}")
        for name in ("allow_secret", "allow_match", "allow_line"):
            if allow[name]:
                lines.append(f"{name} = {_regexes(allow[name])}")
        if allow["stopwords"]:
            lines.append(f"stopwords = {_words(sorted(set(allow['stopwords'])))}")
        entries.append("\n".join(lines))
    glob = gitleaks.get("allowlist", {})
    converted_globals = [go_to_python(x) for x in glob.get("regexes", [])]
    regexes = [c.pattern for c in converted_globals]
    if global_fixes := sorted({f for c in converted_globals for f in c.fixes}):
        fixed.insert(0, ("[allowlist]", global_fixes))
    stopwords = sorted({w.lower() for w in glob.get("stopwords", [])})
    global_allowlist = "\n".join(
        [
            "[allowlist]",
            f"regexes = {_regexes(regexes)}",
            f"stopwords = {_words(stopwords)}",
        ]
    )
    return Result(entries, skipped, fixed, dropped_allowlists, global_allowlist)


LICENCE = """\
MIT License

Copyright (c) 2019 Zachary Rice

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


def header(result: Result, commit: str, date: str, total: int) -> str:
    """The TOML file's comment header: provenance, mapping, fixes, skipped rules, licence."""
    text = f"""\
Secret rules for promptgen/safety.py.

gitleaks' rule set, vendored whole:
{SOURCE_URL.format(commit=commit)}
(commit {commit}, {date}).
GENERATED from that file by scripts/vendor_gitleaks_rules.py (usage in its docstring): do not
edit the [allowlist] or the source = "gitleaks" rules by hand; rerun the script.
{len(result.entries)} of gitleaks' {total} rules are here; the {len(result.skipped)} skipped are listed below.

Each [[rules]] entry with source = "gitleaks" copies that rule's id, regex, secretGroup, entropy
and keywords (lower-cased; safety.py runs a rule only when one of them is in the lower-cased
draft, as gitleaks does), and its allowlists: regexes checked against the secret (regexTarget
unset or "secret") -> allow_secret, against the whole match ("match") -> allow_match, against the
match's line ("line") -> allow_line; stopwords (lower-cased) -> stopwords. Allowlists that need a
file path or commit never apply to a draft and are dropped. [allowlist] is gitleaks' global
allowlist (its regexes and stopwords; its paths dropped): safety.py applies it to every rule.
`kind` is ours (the warning's name): the id, or the kind our earlier rules gave that provider
(aws-access-key, github-token, gitlab-token, slack-token, slack-webhook, stripe-key,
google-api-key, openai-key, anthropic-key, jwt, generic-secret). The order is gitleaks' but
generic-api-key last: safety.py keeps the first rule's finding on a span, so a provider's kind
wins.

Changes to gitleaks' regexes, all mechanical Go (RE2) -> Python re fixes (see the script):
- \\z -> \\Z (Python's spelling of end-of-text);
- a flag group such as (?i) not at the start of the regex -> (?i:...) around the rest of its
  enclosing group, each remaining alternative on its own (Go's scope; Python rejects the former);
- a POSIX class inside brackets, [[:alnum:]] -> [0-9A-Za-z] (Python would misread it);
- (?a) in front of regexes using \\w \\d \\s \\b or (?i): RE2's classes and case folding are ASCII.
Rules with fixes other than (?a):
"""
    for rid, fixes in result.fixed:
        text += f"  {rid}: {'; '.join(fixes)}\n"
    text += (
        "Our change (not mechanical): secretGroup = 0, the whole match, for rules whose groups\n"
    )
    text += "are parts of the token (gitleaks would take the first non-empty part as the secret):\n"
    for rid, why in WHOLE_MATCH.items():
        text += f"  {rid}: {why}\n"
    text += "Allowlists dropped (they need a file path, which a draft has not):\n"
    for rid, what in result.dropped_allowlists:
        text += f"  {rid}: {what}\n"
    text += "Skipped rules:\n"
    for rid, why in result.skipped:
        text += f"  {rid}: {why}\n"
    text += (
        "(No rule was skipped for failing to compile.)\n"
        if not any("compile" in why for _, why in result.skipped)
        else ""
    )
    text += f'Rules with source = "promptgen" are our own, after {OURS_MARKER!r}.\n\n'
    text += "gitleaks' licence:\n\n" + LICENCE
    return "\n".join(f"# {x}".rstrip() for x in text.splitlines())


def render(gitleaks_toml: str, ours: str, commit: str, date: str) -> str:
    """The whole safety_rules.toml: header, vendored rules, then ``ours`` (our own rules)."""
    gitleaks = tomllib.loads(gitleaks_toml)
    result = convert(gitleaks)
    parts = [
        header(result, commit, date, len(gitleaks["rules"])),
        result.global_allowlist,
        *result.entries,
    ]
    return "\n\n".join(parts) + "\n\n" + ours


def our_rules(path: Path) -> str:
    """Everything in ``path`` from the line ``# Our own rules.`` on."""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n" + OURS_MARKER)
    if start < 0:
        raise SystemExit(f"{path}: no line {OURS_MARKER!r}")
    return text[start + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gitleaks_toml", type=Path, help="gitleaks' config/gitleaks.toml")
    parser.add_argument("--commit", required=True, help="the gitleaks commit it comes from")
    parser.add_argument("--date", required=True, help="that commit's date, YYYY-MM-DD")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    text = render(
        args.gitleaks_toml.read_text(encoding="utf-8"), our_rules(args.out), args.commit, args.date
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
