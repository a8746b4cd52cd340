"""Screening: flag Library passages that carry instructions aimed at a model, or hidden text.

A passage is data, never an instruction: the optimizer already escapes it so that it cannot
leave its cited ``<passage>`` block. Screening says which passages *try* to act on a model, so
that the answer shows it (``context[].flags``) and the Refusal Contract can rank them down or
leave them out (``PROMPTGEN_FLAGGED_CONTEXT``).

Flags:

- ``instruction_to_model``: the text addresses an AI ("you are now…", "if you are an AI…",
  "note to the assistant"), tells it to ignore, forget or override previous / system
  instructions, to reveal its system prompt, to take a new role ("pretend you are", "developer
  mode"), or carries a system role marker (``system:`` at a line start, ``<|im_start|>``,
  ``[INST]``, ``<<SYS>>``…).
- ``hidden_text``: zero-width characters inside an ASCII word, bidi overrides, Unicode tag
  characters, or an HTML comment holding three or more words.

Precision comes first: imperatives to people are not flagged ("Run make test before you push",
"ignore the warning about deprecated flags", "tell the on-call engineer"): the override needs
an object that is an instruction, prompt or rule ("ignore the warning" is not one). A chat
export (``User:`` / ``Assistant:`` turns) is not flagged; only the ``system`` role is, since a
passage has no business speaking for the system. A page that *explains* prompt injection is
not flagged for an example it quotes: a match inside quotes or a code span counts as a mention,
not an instruction, when the passage talks about injection or attacks. The same words unquoted
are flagged, wherever they are. A regular-expression screen is a tripwire, not a classifier:
paraphrases it has not seen pass (docs/quality.md gives its recall on a public set).
"""

from __future__ import annotations

import re

INSTRUCTION_TO_MODEL = "instruction_to_model"
HIDDEN_TEXT = "hidden_text"
FLAGS: tuple[str, ...] = (INSTRUCTION_TO_MODEL, HIDDEN_TEXT)

