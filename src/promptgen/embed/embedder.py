"""Embed text as the normalized mean of static token vectors; no torch, no network."""

from __future__ import annotations

import hashlib
import io
import re
from importlib.abc import Traversable
from itertools import chain
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from promptgen import models
from promptgen.errors import EmbedderUnavailable

# Tokens per text: enough for a chunk (~260 words); keeps long drafts cheap.
MAX_TOKENS = 512
# Characters tokenized first: the first MAX_TOKENS tokens of ordinary text lie well inside them,
# so a pasted 20,000-character draft is not tokenized in full for 512 tokens (7 ms -> 3 ms on
# 18,000 characters). A long text whose cut does not fill MAX_TOKENS (runs of spaces, words over
# 100 characters that are one [UNK] each) is tokenized whole, so the ids are always the same.
MAX_CHARS = MAX_TOKENS * 16
Vectors = npt.NDArray[np.float32]
# The table: float16 rows as shipped, memory-mapped when the package is on disk (float32 in
# an ingest worker, see Embedder.for_bulk).
Table = npt.NDArray[np.float16] | npt.NDArray[np.float32]
# Batches at least this large are tokenized word by word (each distinct word once).
WORD_CACHE_MIN_BATCH = 16
# Most words a kept word cache holds before it starts over (~150 bytes each).
WORD_CACHE_LIMIT = 200_000
# Characters the tokenizer always treats as word breaks (its normalizer maps them to spaces and
# its pre-tokenizer splits there), so a text's ids are the concatenation of its words' ids.
_BREAKS = re.compile(r"[ \t\n\r]+")
# The shipped model: promptgen/models/embedding/ (built by scripts/distill_embeddings.py).
MODEL = "embedding"
TABLE_FILE = "embeddings.npy"
TOKENIZER_FILE = "tokenizer.json"


def _load_table(source: Traversable) -> tuple[npt.NDArray[np.float16], bytes]:
    """The table (memory-mapped from a real file, so processes share its pages) and its head."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            head = handle.read(1_000_000)
        # A plain ndarray over the mapping: np.memmap's own indexing is several times slower.
        table = np.load(source, mmap_mode="r", allow_pickle=False).view(np.ndarray)
    else:  # a package inside a zip: no file to map
        data = source.read_bytes()
        head = data[:1_000_000]
        table = np.load(io.BytesIO(data), allow_pickle=False)
    if table.ndim != 2 or table.dtype != np.float16:
        raise ValueError(f"embeddings.npy holds {table.dtype} {table.shape}, expected float16 rows")
    return table, head


class Embedder:
    """Loads the model once; ``embed`` turns texts into unit vectors (float32).

    The table stays float16 (as shipped) and memory-mapped: only the rows a text uses are
    gathered and widened to float32, which gives exactly the vectors of a float32 table.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        try:
            if folder is None:  # the shipped model, checked against its manifest first
                table_file = models.verified(MODEL, TABLE_FILE, EmbedderUnavailable)
                tokenizer_file = models.verified(MODEL, TOKENIZER_FILE, EmbedderUnavailable)
            else:
                table_file, tokenizer_file = folder / TABLE_FILE, folder / TOKENIZER_FILE
            table, head = _load_table(table_file)
            self.table: Table = table
            self.tokenizer = Tokenizer.from_str(tokenizer_file.read_text("utf-8"))
        except EmbedderUnavailable:
            raise
        except (OSError, ValueError, Exception) as exc:  # tokenizers raises plain Exception
            raise EmbedderUnavailable(
                f"cannot load the embedding model: {exc}; reinstall PromptGen"
            ) from exc
        self.fingerprint = hashlib.sha256(head).hexdigest()[:12]
        # word -> token ids kept across calls; None (the default) keeps them for one call only,
        # so a long-lived server does not grow. Ingest workers turn it on.
        self.word_cache: dict[str, list[int]] | None = None

    def for_bulk(self) -> Embedder:
        """Tuned for embedding many texts in a short-lived process (an ingest worker).

        Keeps the word cache across calls and widens the table to float32 in memory
        (+30 MB): the same vectors, without widening each text's rows again.
        """
        self.table = np.asarray(self.table, dtype=np.float32)
        self.word_cache = {}
        return self

    def __reduce__(self) -> tuple[type[Embedder], tuple[Path | None]]:
        """Pickled as where it was loaded from (a process pool reloads, never copies, the table)."""
        return (Embedder, (self.folder,))

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        return int(self.table.shape[1])

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids (at most MAX_TOKENS), as the tokenizer gives them.

        In a large batch most words repeat, so each distinct word is tokenized once and the
        texts are reassembled from their words' ids: the same ids at a fraction of the cost.
        """
        ids = self._token_ids([_head(text) for text in texts])
        short = [
            i
            for i, (text, row) in enumerate(zip(texts, ids, strict=True))
            if len(text) > MAX_CHARS and len(row) < MAX_TOKENS
        ]
        for i, row in zip(short, self._token_ids([texts[i] for i in short]), strict=True):
            ids[i] = row
        return ids

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        if len(texts) < WORD_CACHE_MIN_BATCH:
            encoded = self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
            return [e.ids[:MAX_TOKENS] for e in encoded]
        split = [_BREAKS.split(text) for text in texts]
        by_word = self.word_cache if self.word_cache is not None else {}
        missing = list(
            dict.fromkeys(word for words in split for word in words if word and word not in by_word)
        )
        if len(by_word) + len(missing) > WORD_CACHE_LIMIT:
            by_word.clear()
            missing = list(dict.fromkeys(word for words in split for word in words if word))
        encoded = self.tokenizer.encode_batch_fast(missing, add_special_tokens=False)
        for word, encoding in zip(missing, encoded, strict=True):
            by_word[word] = encoding.ids
        ids_of = by_word.__getitem__
        return [
            list(chain.from_iterable(map(ids_of, filter(None, words))))[:MAX_TOKENS]
            for words in split
        ]

    def embed(self, texts: list[str]) -> Vectors:
        """One unit vector per text (zeros for a text with no known token)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        table = self.table
        for row, ids in enumerate(self.token_ids(texts)):
            if ids:
                out[row] = table[ids].astype(np.float32, copy=False).mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        result: Vectors = out / norms
        return result

    def embed_one(self, text: str) -> Vectors:
        """The unit vector of one text."""
        vector: Vectors = self.embed([text])[0]
        return vector

    def blobs(self, texts: list[str]) -> list[bytes]:
        """Each text's vector in its stored form (what ingest writes)."""
        return [to_blob(v) for v in self.embed(texts)]


def _head(text: str) -> str:
    """The first MAX_CHARS characters, cut at a space or line break so no word is split."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    end = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    return cut[:end] if end > 0 else cut


def to_blob(vector: Vectors) -> bytes:
    """A vector as stored in the Library (float16: half the space, ample precision for ranking)."""
    return vector.astype(np.float16).tobytes()


def from_blob(blob: bytes) -> Vectors:
    """A stored vector back as float32."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
