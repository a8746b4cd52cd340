"""Every parser on hostile input: documents or a ParseError naming the file, never another error.

Arbitrary bytes under every supported suffix, and near-valid inputs (JSON exports nested at
random, truncated and bit-flipped PDFs, tag soup), are parsed with ``parse_file``; the bounds
(``ParseLimits``, the ``PROMPTGEN_MAX_*`` settings) fail a file with its reason, and an ingest
reports it and goes on with the rest.
"""

from __future__ import annotations

import io
import json
import time
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.errors import ParseError
from promptgen.intent.classifier import IntentClassifier
from promptgen.library.documents import ParsedDocument, ParseLimits
from promptgen.library.ingest import ingest
from promptgen.library.parsers import SUPPORTED_SUFFIXES, parse_file
from promptgen.library.sqlite import SQLiteStore
from tests.conftest import minimal_pdf

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SUFFIXES = sorted(SUPPORTED_SUFFIXES)


def parse_or_refuse(path: Path, data: bytes, limits: ParseLimits | None = None) -> list[Any]:
    """Parse ``data`` written at ``path``: the documents, or [] after a ParseError naming it."""
    path.write_bytes(data)
    try:
        docs = parse_file(path) if limits is None else parse_file(path, limits)
    except ParseError as exc:
        assert str(exc).startswith(f"{path}: "), exc
        assert len(str(exc)) > len(f"{path}: ") + 10  # a reason, not just the name
        return []
    for doc in docs:
        assert isinstance(doc, ParsedDocument)
        assert_storable(doc)
    return docs


def assert_storable(doc: ParsedDocument) -> None:
    """What a store needs: UTF-8-encodable text (no lone surrogate), no empty section."""
    for text in (doc.key, doc.title, *(s.heading for s in doc.sections)):
        text.encode("utf-8")
    for section in doc.sections:
        section.text.encode("utf-8")
        assert section.text.strip()


# --- arbitrary bytes -----------------------------------------------------------------------------


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=2000))
@example(suffix=".html", data=b"<![x<!DOCTYPE<script>'<-->")  # AssertionError in html.parser
@example(suffix=".html", data=b"<!-- x </svg><h1>")
@example(suffix=".json", data=b"1" * 5000)  # int of over 4,300 digits: ValueError
@example(suffix=".jsonl", data=b"[" * 100_000)  # RecursionError
@example(suffix=".txt", data=b"ok\xff")
@example(suffix=".md", data=b"")
def test_arbitrary_bytes_give_documents_or_a_parse_error(
    tmp_path: Path, suffix: str, data: bytes
) -> None:
    parse_or_refuse(tmp_path / f"fuzz{suffix}", data)


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), text=st.text(max_size=500))
def test_arbitrary_text_gives_documents_or_a_parse_error(
    tmp_path: Path, suffix: str, text: str
) -> None:
    parse_or_refuse(tmp_path / f"fuzz{suffix}", text.encode("utf-8", "surrogatepass"))


# --- near-valid JSON: chat exports and corpora, nested at random ---------------------------------

