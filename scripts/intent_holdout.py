"""Held-out check of the intent classifier: how well it does on prompts it was not trained on.

Trains through the real trainer (`python -m training.intent.train`, the same options as
`make intent-model`) on our own prompts (training/intent/data) plus the half of each shared
intent file whose CRC32 of (salt + id) is even (codealpaca_2k never trains: CC BY-NC), then
scores the odd half of every shared file. Each split's halves and model go to OUT/salt-<salt>/, never over the shipped model.

    .venv/bin/python scripts/intent_holdout.py ../shared/data [--salt s1 ...] [--without-authored]

With several ``--salt`` (``--salt '' --salt s1 --salt s2 --salt s3 --salt s4`` is what
docs/quality.md quotes) it also prints each set's mean macro-F1 over the splits.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path

from promptgen.intent.classifier import IntentClassifier
from promptgen.intent.labels import normalize_label

REPO = Path(__file__).resolve().parent.parent
EVALUATION_ONLY = {"codealpaca_2k"}


def f1_per_label(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """F1 of every gold label present in ``pairs`` (gold, predicted)."""
    result = {}
    for label in sorted({gold for gold, _ in pairs}):
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        result[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return result


def held_out(
    data: Path, salt: str, out: Path, without_authored: bool, max_per_label: int = 3000
) -> dict[str, float]:
    """Train on the even halves (and our prompts), print the odd halves' scores; pooled F1s."""
    out.mkdir(parents=True, exist_ok=True)

    def trains(record_id: object) -> bool:
        return zlib.crc32(f"{salt}{record_id}".encode()) % 2 == 0

    train_files, tests = [], {}
    for path in sorted((data / "intent").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines: U+2028 in text
        records = [json.loads(line) for line in lines if line.strip()]
        tests[path.stem] = [r for r in records if not trains(r["id"])]
        if path.stem not in EVALUATION_ONLY:
            half = out / path.name  # same stem: the per-file cap applies as in make intent-model
            half.write_text(
                "".join(json.dumps(r) + "\n" for r in records if trains(r["id"])), "utf-8"
            )
            train_files.append(str(half))
    ours = sorted(str(p) for p in (REPO / "training/intent/data").glob("*.jsonl"))
    if without_authored:
        ours = [p for p in ours if "_authored" not in Path(p).stem]
    model = out / "model.npz"
    command = [sys.executable, "-m", "training.intent.train", *ours, *train_files]
    cap = ["--max-per-label", str(max_per_label)]
    subprocess.run([*command, *cap, "--out", str(model)], check=True, cwd=REPO)

    classifier = IntentClassifier.load(model)
    pooled: list[tuple[str, str]] = []
    macro: dict[str, float] = {}
    print(f"\nsalt {salt!r}\n{'set':26} {'n':>5} {'macro-F1':>8}  per-label F1")
    for name, records in tests.items():
        pairs = [
            (gold, classifier.classify(r["text"]).label)
            for r in records
            if (gold := normalize_label(r.get("label"))) is not None
        ]
        pooled += pairs
        scores = f1_per_label(pairs)
        macro[name] = sum(scores.values()) / len(scores)
        per_label = ", ".join(f"{k} {v:.2f}" for k, v in scores.items())
        print(f"{name:26} {len(pairs):5} {macro[name]:8.3f}  {per_label}")
    scores = f1_per_label(pooled)
    macro["ALL"] = sum(scores.values()) / len(scores)
    per_label = ", ".join(f"{k} {v:.2f}" for k, v in scores.items())
    print(f"{'ALL (odd halves)':26} {len(pooled):5} {macro['ALL']:8.3f}  {per_label}")
    confusions = Counter((g, p) for g, p in pooled if g != p).most_common(10)
    print("confusions (gold -> predicted):", ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions))
    return macro


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder laid out like ../shared/data")
    parser.add_argument(
        "--salt",
        action="append",
        default=None,
        help="hashed before the id: another split; repeat it for several splits and their mean",
    )
    parser.add_argument("--without-authored", action="store_true", help="leave *_authored* out")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: temporary)")
    parser.add_argument(
        "--max-per-label",
        type=int,
        default=3000,
        help="per file and label (make intent-model: 3000)",
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="intent-holdout-"))
    salts = args.salt or [""]
    runs = [
        held_out(args.data, salt, out / f"salt-{salt}", args.without_authored, args.max_per_label)
        for salt in salts
    ]
    if len(runs) > 1:
        print(f"\nmean macro-F1 over {len(runs)} splits (salts {', '.join(map(repr, salts))}):")
        for name in runs[0]:
            values = [run[name] for run in runs]
            print(
                f"{name:26} {sum(values) / len(values):.3f}  ({min(values):.3f} to {max(values):.3f})"
            )


if __name__ == "__main__":
    main()
