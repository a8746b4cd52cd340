"""What a draft refers to in the conversation so far: is it a follow-up, and of what.

A follow-up such as "and for PostgreSQL?" or "now make it shorter" says little by itself: its
intent is the conversation's, and the Library passages it needs are those of the question it
follows. ``follow_up`` decides from the draft's own words (it opens like a follow-up, or it is
short and points back with "it", "that", "this"…) and returns the last user turn it depends on;
the engine then classifies and searches with that turn too, and the optimized prompt says what
the draft refers to.
"""

from __future__ import annotations

import re

from promptgen.types import Turn

# Openings of a draft that continues the previous turn rather than starting a new one.
_OPENS_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|now|then|but|so|ok(?:ay)?|same|instead|again|what about|how about|"
    r"and what about|make it|make them|rewrite|shorten|shorter|longer|expand|simplify|"
    r"translate|summari[sz]e (?:it|that|this)|explain (?:it|that|this)|do (?:it|that|the same)|"
    r"can you (?:also|now|make it|rewrite|shorten|expand|explain (?:it|that))|"
    r"could you (?:also|now|make it|rewrite|shorten|expand)|why|what if|more|less|fewer)\b",
    re.IGNORECASE,
)
# Words that point back at something said before.
_POINTS_BACK = re.compile(
    r"\b(?:it|that|this|those|these|them|above|previous|earlier|same|your (?:answer|response))\b",
    re.IGNORECASE,
)
# A short draft that points back is a follow-up; a long one carries its own subject.
SHORT_WORDS = 12
# The earlier turn quoted in the optimized prompt is cut to this many characters.
QUOTE_CHARS = 400


def follow_up(text: str, history: tuple[Turn, ...]) -> str | None:
    """The last user turn ``text`` follows up on, or None when it stands on its own."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if previous is None:
        return None
    words = text.split()
    if _OPENS_FOLLOW_UP.search(text) or (len(words) <= SHORT_WORDS and _POINTS_BACK.search(text)):
        return previous
    return None


def quote(previous: str) -> str:
    """The earlier turn as the optimized prompt cites it (one line, bounded)."""
    line = " ".join(previous.split())
    return line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1] + "…"