EXPORT_KEYS = st.sampled_from(
    [
        "mapping", "current_node", "parent", "children", "message", "author", "role", "content",
        "parts", "text", "chat_messages", "sender", "messages", "title", "id", "uuid", "name",
    ]
)  # fmt: skip
NODE_IDS = st.sampled_from(["a", "b", "c"])
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | NODE_IDS
    | st.sampled_from(["user", "assistant", "human", "system", "\ud800", "\x00"])
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(EXPORT_KEYS | NODE_IDS | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=40,
)
# ChatGPT-shaped: a mapping of nodes whose parents and children point anywhere (cycles included).
CHATGPT_NODE = st.fixed_dictionaries(
    {},
    optional={
        "parent": NODE_IDS | JSON_VALUES,
        "children": st.lists(NODE_IDS, max_size=3) | JSON_VALUES,
        "message": st.fixed_dictionaries(
            {}, optional={"author": JSON_VALUES, "content": JSON_VALUES}
        )
        | JSON_VALUES,
    },
)
CHATGPT = st.lists(
    st.fixed_dictionaries(
        {"mapping": st.dictionaries(NODE_IDS, CHATGPT_NODE | JSON_VALUES, max_size=4) | LEAVES},
        optional={"current_node": NODE_IDS | JSON_VALUES, "title": JSON_VALUES},
    ),
    min_size=1,
    max_size=3,
)
CLAUDE = st.lists(
    st.fixed_dictionaries(
        {"chat_messages": st.lists(JSON_VALUES, max_size=4) | JSON_VALUES},
        optional={"uuid": JSON_VALUES, "name": JSON_VALUES},
    ),
    min_size=1,
    max_size=3,
)
CORPUS = st.lists(
    st.fixed_dictionaries({"text": JSON_VALUES}, optional={"id": JSON_VALUES, "title": LEAVES}),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(value=JSON_VALUES | CHATGPT | CLAUDE | CORPUS, lines=st.booleans())
@example(value={"mapping": None}, lines=False)
@example(value={"mapping": ["x", True]}, lines=False)
@example(value={"chat_messages": 0.5}, lines=True)
@example(value=[{"mapping": {"a": {"children": ["a"]}}}], lines=False)  # an endless walk
@example(value=[{"mapping": {"a": {"children": [["a"]]}}, "current_node": ["a"]}], lines=False)
@example(value=[{"mapping": {"a": "node", "b": {"parent": "a"}}, "current_node": "b"}], lines=False)
@example(value=[{"id": "\ud800", "title": "\udfff", "text": "lone \ud83d surrogate"}], lines=True)
def test_json_exports_nested_at_random(tmp_path: Path, value: Any, lines: bool) -> None:
    if lines:
        items = value if isinstance(value, list) else [value]
        data = "\n".join(json.dumps(item) for item in items)
    else:
        data = json.dumps(value)
    parse_or_refuse(tmp_path / ("export.jsonl" if lines else "export.json"), data.encode())


def test_lone_surrogates_from_json_escapes_are_ingested(tmp_path: Path) -> None:
    # "\ud800" is valid JSON but no UTF-8: it failed the whole ingest when the store encoded it.
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        '{"id": "k\\ud800", "title": "t\\udfff", "text": "before \\udfff after"}\n',
        encoding="utf-8",
    )
    with closing(SQLiteStore(tmp_path / "library.db")) as store:
        report = ingest(store, [path])
        assert (report.added, report.failed) == (1, [])
        (doc,) = store.documents()
        assert doc.title == "t\ufffd"


# --- near-valid PDFs ------------------------------------------------------------------------------

PDF = minimal_pdf("Quarterly revenue grew in the northern region")


@FUZZ
@given(
    cut=st.integers(0, len(PDF)),
    flips=st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), max_size=6),
)
def test_truncated_and_damaged_pdfs(tmp_path: Path, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(PDF)
    for index, byte in flips:
        data[index] = byte
    parse_or_refuse(tmp_path / "damaged.pdf", bytes(data[:cut]))


def build_pdf(*objects: bytes, root: int = 1) -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def pdf_pages(
    count: int,
    content: bytes = b"BT /F1 12 Tf 72 720 Td (page text) Tj ET",
    filters: bytes = b"",
) -> bytes:
    """``count`` pages sharing one content stream (compressed already when ``filters``)."""
    kids = " ".join(f"{4 + n} 0 R" for n in range(count))
    font = str(4 + count).encode()
    pages = [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 " + font + b" 0 R >> >> >>"
        for _ in range(count)
    ]
    length = str(len(content)).encode()
    return build_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Length " + length + filters + b" >>\nstream\n" + content + b"\nendstream",
        *pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )


PDF_TOKENS = st.sampled_from(
    [
        b"<<", b">>", b"[", b"]", b"/Type", b"/Page", b"/Pages", b"/Kids", b"/Count", b"/Contents",
        b"/Length", b"/Filter", b"/FlateDecode", b"/Resources", b"/Font", b"1 0 R", b"2 0 R",
        b"3 0 R", b"-1", b"99999999999", b"(text)", b"<4142>", b"stream\n", b"\nendstream",
        b"BT", b"ET", b"Tj", b"TJ", b"Td", b"/F1 12 Tf", b"null", b"true", b" ",
    ]
)  # fmt: skip


@FUZZ
@given(objects=st.lists(st.lists(PDF_TOKENS, max_size=25).map(b" ".join), min_size=1, max_size=5))
def test_pdfs_of_random_objects(tmp_path: Path, objects: list[bytes]) -> None:
    parse_or_refuse(tmp_path / "random.pdf", build_pdf(*objects))


def test_nested_and_cyclic_pdf_structures_are_refused(tmp_path: Path) -> None:
    nested = b"<< /Length 3 /X " + b"[" * 5000 + b"]" * 5000 + b" >>\nstream\nabc\nendstream"
    cyclic = build_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"
    )
    for name, data in (
        ("nested.pdf", build_pdf(b"<< /Pages 2 0 R >>", nested)),
        ("cyclic.pdf", cyclic),
    ):
        assert parse_or_refuse(tmp_path / name, data) == []


