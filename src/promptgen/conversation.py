"""What a draft refers to in the conversation so far: is it a follow-up, and of what.

A follow-up such as "and for PostgreSQL?" or "now make it shorter" says little by itself: its
intent is the conversation's, and the Library passages it needs are those of the question it
follows. ``follow_up`` decides from the draft's own words and returns the last user turn it
depends on; the engine then reads the two together (intent and search), and the optimized
prompt says what the draft refers to.

In a conversation, a very short draft ("how much ram", "thanks!! perfect", "as a json object
pls") leans on what came before; a longer one is a follow-up when it opens like one or points
back ("it", "those", "the tuple one", "instead"), unless it says it changes the subject
("unrelated: …"); past ``LONG_WORDS`` a draft carries its own subject whatever its first word.
The rule and its lengths were chosen on evaluation/followups/tuning.jsonl and followups.jsonl
(drafts labelled with whether they depend on the conversation); heldout.jsonl judges it.
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
    r"\b(?:it|that|this|those|these|them|they|there|then|above|previous|earlier|same|one|ones|"
    r"instead|either|both|too|also|tho|though|your (?:answer|response))\b",
    re.IGNORECASE,
)
# Words that say the draft starts afresh, even if it opens like a follow-up ("ok, unrelated: …").
_NEW_SUBJECT = re.compile(
    r"\b(?:unrelated|(?:different|new|random|side|separate) (?:question|topic|subject)|"
    r"(?:change|changing) (?:of |the )?(?:subject|topic)|off[- ]topic)\b",
    re.IGNORECASE,
)
# At most this many words, a draft in a conversation is a follow-up by its length alone (4 and 6
# scored within one draft of each other on the tuning sets; 4 leaves "write a haiku about snow"
# standing alone).
SHORT_WORDS = 4
# Past this many words a draft carries its own subject, however it opens.
LONG_WORDS = 20
# The earlier turn quoted in the optimized prompt is cut to this many characters.
QUOTE_CHARS = 400


def follow_up(text: str, history: tuple[Turn, ...]) -> str | None:
    """The last user turn ``text`` follows up on, or None when it stands on its own."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if previous is None:
        return None
    words = len(text.split())
    if _NEW_SUBJECT.search(text) or words > LONG_WORDS:
        return None
    if words <= SHORT_WORDS or _OPENS_FOLLOW_UP.search(text) or _POINTS_BACK.search(text):
        return previous
    return None


def quote(previous: str) -> str:
    """The earlier turn as the optimized prompt cites it (one line, bounded)."""
    line = " ".join(previous.split())
    return line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1] + "…"
