"""Hashed text features for the intent classifier: words, word pairs, character n-grams, cues."""

from __future__ import annotations

import itertools
import math
import re
import zlib

import numpy as np
import numpy.typing as npt

DIMENSIONS = 1 << 17
# Drafts can be 20k characters of pasted text; intent lives in the instruction, which is
# almost always at the start or the end, so only those parts are read (keeps < 1 ms).
HEAD_CHARS = 1500
TAIL_CHARS = 400
CHAR_NGRAM_CHARS = 300

# A draft's hashed features: sorted indices and their L2-normalized values. The facade computes
# them once per draft and hands them to the intent classifier and the router, which both read them.
Features = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]

_TOKEN = re.compile(r"[a-z]+|\d+|[^\sa-z\d]")
_CODE_CUE = re.compile(
    r"```|\b(def|class|function|return|import|const|var|SELECT|FROM)\b|[{};]\s*$|=>|::"
)
_MATH_CUE = re.compile(r"\d\s*[-+*/^=<>]\s*\d|[∫∑√π≤≥]|\b\d+(\.\d+)?%")


def _cues(text: str, tokens: list[str]) -> list[str]:
    length = len(tokens)
    cues = [f"len:{min(int(math.log2(length + 1)), 10)}"]
    if "\n" in text.strip():
        cues.append("cue:multiline")
    if _CODE_CUE.search(text):
        cues.append("cue:code")
    if _MATH_CUE.search(text):
        cues.append("cue:math")
    if text.rstrip().endswith("?"):
        cues.append("cue:question")
    if text.rstrip().endswith(":"):
        cues.append("cue:colon")
    if '"' in text or "“" in text:
        cues.append("cue:quoted")
    return cues


def featurize(text: str) -> Features:
    """Hashed feature indices and L2-normalized log-count values for ``text``.

    The arrays are read-only: one draft's features are shared by the classifier and the router.
    """
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        text = f"{text[:HEAD_CHARS]}\n{text[-TAIL_CHARS:]}"
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    words = [t for t in tokens if t.isalpha()]
    features = [f"w:{t}" for t in tokens]
    features += [f"b:{a} {b}" for a, b in itertools.pairwise(tokens)]
    features += [f"f:{w}" for w in words[:2]]
    padded = " " + " ".join(words)[:CHAR_NGRAM_CHARS] + " "
    features += [f"c:{padded[i : i + n]}" for n in (3, 4) for i in range(len(padded) - n + 1)]
    features += _cues(text, tokens)
    # Hashed and counted in C (map, numpy): a draft has a few hundred features.
    hashes = np.fromiter(
        map(zlib.crc32, map(str.encode, features)), dtype=np.int64, count=len(features)
    )
    indices, counts = np.unique(hashes & (DIMENSIONS - 1), return_counts=True)
    values = np.log1p(counts.astype(np.float32))
    norm = float(np.linalg.norm(values)) or 1.0
    normalized = (values / norm).astype(np.float32)
    indices.setflags(write=False)
    normalized.setflags(write=False)
    return indices, normalized