def test_a_decompression_bomb_stops_at_the_readers_limit(tmp_path: Path) -> None:
    # 200 MB of spaces compress to 200 KB; pypdf stops inflating at its 75 MB limit.
    packer = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    stream = packer.compress(b"BT /F1 12 Tf 72 720 Td (a) Tj ET\n")
    stream += b"".join(packer.compress(chunk) for _ in range(200)) + packer.flush()
    bomb = pdf_pages(1, stream, b" /Filter /FlateDecode")
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    started = time.perf_counter()
    with pytest.raises(ParseError, match=r"bomb\.pdf: the PDF exceeds a safety limit"):
        parse_file(path)
    assert time.perf_counter() - started < 10


def test_password_protected_pdf_says_so(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    def encrypted(user: str) -> bytes:
        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(PDF)))
        writer.encrypt(user, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    locked = tmp_path / "locked.pdf"
    locked.write_bytes(encrypted("secret"))
    with pytest.raises(ParseError, match=r"locked\.pdf: the PDF is password-protected"):
        parse_file(locked)
    # Encrypted for permissions only (no user password): it opens.
    opened = tmp_path / "permissions.pdf"
    opened.write_bytes(encrypted(""))
    (doc,) = parse_file(opened)
    assert "Quarterly revenue" in doc.sections[0].text


# --- HTML and Markdown: tag soup and pathological lines -------------------------------------------

HTML_TOKENS = st.sampled_from(
    [
        "<", "</", ">", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml?>",
        "<script>", "</script>", "<style>", "</style>", "<h1>", "</h1>", "<h2 class='x'>",
        "</h2>", "<title>", "</title>", "<svg>", "</svg>", "<p>", "<br/>", "<a href=\"", "\"",
        "'", "=", "&amp;", "&#", "&#x110000;", "&#0;", "&lt", ";", "x", "text", " ", "\n", "\x00",
        "<![x", "<!", "<a ", "<textarea>", "</textarea>",
    ]
)  # fmt: skip


@FUZZ
@given(parts=st.lists(HTML_TOKENS, max_size=60))
def test_random_html(tmp_path: Path, parts: list[str]) -> None:
    parse_or_refuse(tmp_path / "soup.html", "".join(parts).encode())


MD_TOKENS = st.sampled_from(
    [
        "#",
        "##",
        "######",
        "#######",
        " ",
        "\t",
        "\n",
        "```",
        "~~~",
        "text",
        "#x",
        " #",
        "\r",
        "\u2028",
    ]
)


@FUZZ
@given(parts=st.lists(MD_TOKENS, max_size=60))
def test_random_markdown(tmp_path: Path, parts: list[str]) -> None:
    for doc in parse_or_refuse(tmp_path / "notes.md", "".join(parts).encode()):
        assert all(s.heading for s in doc.sections)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # html.parser rescans an unclosed tag from every later "<": minutes on 100 kB.
        ("tags.html", "<a " * 50_000),
        ("quoted.html", "<a b='" * 50_000),
        ("comments.html", "<!--" * 50_000),
        ("heading.md", "# " + " " * 200_000 + "x"),
        ("closing.md", "# a" + " #" * 100_000 + "x"),
    ],
)
def test_pathological_input_is_parsed_in_linear_time(tmp_path: Path, name: str, text: str) -> None:
    started = time.perf_counter()
    parse_or_refuse(tmp_path / name, text.encode())
    assert time.perf_counter() - started < 2


def test_html_text_survives_an_unclosed_attribute_quote(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<h1>Guide</h1><p>Kept &amp; shown.</p><script>if (a < b) { x = '</p>' }</script>"
        "<title>T &lt; U</title><p>Also <b>kept</b>.</p><img alt='never closed",
        encoding="utf-8",
    )
    (doc,) = parse_file(path)
    text = "\n".join(s.text for s in doc.sections)
    assert doc.title == "T < U"
    assert text == "Kept & shown.\n\nAlso kept."
    assert doc.sections[0].heading == "Guide"


# --- the bounds -----------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_text("# Big\n\n" + "word " * 1000, encoding="utf-8")
    with pytest.raises(ParseError, match=r"big\.md: the file is 5,007 bytes; the limit is 1,024"):
        parse_file(path, ParseLimits(max_file_bytes=1024))
    assert parse_file(path, ParseLimits(max_file_bytes=5007))


