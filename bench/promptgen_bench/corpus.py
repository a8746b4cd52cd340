"""A generated, deterministic Library corpus: Zipf-distributed words, headings and code blocks.

Every document is generated from its own seed, so any document can be regenerated on demand
(the draft generator does that to ask about passages that really are in the Library).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

# Bump when the generated text changes: cached Libraries are keyed by it.
CORPUS_VERSION = 1
VOCABULARY_SIZE = 40_000
ZIPF_S = 1.07
ZIPF_Q = 2.7
FUNCTION_SHARE = 0.42
TOPIC_SHARE = 0.3
MARKDOWN_SHARE = 0.8
JSONL_RECORDS_PER_FILE = 200
FILES_PER_FOLDER = 500
MAX_SECTION_WORDS = 170


def _split(words: str) -> list[str]:
    """A word list written as one string."""
    return words.split()


FUNCTION_WORDS = _split(
    "the of and to a in is for that with on as be by this are it from or at an not we can "
    "if when all which has but will should must each into one more also than so then you "
    "your our their its was were been only any"
)
# Real technical words a team's notes use, mixed into the generated vocabulary.
TECHNICAL_WORDS = _split(
    "release rollback deploy service database config cluster request latency cache index "
    "query schema migration token user account billing invoice payment api endpoint server "
    "client queue worker job retry timeout error log metric alert dashboard incident review "
    "backup restore replica shard partition storage bucket file upload download search "
    "ranking model training dataset feature experiment test build pipeline branch merge "
    "commit version package dependency library module function class method interface "
    "permission role policy secret key certificate network proxy gateway route handler "
    "session cookie browser mobile android ios notes roadmap meeting decision customer "
    "support ticket escalation contract pricing plan quota limit budget forecast"
)
# Everyday words the corpus never contains: drafts made of them cannot be grounded.
FOREIGN_WORDS = _split(
    "poem autumn leaves birthday party recipe chocolate cake vacation beach mountain hiking "
    "guitar song lyrics football match weather tomorrow garden tomatoes dinner wedding "
    "speech grandmother story dragon castle knight princess ocean whale astronomy galaxy "
    "telescope volcano dinosaur painting museum sculpture violin orchestra marathon running "
    "shoes coffee espresso bakery bread sourdough yoga meditation sunrise sunset penguin "
    "kangaroo jungle safari camping tent fireplace winter snowflake holiday gift"
)

_ONSETS = _split("b c d f g h j k l m n p r s t v w z br cr dr fl gr pl pr st tr sh ch th")
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "", "", "", "n", "r", "s", "l", "t", "m", "x", "nd", "st"]
_CODE_LINES = (
    "def {a}_{b}({c}, {d}):",
    "    {c} = {e}.{f}({d})",
    "    if {c} is None:",
    "        raise {g}Error('{a} {b}')",
    "    return {e}_{f}({c})",
    "for {c} in {d}.{a}():",
    "    {e}[{c}] = {f}",
    "{a}_{b} = load_{c}('{d}')",
)


@dataclass(frozen=True, slots=True)
class Section:
    """One heading and its body (Markdown), sized to be exactly one Library chunk."""

    heading: str
    body: str


_RESERVED = frozenset(FUNCTION_WORDS + TECHNICAL_WORDS + FOREIGN_WORDS)


def _pseudo_words(rng: np.random.Generator, size: int) -> list[str]:
    """Distinct pronounceable words, shortest first (frequent words are short), with some noise."""
    n = size * 2
    syllables = rng.choice([1, 2, 3, 4], n, p=[0.15, 0.45, 0.3, 0.1])
    onsets = rng.integers(0, len(_ONSETS), (n, 4))
    vowels = rng.integers(0, len(_VOWELS), (n, 4))
    codas = rng.integers(0, len(_CODAS), (n, 4))
    words: dict[str, None] = {}
    for i in range(n):
        word = "".join(
            _ONSETS[onsets[i, j]] + _VOWELS[vowels[i, j]] + _CODAS[codas[i, j]]
            for j in range(syllables[i])
        )
        words.setdefault(word, None)
    unique = list(words)
    noisy = np.array([len(w) for w in unique]) + rng.normal(0, 2.5, len(unique))
    order = np.argsort(noisy, kind="stable")
    return [unique[i] for i in order[: size + len(_RESERVED)]]


class Vocabulary:
    """Generated words ranked by frequency, with Zipf(-Mandelbrot) sampling."""

    def __init__(self, seed: int, size: int = VOCABULARY_SIZE) -> None:
        rng = np.random.default_rng([seed, 0])
        ranked = [w for w in _pseudo_words(rng, size) if w not in _RESERVED]
        ranked = ranked[: size - len(TECHNICAL_WORDS)]
        spots = np.sort(rng.choice(np.arange(20, 3000), len(TECHNICAL_WORDS), replace=False))
        for spot, word in zip(spots, TECHNICAL_WORDS, strict=True):
            ranked.insert(int(spot), word)
        self.words: npt.NDArray[np.object_] = np.array(FUNCTION_WORDS + ranked, dtype=object)
        self.first_content = len(FUNCTION_WORDS)
        self.size = len(ranked)
        ranks = np.arange(self.size, dtype=np.float64)
        self._cdf = np.cumsum(1.0 / (ranks + ZIPF_Q) ** ZIPF_S)
        self._cdf /= self._cdf[-1]
        fw = 1.0 / (np.arange(len(FUNCTION_WORDS)) + 1.0)
        self._fcdf = np.cumsum(fw) / fw.sum()

    def content(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """``n`` content-word indices (into ``words``), Zipf-distributed by rank."""
        ranks = np.searchsorted(self._cdf, rng.random(n))
        return np.minimum(ranks, self.size - 1).astype(np.int64) + self.first_content

    def text_words(
        self, rng: np.random.Generator, n: int, topic: npt.NDArray[np.int64]
    ) -> list[str]:
        """``n`` words of running text: function words, topic words and Zipf content words."""
        idx = self.content(rng, n)
        draw = rng.random(n)
        topical = draw < TOPIC_SHARE
        idx[topical] = topic[rng.integers(0, len(topic), int(topical.sum()))]
        function = draw > 1.0 - FUNCTION_SHARE
        idx[function] = np.searchsorted(self._fcdf, rng.random(int(function.sum())))
        words: list[str] = self.words[idx].tolist()
        return words


@lru_cache(maxsize=4)
def vocabulary(seed: int) -> Vocabulary:
    """The vocabulary for ``seed`` (built once per process)."""
    return Vocabulary(seed)


def _prose(rng: np.random.Generator, words: list[str]) -> str:
    """Words → sentences of 6-18 words in one or more paragraphs."""
    sentences: list[str] = []
    start = 0
    while start < len(words):
        end = start + int(rng.integers(6, 19))
        sentence = words[start:end]
        sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
        start = end
    paragraphs: list[str] = []
    while sentences:
        take = int(rng.integers(2, 6))
        paragraphs.append(" ".join(sentences[:take]))
        sentences = sentences[take:]
    return "\n\n".join(paragraphs)


def _code(rng: np.random.Generator, vocab: Vocabulary, topic: npt.NDArray[np.int64]) -> str:
    """A fenced code block whose identifiers come from the document's topic."""
    lines = int(rng.integers(3, 8))
    names = [str(vocab.words[i]) for i in topic[rng.integers(0, len(topic), 7)]]
    fill = dict(zip("abcdefg", names, strict=True))
    body = [_CODE_LINES[int(rng.integers(len(_CODE_LINES)))].format(**fill) for _ in range(lines)]
    return "```python\n" + "\n".join(body) + "\n```"


