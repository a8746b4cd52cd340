"""Build the background term frequencies the Refusal Contract compares a Library against.

How often each index term (stemmed, as promptgen.library.terms makes them) occurs in ordinary
English, from wordfreq's "large" English list (wordfreq 3.1.1: code Apache-2.0, data CC BY-SA 4.0,
built from Wikipedia, subtitles, news, books, web text, Twitter and Reddit; see its README). The
frequencies of the words that stem alike are summed. Written to
src/promptgen/models/background/ with a manifest (source, licence, sha256 of the table).
Run offline in the dev environment (wordfreq is a dev dependency, never needed at run time):

    .venv/bin/python scripts/build_background.py
"""

from __future__ import annotations

import io
from importlib.metadata import version

import numpy as np
from wordfreq import top_n_list, word_frequency

from promptgen.library.background import TABLE, term_key
from promptgen.library.terms import TERMS_VERSION, terms
from promptgen.models import ROOT as MODELS
from promptgen.models import write_manifest

OUT = MODELS / "background"
WORDS = 400_000  # the whole large English list (about 320,000 words)
FLOOR = 1e-8  # wordfreq's smallest frequency: rarer terms are not listed


def main() -> None:
    frequencies: dict[str, float] = {}
    for word in top_n_list("en", WORDS, wordlist="large"):
        stems = terms(word)
        if len(stems) != 1:  # stopwords, and "words" that split into several terms
            continue
        frequency = word_frequency(word, "en", wordlist="large")
        frequencies[stems[0]] = frequencies.get(stems[0], 0.0) + frequency
    kept = {term_key(t): f for t, f in frequencies.items() if f >= FLOOR}
    keys = np.array(sorted(kept), dtype=np.uint64)
    values = np.array([kept[int(k)] for k in keys], dtype=np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    table = OUT / TABLE
    buffer = io.BytesIO()
    np.savez_compressed(buffer, keys=keys, frequencies=values)
    table.write_bytes(buffer.getvalue())
    rows = kept
    write_manifest(
        OUT,
        "background",
        [table.name],
        what="frequency of each index term in ordinary English (sum over its words); keys are "
        "the first 8 bytes of blake2b(term), sorted (promptgen.library.background.term_key)",
        source=f"wordfreq {version('wordfreq')} (large English list), https://github.com/rspeer/wordfreq",
        licence="CC BY-SA 4.0 (wordfreq's data); this derived table is shared under the same",
        built_by="scripts/build_background.py",
        command=".venv/bin/python scripts/build_background.py",
        terms_version=TERMS_VERSION,
        terms=len(rows),
    )
    print(f"wrote {table} ({len(rows):,} terms, {table.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