_PRIOR = (
    r"(?:previous|prior|above|earlier|preceding|former|initial|original|old|system|"
    r"developer|existing|given|current)"
)
_ORDERS = (
    r"(?:instructions?|prompts?|directions?|directives?|rules|guidelines|tasks?|commands?|"
    r"orders|constraints|restrictions|programming|guardrails|policies|context|messages?|"
    r"information)"
)
_OVERRIDE = (
    r"\b(?:ignore|disregard|forget|override|bypass|overwrite|discard|drop|abandon|neglect)\s+"
    r"(?:(?:all|any|every|each|of|the|your|my|these|those|this|its|whatever|everything|"
    r"you(?:'ve| have) been)\s+)*"
    rf"(?:(?:{_PRIOR}|said|(?:that\s+)?came\s+before|told|given)\s+)+{_ORDERS}\b"
    rf"|\b(?:ignore|disregard|forget|drop|abandon)\s+(?:all\s+)?your\s+(?:\w+\s+)?{_ORDERS}\b"
    rf"|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:the\s+)?(?:above|before)\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:about\s+)?(?:everything|all)\s+(?:you\s+know|above)\b"
    rf"|\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:that\s+)?(?:I|we|you)\s+"
    r"(?:said|told|wrote)\b"
)
_ADDRESS = (
    r"\b(?:if\s+you\s+are|you\s+are\s+now|you\s+are\s+an?)\s+"
    r"(?:ai|a\.i\.|artificial\s+intelligence|(?:large\s+)?language\s+model|llm|chatbot|"
    r"ai\s+assistant|gpt|chatgpt|claude|gemini)\b(?:\s+(?:reading|processing|summari[sz]ing))?"
    r"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+)?"
    r"(?:ai|llm|language\s+model|assistant|chatbot|model|gpt|agent)s?\b"
    r"|\b(?:dear|hey|hello|hi|attention)\s+(?:ai|llm|chatgpt|gpt|assistant|language\s+model)\b"
    r"|\b(?:ai|llm|language\s+model|assistant|chatbot|agent)s?\s+(?:reading|processing|"
    r"summari[sz]ing|parsing)\s+this\b"
)
_REVEAL = (
    r"\b(?:reveal|show|print|output|repeat|leak|display|dump|disclose|recite|spell\s+out|"
    r"tell\s+me|give\s+me|write\s+down)\s+(?:me\s+)?(?:all\s+|the\s+|of\s+)*"
    r"(?:your|the\s+system|the\s+hidden|the\s+initial|the\s+original|the\s+secret)\s+"
    r"(?:\w+\s+)?(?:prompts?|instructions|system\s+message|password|secret)\b"
)
_ROLE = (
    r"\b(?:pretend|imagine)\s+(?:that\s+)?(?:you\s+are|you're|to\s+be)\b"
    r"|\b(?:from\s+now\s+on|now)\s*,?\s+you\s+(?:are|will|must|act|shall)\b"
    r"|\byou\s+are\s+now\b"
    r"|\b(?:developer|god|jailbreak|dan|unrestricted)\s+mode\b"
    r"|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|uncensored|unfiltered|jailbroken|evil|dan)\b"
    r"|\b(?:your|the)\s+new\s+(?:task|instructions?|role|goal|rules?)\s+(?:is|are|:)"
    r"|\bnew\s+instructions?\s*:|\bnew\s+tasks?\s+follows?\b"
    r"|\bI\s+want\s+you\s+to\s+act\s+as\b"
    r"|\bwhat\s+(?:are|were|is)\s+your\s+(?:\w+\s+)?(?:instructions|prompt)\b"
    r"|\bnow\s+focus\s+on\s+your\s+new\s+task\b"
    r"|\b(?:do\s+not|don't|never)\s+(?:tell|inform|mention\s+(?:this|it)\s+to|reveal\s+"
    r"(?:this|it)\s+to|let)\s+the\s+user\b"
)
# A few German, French and Spanish forms: the public set we measure on is partly German.
_GERMAN = (
    r"\b(?:vergiss|vergessen\s+sie|ignoriere|ignorieren\s+sie|missachte)\s+"
    r"(?:\w+\s+){0,3}?(?:anweisungen|befehle|aufgaben|instruktionen|vorgaben|regeln|"
    r"auftr(?:ä|ae)ge|angaben|informationen|alles)\b"
    r"|\b(?:ab\s+jetzt|nun|jetzt)\s+bist\s+du\b|\bdu\s+bist\s+(?:jetzt|nun)\b"
    r"|\bnun\s+folgen\s+(?:neue|weitere)\s+aufgaben\b|\bich\s+möchte,\s+dass\s+sie\s+als\b"
    r"|\b(?:oubliez|ignorez|oublie|ignore|olvida|olvide|ignora)\s+(?:\w+\s+){0,2}?"
    r"(?:instructions|consignes|instrucciones|todo\s+(?:lo\s+)?que)\b"
)
_INSTRUCTION = re.compile(
    "|".join(f"(?:{p})" for p in (_OVERRIDE, _ADDRESS, _REVEAL, _ROLE, _GERMAN)), re.IGNORECASE
)
# Role markers: the system role at a line start, and chat-template control tokens.
_MARKER = re.compile(
    r"^[ \t>#*\[]*(?:system|sys)\s*[\]:]"
    r"|<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\|>"
    r"|\[/?INST\]|<</?SYS>>|^\s*</?system>",
    re.IGNORECASE | re.MULTILINE,
)
# The passage talks about attacks, so a quoted instruction in it is an example.
_EXPLAINS = re.compile(
    r"prompt[\s-]+injection|injection\s+attack|jailbreak|attacker|adversar|malicious|"
    r"for\s+example|e\.g\.|such\s+as",
    re.IGNORECASE,
)
_QUOTES = ('"', "`", "'")
_PAIRS = (("“", "”"), ("‘", "’"), ("«", "»"), ("„", "“"))

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u180e"
_ZW_BETWEEN_ASCII = re.compile(rf"[\x21-\x7e][{_ZERO_WIDTH}\ufeff]+[\x21-\x7e]")
_BIDI_OVERRIDE = re.compile("[\u202a\u202b\u202d\u202e]")
_TAG_CHARACTERS = re.compile("[\U000e0000-\U000e007f]")
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_WORD = re.compile(r"\b[^\W\d_]{2,}\b")


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` sits inside quotes or a code span on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end : line_end if line_end >= 0 else len(text)]
    for q in _QUOTES:
        if q == "'":
            # An apostrophe ("don't") is not a quote: count only those not between letters.
            opening = len(re.findall(r"(?<![^\W_])'", before))
            if opening % 2 == 1 and re.search(r"'(?![^\W_])", after):
                return True
            continue
        if before.count(q) % 2 == 1 and q in after:
            return True
    return any(before.rfind(o) > before.rfind(c) and c in after for o, c in _PAIRS if o != c)


def _instructs(text: str) -> bool:
    # Zero-width and tag characters split words ("ig\u200bnore") without showing: drop them.
    text = _TAG_CHARACTERS.sub("", re.sub(f"[{_ZERO_WIDTH}\ufeff]", "", text))
    explains: bool | None = None
    for pattern in (_INSTRUCTION, _MARKER):
        for match in pattern.finditer(text):
            if pattern is _MARKER and not match.group(0).strip().startswith(("<", "[")):
                return True  # a line-start role marker is never a quotation
            if not _quoted(text, match.start(), match.end()):
                return True
            if explains is None:
                explains = _EXPLAINS.search(text) is not None
            if not explains:
                return True
    return False


def _hidden(text: str) -> bool:
    if _BIDI_OVERRIDE.search(text) or _TAG_CHARACTERS.search(text):
        return True
    # ZWJ / ZWNJ join emoji and shape Arabic or Indic scripts: only those between ASCII
    # characters (inside a word) hide anything. A leading BOM is an encoding artefact.
    if _ZW_BETWEEN_ASCII.search(text):
        return True
    # "<!-- TOC -->", "<!-- markdownlint-disable MD013 -->" are tooling; three words are prose.
    return any(len(_WORD.findall(m.group(1))) >= 3 for m in _COMMENT.finditer(text))


def flags(text: str) -> tuple[str, ...]:
    """The screening flags that ``text`` raises, in FLAGS order (empty for a clean passage)."""
    found: list[str] = []
    if _instructs(text):
        found.append(INSTRUCTION_TO_MODEL)
    if _hidden(text):
        found.append(HIDDEN_TEXT)
    return tuple(found)
