"""Parsers turn each supported format into documents, and refuse bad files with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptgen.errors import ParseError
from promptgen.library.parsers import parse_file
from tests.conftest import minimal_pdf


def test_markdown_is_split_by_headings_with_their_path(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "# Guide\n\nIntro.\n\n## Setup\n\nInstall it.\n\n```python\n# not a heading\n```\n\n"
        "### Linux\n\nUse apt.\n\n## Usage\n\nRun it.\n",
        encoding="utf-8",
    )
    (doc,) = parse_file(path)
    assert doc.title == "Guide"
    assert [s.heading for s in doc.sections] == [
        "Guide",
        "Guide › Setup",
        "Guide › Setup › Linux",
        "Guide › Usage",
    ]
    assert "# not a heading" in doc.sections[1].text


def test_html_keeps_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><script>var secret=1</script></head><body>"
        "<h2>Part</h2><p>Visible &amp; kept.</p><style>.x{}</style></body></html>",
        encoding="utf-8",
    )
    (doc,) = parse_file(path)
    text = " ".join(s.text for s in doc.sections)
    assert doc.title == "T"
    assert "Visible & kept." in text
    assert "secret" not in text and ".x{}" not in text
    assert doc.sections[0].heading == "Part"


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(minimal_pdf("Quarterly revenue grew in the northern region"))
    (doc,) = parse_file(path)
    assert doc.kind == "pdf"
    assert "Quarterly revenue grew" in doc.sections[0].text


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(ParseError, match=r"broken\.pdf"):
        parse_file(path)


def test_jsonl_corpus_gives_one_document_per_record(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        '{"id": "a", "title": "Alpha", "text": "first\\u2028line"}\n{"id": "b", "text": "second"}\n',
        encoding="utf-8",
    )
    docs = parse_file(path)
    assert [(d.key, d.title) for d in docs] == [("a", "Alpha"), ("b", "b")]


def test_jsonl_corpus_with_a_repeated_id_is_refused_naming_both_records(tmp_path: Path) -> None:
    # A repeated id used to keep only one of the records and report nothing.
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": "a", "text": "first"}, {"id": "b", "text": "x"}, {"id": "a", "text": "third"}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with pytest.raises(ParseError, match=r"record 3 repeats id 'a' of record 1"):
        parse_file(path)


def _chatgpt_export() -> list[dict[str, object]]:
    def node(
        nid: str, parent: str | None, children: list[str], role: str, text: str
    ) -> dict[str, object]:
        return {
            "id": nid,
            "parent": parent,
            "children": children,
            "message": {
                "author": {"role": role},
                "content": {"content_type": "text", "parts": [text]},
            },
        }

    return [
        {
            "id": "c1",
            "title": "Espresso tuning",
            "current_node": "n4",
            "mapping": {
                "n1": node("n1", None, ["n2"], "system", ""),
                "n2": node("n2", "n1", ["n3", "n5"], "user", "How fine should I grind?"),
                "n3": node("n3", "n2", ["n4"], "assistant", "Aim for a 25 second shot."),
                "n4": node("n4", "n3", [], "user", "Thanks, the shot is sour now."),
                "n5": node("n5", "n2", [], "assistant", "ABANDONED BRANCH"),
            },
        }
    ]


def test_chatgpt_export_follows_the_current_branch(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(_chatgpt_export()), encoding="utf-8")
    (doc,) = parse_file(path)
    text = doc.sections[0].text
    assert doc.title == "Espresso tuning" and doc.kind == "conversation"
    assert text.index("How fine") < text.index("25 second") < text.index("sour now")
    assert "ABANDONED" not in text


def test_claude_export(tmp_path: Path) -> None:
    path = tmp_path / "claude.json"
    path.write_text(
        json.dumps(
            [
                {
                    "uuid": "u1",
                    "name": "Tax question",
                    "chat_messages": [
                        {"sender": "human", "text": "Is this deductible?"},
                        {"sender": "assistant", "text": "Home office costs can be."},
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    (doc,) = parse_file(path)
    assert doc.key == "u1" and doc.title == "Tax question"
    assert (
        doc.sections[0].text == "User: Is this deductible?\n\nAssistant: Home office costs can be."
    )


def test_generic_message_list_json_and_jsonl(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
    ]
    (tmp_path / "m.json").write_text(json.dumps(messages), encoding="utf-8")
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(m) for m in messages), encoding="utf-8")
    for name in ("m.json", "m.jsonl"):
        (doc,) = parse_file(tmp_path / name)
        assert doc.sections[0].text == "User: hi\n\nAssistant: hello"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not valid UTF-8 at byte 3"),
        ("blob.txt", b"\x00\x01\x02binary", "binary"),
        ("bad.json", b"{not json", "not valid JSON"),
        ("bad.jsonl", b'{"text": "ok"}\n{oops', "line 2 is not valid JSON"),
        ("weird.json", b'{"hello": 1}', "unrecognized JSON"),
        ("image.png", b"\x89PNG", "unsupported file type .png"),
    ],
)
def test_bad_files_give_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert reason in str(caught.value)
    assert str(path) in str(caught.value)