def _heading(rng: np.random.Generator, vocab: Vocabulary, topic: npt.NDArray[np.int64]) -> str:
    picks = topic[rng.integers(0, len(topic), int(rng.integers(2, 6)))]
    return " ".join(str(vocab.words[i]).capitalize() for i in picks)


def _section(rng: np.random.Generator, vocab: Vocabulary, topic: npt.NDArray[np.int64]) -> Section:
    heading = _heading(rng, vocab, topic)
    budget = int(rng.integers(60, MAX_SECTION_WORDS - 40))
    body = _prose(rng, vocab.text_words(rng, budget, topic))
    if rng.random() < 0.25:
        body += "\n\n" + _code(rng, vocab, topic)
    return Section(heading, body)


def document(seed: int, kind: str, index: int, sections: int | None = None) -> list[Section]:
    """Sections of document ``index`` of ``kind`` ("md" or "jsonl"); the first one is its title."""
    vocab = vocabulary(seed)
    rng = np.random.default_rng([seed, 1 if kind == "md" else 2, index])
    # A document's topic: 40 mid-frequency words it uses far more often than the corpus does.
    topic = rng.integers(200, min(20_000, vocab.size), 40) + vocab.first_content
    count = section_count(seed, index) if sections is None else sections
    title = Section(_heading(rng, vocab, topic), "")
    return [title, *(_section(rng, vocab, topic) for _ in range(count))]


