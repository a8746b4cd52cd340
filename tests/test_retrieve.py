"""Hybrid retrieval over a real SQLite Library: candidates, feedback, dense similarity, budgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from promptgen import PromptGen
from promptgen.embed.embedder import Embedder, from_blob, to_blob
from promptgen.retrieve import (
    MAX_QUERY_TERMS,
    POSTINGS_BUDGET,
    Fusion,
    TermCounts,
    _searched_terms,
    retrieve,
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_embeddings_are_unit_vectors_and_mean_something(embedder: Embedder) -> None:
    vectors = embedder.embed(
        ["reset a forgotten password", "recover my account password", "bake sourdough bread", ""]
    )
    assert vectors.shape == (4, embedder.dimensions)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()  # nothing known, nothing claimed
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    round_trip = from_blob(to_blob(vectors[0]))
    assert np.allclose(round_trip, vectors[0], atol=1e-3)


def test_chunks_carry_vectors_and_hits_carry_similarity(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    retrieval = retrieve(
        engine.library.store,
        "how do we roll back billing?",
        library="default",
        embedder=engine.embedder,
    )
    assert retrieval.hits and retrieval.hits[0].source.endswith("deploy.md")
    assert all(-1.0 <= h.similarity <= 1.0 for h in retrieval.hits)
    assert retrieval.hits[0].similarity > 0.2


def test_fusion_can_be_turned_off_and_then_ranks_by_bm25(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    plain = retrieve(
        engine.library.store, "billing database rollback", library="default", fusion=None
    )
    assert [h.bm25 for h in plain.hits] == sorted((h.bm25 for h in plain.hits), reverse=True)
    fused = retrieve(
        engine.library.store,
        "billing database rollback",
        library="default",
        embedder=engine.embedder,
        fusion=Fusion(),
    )
    assert {h.chunk_id for h in fused.hits} == {h.chunk_id for h in plain.hits}


def test_feedback_lifts_a_passage_that_shares_its_terms_with_the_best_one(
    engine: PromptGen, tmp_path: Path
) -> None:
    folder = tmp_path / "glossary"
    folder.mkdir()
    (folder / "a.md").write_text(
        "# Turbines\n\nCompressor stall warnings in a climb mean surge: surge starves the"
        " turbine of airflow, and airflow surge margins shrink.",
        "utf-8",
    )
    (folder / "b.md").write_text(
        "# Blades\n\nAirflow surge margins protect the compressor blades from airflow surge.",
        "utf-8",
    )
    (folder / "c.md").write_text(
        "# Cockpit\n\nStall warnings sound in the cockpit when the wing loses lift at low speed,"
        " on approach or after takeoff, and the crew lowers the nose.",
        "utf-8",
    )
    for topic in ("sourdough starter", "tax returns", "garden roses", "chess openings"):
        (folder / f"{topic.split()[0]}.md").write_text(f"# {topic}\n\nNotes on {topic}.", "utf-8")
    engine.ingest([folder])
    draft = "compressor stall warnings during climb"
    assert (
        len(retrieve(engine.library.store, draft, library="default").terms)
        >= Fusion().feedback_min_terms
    )
    plain = retrieve(engine.library.store, draft, library="default", fusion=None).hits
    assert [h.source.rsplit("/", 1)[-1] for h in plain] == ["a.md", "c.md", "b.md"]
    only_feedback = Fusion(bm25=0.0, feedback=1.0, dense=0.0)
    hits = retrieve(engine.library.store, draft, library="default", fusion=only_feedback).hits
    # b.md matches one draft word to c.md's two, but shares a.md's feedback terms (surge, airflow).
    assert [h.source.rsplit("/", 1)[-1] for h in hits] == ["a.md", "b.md", "c.md"]


def test_drafts_of_a_few_terms_are_not_expanded(engine: PromptGen, tmp_path: Path) -> None:
    folder = tmp_path / "glossary"
    folder.mkdir()
    (folder / "a.md").write_text(
        "# Turbines\n\nCompressor stall: surge starves the turbine of airflow, and airflow"
        " surge margins shrink.",
        "utf-8",
    )
    (folder / "b.md").write_text(
        "# Blades\n\nAirflow surge margins protect the compressor blades from airflow surge.",
        "utf-8",
    )
    (folder / "c.md").write_text(
        "# Cockpit\n\nA stall warning sounds in the cockpit when the wing loses.", "utf-8"
    )
    for topic in ("sourdough starter", "tax returns", "garden roses", "chess openings"):
        (folder / f"{topic.split()[0]}.md").write_text(f"# {topic}\n\nNotes on {topic}.", "utf-8")
    engine.ingest([folder])

    def order(fusion: Fusion | None) -> list[str]:
        hits = retrieve(
            engine.library.store, "compressor stall", library="default", fusion=fusion
        ).hits
        return [h.source.rsplit("/", 1)[-1] for h in hits]

    only_feedback = Fusion(bm25=0.0, feedback=1.0, dense=0.0)
    assert order(None) == ["a.md", "c.md", "b.md"]
    # Two terms are below the default minimum: the "feedback" order is plain BM25's.
    assert order(only_feedback) == order(None)
    # The control: with feedback allowed, a.md's surge/airflow terms lift b.md above c.md.
    expanded = Fusion(bm25=0.0, feedback=1.0, dense=0.0, feedback_min_terms=2)
    assert order(expanded) == ["a.md", "b.md", "c.md"]


def test_cached_term_counts_rank_exactly_like_fresh_ones(engine: PromptGen, notes: Path) -> None:
    engine.ingest([notes])
    drafts = (
        "how do we roll back the billing database after a failed deploy?",  # feedback runs
        "billing database rollback",
        "pager rota",
    )
    for size in (1, 1024):  # evicting at every count, and holding every chunk
        counts = TermCounts(size=size)
        for draft in drafts:
            fresh = retrieve(
                engine.library.store, draft, library="default", embedder=engine.embedder
            )
            for _ in range(2):
                cached = retrieve(
                    engine.library.store,
                    draft,
                    library="default",
                    embedder=engine.embedder,
                    term_counts=counts,
                )
                assert cached == fresh
        assert counts._cache.hits > 0
    assert len(retrieve(engine.library.store, drafts[0], library="default").terms) >= 4


def test_searched_terms_prefer_rare_terms_within_the_budget() -> None:
    frequencies = {"rare": 3, "mid": POSTINGS_BUDGET - 10, "common": POSTINGS_BUDGET, "absent": 0}
    weights = {"rare": 9.0, "mid": 2.0, "common": 1.0, "absent": 12.0}
    assert _searched_terms(list(weights), weights, frequencies) == [
        "rare",
        "mid",
    ]  # "common" would overflow
    many = {f"t{i}": 1 for i in range(40)}
    assert len(_searched_terms(list(many), {t: 1.0 for t in many}, many)) == MAX_QUERY_TERMS
    # The rarest term is always searched, however common it is.
    assert _searched_terms(["common"], {"common": 1.0}, {"common": 10 * POSTINGS_BUDGET}) == [
        "common"
    ]
