"""The term rules (library/terms.py) and how both stores and both search paths follow them."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.library.store import LibraryStore
from promptgen.library.terms import TERMS_VERSION, query_terms, searchable_words
from promptgen.server.health import deep_health
from tests.library.test_stores import engine, execute, make_engine, store, where

pytest_plugins = ["tests.pg"]
__all__ = ["engine", "make_engine", "store", "where"]  # fixtures shared with test_stores


def test_cjk_text_is_indexed_as_character_bigrams() -> None:
    assert query_terms("部署应用") == ["部署", "署应", "应用"]
    assert query_terms("部") == ["部"]
    assert query_terms("Deploy 服务 quickly") == ["deploy", "服务", "quick"]
    # A clause longer than the longest term used to be dropped whole.
    assert (
        len(query_terms("把应用程序部署到生产环境之前先在预发布环境运行全部测试然后切换流量")) > 20
    )
    # Iteration marks stay in their word; the middle dot separates words.
    assert query_terms("様々な方法") == ["様々", "々な", "な方", "方法"]
    assert query_terms("コンピュータ・サイエンス")[4:6] == ["ータ", "サイ"]
    # NFKC: decomposed kana, half-width katakana and full-width Latin match their usual forms.
    assert query_terms("か\u3099くせい") == query_terms("がくせい") == ["がく", "くせ", "せい"]
    assert query_terms("ﾃﾞｰﾀ") == query_terms("データ")
    assert query_terms("ＡＰＩ key") == ["api", "key"]


def test_words_keep_their_combining_marks_and_thai_is_bigrammed() -> None:
    # Vowel signs are marks, not letters: a Hindi or Tamil word is one term, not its consonants.
    assert query_terms("हिंदी में लिखें") == ["हिंदी", "में", "लिखें"]
    assert query_terms("தமிழ் மொழி") == ["தமிழ்", "மொழி"]
    # Thai has no spaces: bigrams of grapheme clusters, a consonant with its vowel and tone marks.
    assert query_terms("ภาษาไทย") == ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]
    assert query_terms("ที่ดี") == ["ที่ดี"]


def test_a_long_cjk_draft_keeps_its_end() -> None:
    # 64 words' worth of terms: a CJK bigram is a third of a word, so the question at the end
    # of a ~100-character Chinese draft is still searched (it was cut after 64 bigrams).
    preamble = (
        "我们团队在上个季度完成了支付系统的重构工作，包括数据库迁移、接口改造和监控告警的完善。"
    )
    kept = query_terms(preamble + "请问蓝绿发布切换流量之前要先做什么？", limit=64)
    assert "蓝绿" in kept and "流量" in kept
    english = " ".join(f"word{i}" for i in range(100))
    assert len(query_terms(english, limit=64)) == 64


def test_searchable_words_count_cjk_by_characters() -> None:
    def words(text: str) -> int:
        return searchable_words(set(query_terms(text, limit=64)))

    assert words("kubectl rollout") == 2 and words("fix fixes fixing") == 1
    assert words("生产环境") == 1 and words("こんにちは") == 1  # one word, not 3 or 4 bigrams
    assert words("如何部署到生产环境") == 3 and words("배포 절차") == 2
    assert words("kubectl 部署流程") == 2


@pytest.mark.parametrize("search_index", ["tantivy", "store"])
def test_chinese_and_japanese_documents_are_found(
    store: LibraryStore,
    settings: Settings,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
    tmp_path: Path,
    search_index: str,
) -> None:
    # "store": FTS5 or PostgreSQL full-text search itself matches the bigrams.
    engine = PromptGen(
        settings.model_copy(update={"search_index": search_index}),
        store=store,
        classifier=classifier,
        catalog=catalog,
        tokenizer=tokenizer,
    )
    assert (engine.library.index is None) is (search_index == "store")
    folder = tmp_path / "cjk"
    folder.mkdir()
    (folder / "deploy-zh.md").write_text(
        "# 部署流程\n\n把应用程序部署到生产环境之前，先在预发布环境运行全部测试，"
        "然后用蓝绿发布切换流量。\n",
        encoding="utf-8",
    )
    (folder / "oncall-ja.md").write_text(
        "# オンコール\n\n障害が起きたら、まずダッシュボードでエラー率を確認し、"
        "担当者に連絡してください。\n",
        encoding="utf-8",
    )
    (folder / "deploy-hi.md").write_text(
        "# तैनाती\n\nउत्पादन में तैनाती से पहले सभी परीक्षण चलाएँ और फिर ट्रैफ़िक बदलें।\n",
        encoding="utf-8",
    )
    (folder / "oncall-th.md").write_text(
        "# เวรฉุกเฉิน\n\nเมื่อระบบล่มให้ตรวจสอบแดชบอร์ดก่อนแล้วโทรหาผู้รับผิดชอบทันที\n",
        encoding="utf-8",
    )
    (folder / "kafka.md").write_text("# Kafka retention\n\nTopics keep messages for seven days.\n")
    assert not engine.ingest([folder]).failed
    assert engine.search("如何部署到生产环境")[0].source.endswith("deploy-zh.md")
    assert engine.search("エラー率の確認")[0].source.endswith("oncall-ja.md")
    assert engine.search("उत्पादन में तैनाती")[0].source.endswith("deploy-hi.md")
    assert engine.search("ตรวจสอบแดชบอร์ด")[0].source.endswith("oncall-th.md")
    result = engine.precompute("应用程序部署到生产环境之前要做什么？")
    assert result.grounded and result.grounding.context[0].source.endswith("deploy-zh.md")
    short = engine.precompute("生产环境").grounding.refusal
    assert short is not None and short.code == "too_few_terms"  # one word, however many bigrams


def test_documents_from_older_term_rules_are_reported_until_reingested(
    engine: PromptGen, notes: Path, where: str
) -> None:
    engine.ingest([notes])
    assert (
        engine.library.stats().outdated_documents == 0
        and engine.library.stats().reingest_note() is None
    )
    assert {d.terms_version for d in engine.library.store.documents()} == {TERMS_VERSION}
    # As a Library ingested before the current rules looks: older version, another hash.
    execute(where, "UPDATE documents SET terms_version = 1, content_hash = 'v1'")
    stats = engine.library.stats()
    assert stats.outdated_documents == 5
    assert stats.reingest_note() is not None and "5 documents" in stats.reingest_note()  # type: ignore[operator]
    health = deep_health(engine, None)
    assert health.status == "healthy" and "promptgen ingest" in health.details["library_terms"]
    again = engine.ingest([notes])
    assert again.updated == 5 and engine.library.stats().outdated_documents == 0
    assert "library_terms" not in deep_health(engine, None).details
