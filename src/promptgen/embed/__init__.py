"""Static text embeddings (distilled from all-MiniLM-L6-v2): tokenizer + table lookup, offline."""

from promptgen.embed.embedder import Embedder

__all__ = ["Embedder"]
