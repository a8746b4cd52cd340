"""Output-length estimate per intent, adjusted by what the draft asks for."""

from __future__ import annotations

import re

from promptgen.types import Intent

# Typical answer lengths (tokens) per intent, before adjustment; chosen from the usual shape
# of answers: a short chat reply, a function with explanation, a worked solution, an essay.
BASE_OUTPUT_TOKENS = {
    "general": 180,
    "brainstorm": 350,
    "writing": 450,
    "research": 400,
    "analysis": 250,
    "math": 300,
    "code": 450,
}
TOKENS_PER_WORD = 1.35

_WORDS_ASKED = re.compile(r"\b(\d{2,5})\s*(?:-|to)?\s*(?:\d{2,5}\s*)?words?\b", re.I)
_ITEMS_ASKED = re.compile(
    r"\b(\d{1,3})\s+(?:ideas|names|examples|options|ways|items|questions|points)\b", re.I
)
_SHORT = re.compile(
    r"\b(brief|briefly|short|one[- ]liner|one sentence|tl;?dr|concise|quick)\b", re.I
)
_LONG = re.compile(
    r"\b(detailed|in[- ]depth|comprehensive|thorough|essay|report|step[- ]by[- ]step|full)\b", re.I
)


def estimate_output_tokens(text: str, intent: Intent, prompt_tokens: int) -> int:
    """Expected answer length in tokens for this draft."""
    if match := _WORDS_ASKED.search(text):
        return max(16, int(int(match.group(1)) * TOKENS_PER_WORD))
    estimate = float(BASE_OUTPUT_TOKENS.get(intent.label, 250))
    if match := _ITEMS_ASKED.search(text):
        estimate = max(estimate, int(match.group(1)) * 30)
    if intent.label == "analysis":
        # Summaries and extractions scale with the text they are given.
        estimate += 0.25 * prompt_tokens
    if _SHORT.search(text):
        estimate *= 0.4
    elif _LONG.search(text):
        estimate *= 2.0
    return int(min(estimate, 8000))
