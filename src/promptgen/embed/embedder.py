"""Embed text as the normalized mean of static token vectors; no torch, no network."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from promptgen.errors import PromptGenError

# Tokens per text: enough for a chunk (~260 words); keeps long drafts cheap.
MAX_TOKENS = 512
Vectors = npt.NDArray[np.float32]


class EmbedderUnavailable(PromptGenError):
    """The shipped embedding model is missing or damaged."""

    code = "embedder_unavailable"
    status = 500


class Embedder:
    """Loads the model once; ``embed`` turns texts into unit vectors (float32)."""

    def __init__(self, folder: Path | None = None) -> None:
        try:
            if folder is None:
                root = resources.files("promptgen.embed").joinpath("model")
                table = root.joinpath("embeddings.npy").read_bytes()
                tokenizer_json = root.joinpath("tokenizer.json").read_text(encoding="utf-8")
            else:
                table = (folder / "embeddings.npy").read_bytes()
                tokenizer_json = (folder / "tokenizer.json").read_text(encoding="utf-8")
            import io

            self.table: Vectors = np.load(io.BytesIO(table), allow_pickle=False).astype(np.float32)
            self.tokenizer = Tokenizer.from_str(tokenizer_json)
        except (OSError, ValueError, Exception) as exc:  # tokenizers raises plain Exception
            raise EmbedderUnavailable(
                f"cannot load the embedding model: {exc}; reinstall PromptGen"
            ) from exc
        self.fingerprint = hashlib.sha256(table[:1_000_000]).hexdigest()[:12]

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        return int(self.table.shape[1])

    def embed(self, texts: list[str]) -> Vectors:
        """One unit vector per text (zeros for a text with no known token)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, encoding in enumerate(
            self.tokenizer.encode_batch(texts, add_special_tokens=False)
        ):
            ids = encoding.ids[:MAX_TOKENS]
            if ids:
                out[row] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        result: Vectors = out / norms
        return result

    def embed_one(self, text: str) -> Vectors:
        """The unit vector of one text."""
        vector: Vectors = self.embed([text])[0]
        return vector


def to_blob(vector: Vectors) -> bytes:
    """A vector as stored in the Library (float16: half the space, ample precision for ranking)."""
    return vector.astype(np.float16).tobytes()


def from_blob(blob: bytes) -> Vectors:
    """A stored vector back as float32."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
