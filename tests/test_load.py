"""Loading plan files of every supported kind, and refusing bad ones with a clear message."""

from __future__ import annotations

import os
import random
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.load import LoadError, discover, load_document, read_lines
from ingest.outline import parse_outline
from qa.settings import BUNDLED_PLANS
from qa.types import LoadedDocument

HEADING = "第一节 “十三五”时期发展成就"


@pytest.fixture(scope="module")
def paragraph(docs: dict[str, LoadedDocument]) -> str:
    """A real paragraph of the conghua plan."""
    text = docs["conghua"].lines[6].text
    assert text.startswith("“十三五”期间") and len(text) > 200
    return text


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("utf8.txt", "utf-8"),
        ("bom.txt", "utf-8-sig"),
        ("gbk.txt", "gbk"),
        ("gb18030.txt", "gb18030"),
        ("plan.md", "utf-8"),
    ],
)
def test_text_in_any_common_encoding(tmp_path: Path, paragraph: str, name: str, encoding: str) -> None:
    source = f"{HEADING}\r\n{paragraph}\r\n"
    doc = load_document(write(tmp_path, name, source.encode(encoding)))
    assert doc.text == f"{HEADING}\n{paragraph}\n"
    assert [line.text for line in doc.lines] == [HEADING, paragraph, ""]
    assert doc.lines[1].start == len(HEADING) + 1
    assert all(line.page is None for line in doc.lines)
    assert doc.info.id == Path(name).stem
    assert doc.info.script == "zh-Hans"
    assert parse_outline(doc)[0].path == (HEADING,)


def test_traditional_big5_text(tmp_path: Path, docs: dict[str, LoadedDocument]) -> None:
    line = next(x.text for x in docs["liwan"].lines if x.text.startswith("國際發展環境"))
    sentence = line[: line.index("。") + 1]
    doc = load_document(write(tmp_path, "liwan.txt", f"第一節 發展環境\n{sentence}".encode("big5")))
    assert doc.lines[1].text == sentence
    assert doc.info.script == "zh-Hant"


def test_info_is_inferred_without_a_manifest(tmp_path: Path, paragraph: str) -> None:
    title = "广州市从化区国民经济和社会发展第十四个五年规划"
    doc = load_document(write(tmp_path, "My Plan (draft).txt", f"\n{title}\n{paragraph}\n".encode()))
    assert doc.info.id == "my-plan-draft"
    assert doc.info.title == title
    assert doc.info.district == "从化区"
    assert len(doc.content_hash) == 64


def make_pdf(path: Path, pages: list[list[str]]) -> None:
    """A PDF with real Chinese text, using a standard CID font that needs no font file."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for lines in pages:
        pdf.setFont("STSong-Light", 11)
        for i, line in enumerate(lines):
            pdf.drawString(56, 780 - 18 * i, line)
        pdf.showPage()
    pdf.save()


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    make_pdf(path, [["第一章 发展基础", "经济平稳增长。"], ["第二章 总体要求", "坚持新发展理念。"]])
    doc = load_document(path)
    found = {line.text: line.page for line in doc.lines if line.text}
    assert found == {"第一章 发展基础": 1, "经济平稳增长。": 1, "第二章 总体要求": 2, "坚持新发展理念。": 2}
    paths = [(b.path, b.lines[0].page) for b in parse_outline(doc)]
    assert paths == [(("第一章 发展基础",), 1), (("第二章 总体要求",), 2)]


def test_pdf_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scanned.pdf"
    make_pdf(path, [[]])
    with pytest.raises(LoadError, match="empty document"):
        read_lines(path)


def test_docx_paragraphs_and_table_in_body_order(tmp_path: Path, paragraph: str) -> None:
    document = docx.Document()
    document.add_paragraph("第一章 发展基础")
    document.add_paragraph(paragraph)
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(
        table.rows, [("指标", "单位", "2025年"), ("地区生产总值", "亿元", "500")], strict=True
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("第二章 总体要求")
    document.add_paragraph("坚持新发展理念。")
    path = tmp_path / "plan.docx"
    document.save(str(path))

    doc = load_document(path)
    assert [line.text for line in doc.lines] == [
        "第一章 发展基础",
        paragraph,
        "指标：地区生产总值，单位：亿元，2025年：500",  # a table row reads with its header (ingest.tables)
        "第二章 总体要求",
        "坚持新发展理念。",
    ]
    blocks = parse_outline(doc)
    assert [(b.path, b.kind, len(b.lines)) for b in blocks] == [
        (("第一章 发展基础",), "body", 1),
        (("第一章 发展基础", "表1"), "table", 1),
        (("第二章 总体要求",), "body", 1),
    ]


def test_html_drops_scripts_and_joins_table_cells(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><meta charset="utf-8"><title>从化区规划</title>
    <style>p { color: red; }</style><script>var secret = "不应出现";</script></head>
    <body><h1>第一章 发展基础</h1>
    <p>发展<b>数字经济</b>，建设<a href="#">智慧城市</a>。</p>
    <table><tr><th>指标</th><th>单位</th></tr><tr><td>地区生产总值</td><td>亿元</td></tr></table>
    <noscript>请启用脚本</noscript></body></html>"""
    doc = load_document(write(tmp_path, "plan.html", html.encode("utf-8")))
    assert [line.text for line in doc.lines] == [
        "从化区规划",
        "第一章 发展基础",
        "发展数字经济，建设智慧城市。",
        "指标：地区生产总值，单位：亿元",  # a table row reads with its header (ingest.tables)
    ]
    assert "secret" not in doc.text and "color" not in doc.text and "启用" not in doc.text


