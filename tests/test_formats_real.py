"""The bundled plans as LibreOffice printed and saved them (eval/formats): read as well as the text itself.

The PDFs wrap every paragraph at the page's margin; the styled files carry their headings only as Word
styles and type sizes. Each must give the text's paragraphs (at most split where a sentence ends), its
section paths, and no page furniture.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.load import load_document
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.sentences import sentence_spans
from qa.types import Chunk, LoadedDocument

FORMATS = Path(__file__).resolve().parents[1] / "eval" / "formats"
PLANS = ("conghua", "liwan")
FILES = [f"{folder}{plan}.{kind}" for folder in ("", "styled/") for plan in PLANS for kind in ("pdf", "docx")]
PAGE_FURNITURE = re.compile(r"^[-—\s]*(?:第\s*)?\d+\s*(?:页|頁)?[-—\s]*$")
MARKDOWN = re.compile(r"^#{1,6} ")
SPACES = re.compile(r"[ \t\u3000]+")


def _unspaced(text: str) -> str:
    return SPACES.sub("", text)


def _chunks(doc: LoadedDocument) -> list[Chunk]:
    return split_document(doc, parse_outline(doc))


@pytest.fixture(scope="module")
def read(docs: dict[str, LoadedDocument]) -> dict[str, tuple[LoadedDocument, LoadedDocument]]:
    """Each converted file loaded with the text's description (so ids match), beside that text."""
    out = {}
    for name in FILES:
        doc_id = Path(name).stem
        text = docs[doc_id]
        out[name] = (load_document(FORMATS / name, text.info), text)
    return out


@pytest.mark.parametrize("name", FILES)
def test_lines_are_the_texts_paragraphs_split_only_between_sentences(
    read: dict[str, tuple[LoadedDocument, LoadedDocument]], name: str
) -> None:
    doc, text = read[name]
    # compared without spaces: a letter-spaced title (目 錄) comes out of a PDF closed up, or spaced unevenly
    paragraphs = [_unspaced(line.text) for line in text.lines if line.text.strip()]
    joined = "\n".join(paragraphs)
    lines = [_unspaced(MARKDOWN.sub("", line.text.strip())) for line in doc.lines if line.text.strip()]
    # no line joins two of the text's paragraphs or adds anything; the one table is checked below
    assert [line for line in lines if line not in joined and "|" not in line] == []
    # every sentence of the text is whole on one line: no line wrap left inside a sentence
    on_one_line = set(lines)
    broken = [
        sentence
        for paragraph in paragraphs
        if paragraph not in on_one_line and "|" not in paragraph
        for sentence in (paragraph[a:b] for a, b in sentence_spans(paragraph))
        if not any(sentence in line for line in lines)
    ]
    assert broken == [], broken[:3]


@pytest.mark.parametrize("name", FILES)
def test_no_page_numbers_or_running_lines(
    read: dict[str, tuple[LoadedDocument, LoadedDocument]], name: str
) -> None:
    doc, _ = read[name]
    assert not [line.text for line in doc.lines if PAGE_FURNITURE.match(line.text.strip())]


@pytest.mark.parametrize("name", FILES)
def test_headings_give_the_texts_section_paths(
    read: dict[str, tuple[LoadedDocument, LoadedDocument]], name: str
) -> None:
    doc, text = read[name]
    chunks, expected = _chunks(doc), _chunks(text)
    assert {c.section_path for c in chunks} == {c.section_path for c in expected}
    assert sum(c.kind == "glossary" for c in chunks) == sum(c.kind == "glossary" for c in expected)
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.char_start : chunk.char_end]  # a quote is the cleaned text itself
        assert (chunk.page is not None) == name.endswith(".pdf")
        inside = [s for s in chunk.text.split("\n")[:-1] if s and not MARKDOWN.match(s)]
        assert all(sentence_spans(s)[-1][1] == len(s.rstrip()) for s in inside)


@pytest.mark.parametrize("name", ["styled/liwan.docx", "styled/liwan.pdf"])
def test_a_ruled_table_stays_a_table(
    read: dict[str, tuple[LoadedDocument, LoadedDocument]], name: str
) -> None:
    doc, _ = read[name]
    # the plan's indicator table kept only its header: its cells stay side by side on one line
    assert any(line.text.startswith("類別 | 序號 | 指標 | 單位 | 2020年") for line in doc.lines)
