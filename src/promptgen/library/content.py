"""Which of a draft's terms can ground it: the topic words, not its numbers and filler.

Index terms (``terms.py``) keep every word a search may need, numbers and common verbs included.
Grounding asks a narrower question, whether a passage is *about* what the draft asks, and there
a shared "15" or "explain" is no evidence: "what's 15% of 80" matched a table of latencies and
"What is the value of 2+2?" a paragraph on estimates, both grounded with high confidence
(docs/grounding.md). Coverage and the grounding rules count content terms only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from promptgen.library.terms import terms

# Question words, filler and generic verbs of requests: present in any draft on any topic.
# Listed as typed; they are stemmed with the index's own rules below, so the set cannot drift
# from the terms it filters.
_GENERIC = """
what whats what's how hows how's why when where which who whose whom
much many lot lots value values number numbers amount percent percentage per
get gets got getting use uses used using make makes made making need needs want wants
like way ways thing things something anything everything someone anyone
work works working good best better bad new old big small one two three four five six seven
eight nine ten first second third also really actually yes yeah ok okay hi hello hey thanks
thank explain tell give show help know think say said go going take put see look find try
time times day days example examples etc mean means meaning define definition question
answer write create list describe possible kind sort type types difference different
im ive dont cant wont doesnt isnt thats theres
"""
GENERIC_TERMS = frozenset(terms(_GENERIC))
# A term of digits, with their separators, and no letter: "15", "2026", "3.14", "1,000".
_NUMBER = re.compile(r"^[\d.,]+$")


def is_content_term(term: str) -> bool:
    """Whether ``term`` (an index term) can count as evidence that a passage answers a draft."""
    # One Latin letter is a variable, an initial or a list marker ("7 x 8", "option b"), not a
    # topic; a single CJK character is a word and stays.
    if len(term) == 1 and term.isascii():
        return False
    return term not in GENERIC_TERMS and _NUMBER.match(term) is None


def content_terms(query_terms: Iterable[str]) -> list[str]:
    """The content terms among ``query_terms``, in order."""
    return [t for t in query_terms if is_content_term(t)]
