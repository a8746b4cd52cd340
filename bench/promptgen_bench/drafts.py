"""A realistic mix of drafts: short and long, grounded and not, new and repeated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from promptgen_bench.corpus import FOREIGN_WORDS, FUNCTION_WORDS, CorpusPlan, iter_sections

HOT_DOCUMENTS = 300  # documents people ask about (regenerated once, then drawn from)
REPEAT_SHARE = 0.3  # drafts sent again unchanged (debounced re-sends, the same question)
LONG_SHARE = 0.35
GROUNDED_SHARE = 0.6
POOL = 200

_SHORT_ASKS = (
    "how do we {a} the {b}?",
    "explain {a} {b} {c}",
    "write a python function that handles {a} {b} and {c}",
    "what is the {a} {b} policy",
    "summarize the {a} notes on {b} {c}",
    "why does {a} {b} fail after {c}",
    "{a} {b} {c} {d}",
    "compare {a} and {b} for {c}",
    "steps to {a} the {b} {c} safely",
)
_LONG_ASKS = (
    "I'm reading the section on {h}. {x} Can you explain what this means for us?",
    "Here is what I have so far about {h}:\n\n{x}\n\nRewrite it as a short checklist.",
    "Review this: {x} What is missing before we ship it?",
    "Write a function based on these notes about {h}. {x}",
)


@dataclass(frozen=True, slots=True)
class Draft:
    """One draft and what kind it is (short/long, grounded/foreign, new/repeat)."""

    text: str
    kind: str


class DraftMix:
    """Deterministic draft generator over a generated corpus."""

    def __init__(self, plan: CorpusPlan, seed: int) -> None:
        self._rng = np.random.default_rng([plan.seed, seed, 99])
        docs = len(plan.markdown_sections)
        picks: list[tuple[str, int]] = [
            ("md", int(i)) for i in self._rng.integers(0, docs, min(HOT_DOCUMENTS, docs))
        ]
        if plan.jsonl_records:
            picks += [("jsonl", int(i)) for i in self._rng.integers(0, plan.jsonl_records, 50)]
        self._sections = [(s.heading, s.body.split()) for s in iter_sections(plan, picks)]
        self._pool: list[Draft] = []
        self.kinds: Counter[str] = Counter()

    def _words(self, n: int) -> list[str]:
        """``n`` content words of one random hot section (what a grounded draft mentions)."""
        heading, body = self._sections[int(self._rng.integers(len(self._sections)))]
        content = [w.strip(".,:()'`").lower() for w in [*heading.split(), *body] if len(w) > 2]
        content = [w for w in content if w.isalpha() and w not in FUNCTION_WORDS] or ["release"]
        return [content[int(i)] for i in self._rng.integers(0, len(content), n)]

    def _excerpt(self) -> tuple[str, str]:
        """A heading and a contiguous excerpt (15-120 words) of one hot section."""
        heading, body = self._sections[int(self._rng.integers(len(self._sections)))]
        size = int(self._rng.integers(15, 121))
        start = int(self._rng.integers(0, max(1, len(body) - size)))
        return heading, " ".join(body[start : start + size])

    def _foreign(self, n: int) -> list[str]:
        words = self._rng.choice(FOREIGN_WORDS, n).tolist()
        glue = self._rng.choice(FUNCTION_WORDS[:12], n).tolist()
        return [w if self._rng.random() < 0.7 else g for w, g in zip(words, glue, strict=True)]

    def fresh(self) -> Draft:
        """A draft never produced before (a new combination of words)."""
        long = self._rng.random() < LONG_SHARE
        grounded = self._rng.random() < GROUNDED_SHARE
        if long:
            template = _LONG_ASKS[int(self._rng.integers(len(_LONG_ASKS)))]
            if grounded:
                heading, excerpt = self._excerpt()
            else:
                heading = " ".join(self._foreign(3))
                excerpt = " ".join(self._foreign(int(self._rng.integers(15, 121))))
            text = template.format(h=heading, x=excerpt)
        else:
            template = _SHORT_ASKS[int(self._rng.integers(len(_SHORT_ASKS)))]
            words = self._words(4) if grounded else self._foreign(4)
            text = template.format(**dict(zip("abcd", words, strict=True)))
        kind = f"{'long' if long else 'short'}-{'grounded' if grounded else 'foreign'}"
        draft = Draft(text, kind)
        if len(self._pool) < POOL:
            self._pool.append(draft)
        else:
            self._pool[int(self._rng.integers(POOL))] = draft
        return draft

    def next(self) -> Draft:
        """The next draft of the mix: a repeat of an earlier one or a fresh one."""
        if self._pool and self._rng.random() < REPEAT_SHARE:
            old = self._pool[int(self._rng.integers(len(self._pool)))]
            draft = Draft(old.text, "repeat")
        else:
            draft = self.fresh()
        self.kinds[draft.kind] += 1
        return draft

    def batch(self, n: int) -> list[Draft]:
        """The next ``n`` drafts of the mix."""
        return [self.next() for _ in range(n)]