def section_count(seed: int, index: int) -> int:
    """How many sections Markdown document ``index`` has (8 to 30)."""
    return int(np.random.default_rng([seed, 3, index]).integers(8, 31))


def markdown(sections: list[Section]) -> str:
    """A Markdown file: a title, then ## (sometimes ###) sections."""
    parts = [f"# {sections[0].heading}\n"]
    for number, section in enumerate(sections[1:]):
        level = "###" if number % 4 == 3 else "##"
        parts.append(f"{level} {section.heading}\n\n{section.body}\n")
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class CorpusPlan:
    """How ``chunks`` chunks are laid out: Markdown documents' section counts, JSONL records."""

    seed: int
    chunks: int
    markdown_sections: tuple[int, ...]
    jsonl_records: int

    @classmethod
    def make(cls, chunks: int, seed: int) -> CorpusPlan:
        """The plan for ``chunks`` chunks (80 % Markdown sections, 20 % JSONL records)."""
        target = round(chunks * MARKDOWN_SHARE)
        counts: list[int] = []
        total = 0
        while total < target:
            count = min(section_count(seed, len(counts)), target - total)
            counts.append(count)
            total += count
        return cls(seed, chunks, tuple(counts), chunks - total)


def write_corpus(plan: CorpusPlan, folder: Path) -> list[Path]:
    """Write the corpus under ``folder``; returns its sub-folders (about 10k chunks each)."""
    folders: list[Path] = []
    for index, count in enumerate(plan.markdown_sections):
        sub = folder / "md" / f"{index // FILES_PER_FOLDER:04d}"
        if index % FILES_PER_FOLDER == 0:
            sub.mkdir(parents=True)
            folders.append(sub)
        text = markdown(document(plan.seed, "md", index, count))
        (sub / f"doc-{index:06d}.md").write_text(text, encoding="utf-8")
    for start in range(0, plan.jsonl_records, JSONL_RECORDS_PER_FILE):
        file_number = start // JSONL_RECORDS_PER_FILE
        sub = folder / "notes" / f"{file_number // 50:04d}"
        if file_number % 50 == 0:
            sub.mkdir(parents=True)
            folders.append(sub)
        end = min(start + JSONL_RECORDS_PER_FILE, plan.jsonl_records)
        lines = (json.dumps(_record(plan.seed, i), ensure_ascii=False) for i in range(start, end))
        (sub / f"notes-{file_number:05d}.jsonl").write_text("\n".join(lines) + "\n")
    return folders


def _record(seed: int, index: int) -> dict[str, str]:
    title, section = document(seed, "jsonl", index, 1)
    return {
        "id": f"note-{index}",
        "title": f"{title.heading}: {section.heading}",
        "text": section.body,
    }


def jsonl_section(seed: int, index: int) -> Section:
    """JSONL record ``index`` as one section (what a draft can ask about)."""
    record = _record(seed, index)
    return Section(record["title"], record["text"])


def iter_sections(plan: CorpusPlan, picks: list[tuple[str, int]]) -> Iterator[Section]:
    """The sections of the picked documents ("md" or "jsonl", index)."""
    for kind, index in picks:
        if kind == "md":
            yield from document(plan.seed, "md", index, plan.markdown_sections[index])[1:]
        else:
            yield jsonl_section(plan.seed, index)