def test_a_pdf_over_the_page_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_pages(3))
    assert len(parse_file(path)[0].sections) == 3
    with pytest.raises(ParseError, match=r"long\.pdf: the PDF has 3 pages; the limit is 2"):
        parse_file(path, ParseLimits(max_pdf_pages=2))


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_nested_past_the_depth_limit_is_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    nested: Any = "hi"
    for _ in range(9):
        nested = {"content": [nested]}
    path.write_text(json.dumps({"role": "user", "content": nested}), encoding="utf-8")
    assert parse_file(path, ParseLimits(max_json_depth=20))
    with pytest.raises(ParseError, match=r"deep\.jsonl?: .*more than 12 levels deep"):
        parse_file(path, ParseLimits(max_json_depth=12))


def test_json_deeper_than_python_can_parse_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "abyss.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(ParseError, match=r"abyss\.json: the JSON nests .* more than 64 levels"):
        parse_file(path)


@pytest.mark.parametrize("name", ["notes.txt", "notes.md", "page.html", "corpus.jsonl", "scan.pdf"])
def test_a_file_yielding_more_text_than_the_limit_is_refused(tmp_path: Path, name: str) -> None:
    words = "lorem ipsum dolor " * 100
    data = {
        ".txt": words.encode(),
        ".md": f"# Notes\n\n{words}".encode(),
        ".html": f"<p>{words}</p>".encode(),
        ".jsonl": json.dumps({"id": "1", "text": words}).encode(),
        ".pdf": minimal_pdf(words),
    }[Path(name).suffix]
    path = tmp_path / name
    path.write_bytes(data)
    assert parse_file(path, ParseLimits(max_text_chars=10_000))
    with pytest.raises(ParseError, match=r"more than 1,000 characters of text"):
        parse_file(path, ParseLimits(max_text_chars=1000))


def test_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in [
        ("MAX_FILE_BYTES", "2048"),
        ("MAX_PDF_PAGES", "7"),
        ("MAX_JSON_DEPTH", "9"),
        ("MAX_FILE_TEXT_CHARS", "5000"),
    ]:
        monkeypatch.setenv(f"PROMPTGEN_{name}", value)
    assert ParseLimits.from_settings(Settings()) == ParseLimits(2048, 7, 9, 5000)
    monkeypatch.delenv("PROMPTGEN_MAX_PDF_PAGES")
    assert ParseLimits.from_settings(Settings()).max_pdf_pages == ParseLimits().max_pdf_pages


def test_an_ingest_reports_each_file_over_a_bound_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nSmall and fine.", encoding="utf-8")
    (folder / "big.txt").write_text("x" * 5000, encoding="utf-8")
    (folder / "long.pdf").write_bytes(pdf_pages(4))
    (folder / "deep.json").write_text("[" * 50 + "]" * 50, encoding="utf-8")
    (folder / "wordy.jsonl").write_text(json.dumps({"text": "y " * 2000}), encoding="utf-8")
    limits = ParseLimits(
        max_file_bytes=4096, max_pdf_pages=3, max_json_depth=10, max_text_chars=3000
    )
    with closing(SQLiteStore(tmp_path / "library.db")) as store:
        report = ingest(store, [folder], limits=limits)
        assert report.added == 1 and report.files == 5
        reasons = {Path(path).name: reason for path, reason in report.failed}
        assert set(reasons) == {"big.txt", "long.pdf", "deep.json", "wordy.jsonl"}
        assert "PROMPTGEN_MAX_FILE_BYTES" in reasons["big.txt"]
        assert "PROMPTGEN_MAX_PDF_PAGES" in reasons["long.pdf"]
        assert "PROMPTGEN_MAX_JSON_DEPTH" in reasons["deep.json"]
        assert "PROMPTGEN_MAX_FILE_TEXT_CHARS" in reasons["wordy.jsonl"]
        assert [d.title for d in store.documents()] == ["Good"]


def test_the_engine_ingests_with_the_configured_limits(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    monkeypatch.setenv("PROMPTGEN_MAX_FILE_BYTES", "1024")
    big = tmp_path / "big.md"
    big.write_text("# Big\n\n" + "word " * 500, encoding="utf-8")
    engine = PromptGen(Settings(), classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    try:
        report = engine.ingest([big])
    finally:
        engine.close()
    assert report.added == 0
    assert "the limit is 1,024 bytes" in report.failed[0][1]
