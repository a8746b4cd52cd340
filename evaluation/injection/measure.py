"""Flag precision and recall of promptgen.screening: deepset/prompt-injections and our hard
negatives. Run: .venv/bin/python evaluation/injection/measure.py"""

from __future__ import annotations

import json
from pathlib import Path

from promptgen.screening import flags

HERE = Path(__file__).parent


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in (HERE / name).read_text(encoding="utf-8").splitlines() if x]


def main() -> None:
    public = rows("deepset_prompt_injections.jsonl")
    negatives = rows("hard_negatives.jsonl")
    for split in ("train", "test", None):
        part = [r for r in public if split is None or r["split"] == split]
        inj = [r for r in part if r["label"] == 1]
        benign = [r for r in part if r["label"] == 0]
        tp = sum(1 for r in inj if flags(str(r["text"])))
        fp = sum(1 for r in benign if flags(str(r["text"])))
        fp_hard = sum(1 for r in negatives if flags(str(r["text"])))
        pos = tp + fp + fp_hard
        print(
            f"deepset {split or 'all'}: recall {tp}/{len(inj)} = {tp / len(inj):.3f}; "
            f"flagged benign {fp}/{len(benign)}; hard negatives flagged {fp_hard}/{len(negatives)}; "
            f"precision {tp / pos if pos else 1.0:.3f}"
        )


if __name__ == "__main__":
    main()