def test_html_in_gbk(tmp_path: Path, paragraph: str) -> None:
    html = f'<html><head><meta charset="gbk"></head><body><p>{paragraph}</p></body></html>'
    doc = load_document(write(tmp_path, "plan.htm", html.encode("gbk")))
    assert doc.text == paragraph


def docx_without_document_part(tmp_path: Path) -> bytes:
    """A valid zip that is not a Word document."""
    import zipfile

    path = tmp_path / "not-word.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "你好")
    return path.read_bytes()


BAD_FILES = {
    "empty.txt": (lambda _: b"", "empty file"),
    "blank.txt": (lambda _: b" \n\t\r\n  \n", "empty file"),
    "blank.md": (lambda _: "\u3000\n".encode(), "empty document"),
    "nul.txt": (lambda _: "第一章\x00总则".encode(), "binary file"),
    "random.txt": (lambda _: os.urandom(4096) + b"\x00", "binary file"),
    "noise.txt": (
        lambda _: bytes(b for b in random.Random(7).randbytes(4096) if b),
        "undecodable|binary or corrupt",
    ),
    "high.txt": (lambda _: bytes(range(0x80, 0x100)) * 8, "undecodable|binary or corrupt"),
    "controls.txt": (lambda _: bytes(range(1, 32)) * 20, "binary or corrupt"),
    "garbage.pdf": (lambda _: b"not a pdf at all " * 64, "corrupt or unreadable PDF"),
    "truncated.pdf": (lambda _: b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt or unreadable PDF"),
    "garbage.docx": (lambda _: b"not a zip at all " * 64, "corrupt or unreadable DOCX"),
    "notword.docx": (docx_without_document_part, "corrupt or unreadable DOCX"),
    "empty.pdf": (lambda _: b"", "empty file"),
    "plan.xlsx": (lambda _: b"whatever", "unsupported file type .xlsx"),
    "README": (lambda _: "第一章".encode(), r"unsupported file type \(none\)"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_raise_load_error(tmp_path: Path, name: str) -> None:
    make, message = BAD_FILES[name]
    path = write(tmp_path, name, make(tmp_path))
    with pytest.raises(LoadError, match=message):
        load_document(path)


def test_missing_file_raises_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read file"):
        load_document(tmp_path / "gone.txt")


def test_discover_uses_the_manifest_when_no_path_is_given(tmp_path: Path) -> None:
    found = discover([], BUNDLED_PLANS)
    assert [info.id for _, info in found if info] == ["conghua", "liwan"]
    named = discover([BUNDLED_PLANS / "liwan-14th-five-year-plan.txt"], BUNDLED_PLANS)
    assert [(p.name, info.id if info else None) for p, info in named] == [
        ("liwan-14th-five-year-plan.txt", "liwan")
    ]
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "sub/b.md", "c.csv"):
        (tmp_path / name).write_text("第一章 总则\n内容。", encoding="utf-8")
    assert [(p.name, info) for p, info in discover([tmp_path], BUNDLED_PLANS)] == [
        ("a.txt", None),
        ("b.md", None),
    ]
