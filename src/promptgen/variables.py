"""Template variables in a draft: found with their spans, so they survive the rewrite untouched.

A draft that is itself a template ("Write to {{customer}} about <product name>") holds slots the
user fills later. They are kept verbatim in the optimized prompt (the optimizer copies the draft
as typed), listed in the answer (``variables``) and never searched as Library terms
(``mask``: retrieval sees spaces where they were).

Detection rules, tried in this order; a later kind never overlaps an earlier match:

1. ``{{ name }}`` (Jinja, Mustache, Handlebars; ``{{{ name }}}`` too): an identifier, dotted
   paths (``user.name``) and Jinja filters (``{{ name | upper }}``) allowed, ``-`` whitespace
   control allowed. Mustache sections and tags (``{{#items}}``, ``{% if %}``) are not variables.
   Found everywhere, fenced code included: double braces are never ordinary code.
2. ``${NAME}`` (shell, JavaScript template literals, Terraform): any identifier in the braces.
3. ``$NAME`` (shell): an UPPERCASE identifier of two characters or more, not followed by a
   letter, digit or ``$``: ``$API_KEY`` yes; ``$5``, ``$5M``, ``$x``, ``$Name`` and ``$A$``
   (math) no. A ticker such as ``$AAPL`` reads as one (harmless: it stays verbatim).
4. ``{name}`` (``str.format``, f-strings, LangChain): one identifier, optionally with dotted or
   ``[key]`` access and a ``!r``/``!s``/``!a`` conversion, and nothing else: no spaces, quotes,
   colons or commas, so JSON and dict literals (``{ "a": 1 }``, ``{a: 1}``) and sets
   (``{1, 2}``, ``{a, b}``) are not variables. Format specs (``{price:.2f}``) are left out with
   them. Positional fields (``{}``, ``{0}``) are not variables: they carry no name (and no
   searchable word). A brace right after a letter, digit, ``\\``, ``^``, ``_`` or ``}`` is not
   one either: LaTeX (``\\frac{a}{b}``, ``x_{i}``) and code (``f{x}``).
5. ``<placeholder>``: a letter, then letters, digits, spaces, ``_``, ``-`` or ``.``; 2 to 40
   characters, at most five words (``<your name>``, ``<API_KEY>``, ``<file-path>``). Not an HTML
   element name (``<div>``, ``<br>``), nothing with ``/``, ``=``, quotes, ``@`` or ``:`` (closing
   and self-closing tags, attributes, e-mail and URL autolinks), not right after a letter, digit
   or ``_`` (generics: ``List<String>``, ``Vec<T>``), and not a tag closed elsewhere in the draft
   (``<instructions>…</instructions>`` is structure, not a slot).

Kinds 2 to 5 are not looked for inside fenced code blocks (```` ``` ```` or ``~~~``): there a
brace is a set or a block, ``$NAME`` a shell variable, ``<T>`` a generic or a tag.

Spans are Python string indices (code points) into the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_IDENT}(?:\.{_IDENT})*"

_DOUBLE = re.compile(
    rf"\{{\{{\{{\s*{_PATH}\s*\}}\}}\}}"  # {{{ raw }}}
    rf"|\{{\{{-?\s*{_PATH}(?:\s*\|\s*{_IDENT})*\s*-?\}}\}}"  # {{ name | filter }}
)
_SHELL_BRACED = re.compile(rf"\$\{{{_IDENT}\}}")
_SHELL = re.compile(r"(?<![\w$\\])\$[A-Z_][A-Z0-9_]+(?![\w$])")
_FORMAT = re.compile(rf"(?<![\w\\^}}{{$])\{{{_IDENT}(?:\.{_IDENT}|\[\w+\])*(?:![rsa])?\}}(?!\}})")
_ANGLE = re.compile(r"(?<![\w<])<([A-Za-z][A-Za-z0-9_. \-]{0,38}[A-Za-z0-9_])>(?!>)")
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)

# HTML element names (and a few common XML-ish ones): <div> is markup, not a slot.
_HTML = """
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input
ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup
option output p param picture pre progress q rp rt ruby s samp script search section select slot
small source span strong style sub summary sup table tbody td template textarea tfoot th thead
time title tr track u ul var video wbr svg path g circle rect line polyline polygon text tspan
defs use symbol center font big strike tt marquee xml
"""
HTML_TAGS = frozenset(_HTML.split())
MAX_ANGLE_WORDS = 5


@dataclass(frozen=True, slots=True)
class Variable:
    """One template variable as typed, its kind and where it is: ``text[start:end]``."""

    text: str
    kind: str  # "double", "shell", "format" or "angle"
    start: int
    end: int


def _fenced(text: str) -> bytearray:
    """1 for every character inside a fenced code block, else 0."""
    code = bytearray(len(text))
    if "```" in text or "~~~" in text:
        for match in _FENCE.finditer(text):
            start, end = match.span()
            code[start:end] = b"\x01" * (end - start)
    return code


def _is_placeholder(inner: str, text: str) -> bool:
    name = inner.strip()
    if len(name.split()) > MAX_ANGLE_WORDS or name.casefold() in HTML_TAGS:
        return False
    return f"</{name}" not in text  # closed elsewhere: a structural tag


def find(text: str) -> list[Variable]:
    """Every template variable in ``text``, in order of position (see the module's rules)."""
    if not any(c in text for c in "{$<"):
        return []
    fences = _fenced(text)
    taken = bytearray(len(text))  # 1 where a variable already is: later kinds cannot overlap
    found: list[Variable] = []

    def keep(kind: str, match: re.Match[str], *, in_code: bool) -> None:
        start, end = match.span()
        if any(taken[start:end]) or (not in_code and any(fences[start:end])):
            return
        taken[start:end] = b"\x01" * (end - start)
        found.append(Variable(match.group(), kind, start, end))

    for match in _DOUBLE.finditer(text):
        keep("double", match, in_code=True)
    for pattern in (_SHELL_BRACED, _SHELL):
        for match in pattern.finditer(text):
            keep("shell", match, in_code=False)
    for match in _FORMAT.finditer(text):
        keep("format", match, in_code=False)
    judged: dict[str, bool] = {}  # each name is judged once, however often it repeats
    for match in _ANGLE.finditer(text):
        inner = match.group(1)
        if inner not in judged:
            judged[inner] = _is_placeholder(inner, text)
        if judged[inner]:
            keep("angle", match, in_code=False)
    return sorted(found, key=lambda v: v.start)


def names(text: str) -> tuple[str, ...]:
    """The distinct variables of ``text`` as typed, in order of first appearance."""
    return tuple(dict.fromkeys(v.text for v in find(text)))


def mask(text: str) -> str:
    """``text`` with every variable blanked to spaces (same length): what retrieval searches."""
    variables = find(text)
    if not variables:
        return text
    out: list[str] = []
    last = 0
    for v in variables:
        out.append(text[last : v.start])
        out.append(" " * (v.end - v.start))
        last = v.end
    out.append(text[last:])
    return "".join(out)
