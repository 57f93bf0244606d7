"""PDFs made with reportlab read back as the paragraphs they were written as, with tables as labelled rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.layout import Line, drop_running, paragraphs
from ingest.limits import LoadError
from ingest.load import load_document, read_lines
from ingest.ocr import close_han_spaces, ocr_available
from ingest.outline import parse_outline
from ingest.split import split_document
from tests.made_docs import HEADER, INDICATORS, NOTO_CJK, paragraph, plan_pdf, scanned_pdf, spaced_pdf

PAGE_NUMBER = re.compile(r"^-\s*\d+\s*-$")


@pytest.fixture(scope="module")
def long_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A four-page PDF of wrapping paragraphs under a running head, with page numbers."""
    texts = [paragraph(n) for n in range(40)]
    path = tmp_path_factory.mktemp("pdf") / "plan.pdf"
    plan_pdf(path, texts)
    return path, texts


def test_wrapped_lines_are_rejoined_into_their_paragraphs(long_plan: tuple[Path, list[str]]) -> None:
    path, texts = long_plan
    doc = load_document(path)
    lines = [line.text for line in doc.lines]
    assert len({line.page for line in doc.lines}) >= 3  # the paragraphs do run over pages
    for text in texts:
        assert text in lines  # whole, on one line: wraps inside it (and across a page break) are closed
    assert "第一章 总体要求" in lines and "第二章 发展环境" in lines


def test_running_head_and_page_numbers_are_dropped(long_plan: tuple[Path, list[str]]) -> None:
    path, _ = long_plan
    lines = [line.text for line in load_document(path).lines]
    assert HEADER not in lines
    assert not [line for line in lines if PAGE_NUMBER.match(line)]


def test_a_paragraph_cited_on_the_page_it_starts(long_plan: tuple[Path, list[str]]) -> None:
    path, texts = long_plan
    doc = load_document(path)
    chunks = split_document(doc, parse_outline(doc))
    for chunk in chunks:
        assert chunk.page is not None and chunk.text == doc.text[chunk.char_start : chunk.char_end]
    pages = [next(line.page or 0 for line in doc.lines if line.text == text) for text in texts]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] >= 3


def test_latin_words_keep_their_spaces_han_text_none(long_plan: tuple[Path, list[str]]) -> None:
    text = load_document(long_plan[0]).text
    assert "Greater Bay Area cooperation deepens steadily" in text
    assert "达到500亿元" in text and "PM2.5年均" in text


def test_letter_spacing_is_not_read_as_spaces(tmp_path: Path) -> None:
    path = tmp_path / "spaced.pdf"
    spaced_pdf(path, "第三章 地区生产总值2025年达到550亿元", char_space=4)
    assert read_lines(path)[0].strip() == "第三章 地区生产总值2025年达到550亿元"


def test_ruled_table_rows_read_with_their_header(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    plan_pdf(path, [paragraph(1)], table=INDICATORS, caption="表1 主要指标")
    doc = load_document(path)
    chunks = [c for c in split_document(doc, parse_outline(doc)) if c.kind == "table"]
    assert [c.text for c in chunks] == [
        "指标：地区生产总值，单位：亿元，2020年：386.31，2025年目标：550，属性：预期性",
        "指标：森林覆盖率，单位：%，2020年：69.1，2025年目标：69，属性：约束性",
        "指标：单位GDP能耗降低，单位：%，2025年目标：14，属性：约束性",  # an empty cell says nothing
    ]
    assert {c.section_path for c in chunks} == {("第一章 总体要求", "表1 主要指标")}
    assert [c.term for c in chunks] == ["第1行", "第2行", "第3行"]
    assert "第二章 发展环境" in [line.text for line in doc.lines]


def _line(text: str, x1: float, top: float, x0: float = 72.0) -> Line:
    return Line(text, x0, x1, top, 10.0, lead=10.0)


def test_a_line_short_of_the_margin_ends_its_paragraph() -> None:
    full, short = 520.0, 300.0
    page = [
        _line("一行写满了但句子没完", full, 100),
        _line("接着写完。", short, 115),
        _line("新段落第一行也写满了", full, 130),
        _line("第二行没写满", short, 145),
        _line("另一段", short, 160),
        *[_line(f"填满第{i}行", full, 175 + 15 * i) for i in range(6)],
    ]
    text = paragraphs([page], [595.0])[0][1].split("\n")
    assert text[:3] == ["一行写满了但句子没完接着写完。", "新段落第一行也写满了第二行没写满", "另一段"]


def test_an_indented_line_or_a_heading_opens_a_paragraph_even_after_a_full_line() -> None:
    full = 520.0
    page = [
        _line("写满的一行", full, 100),
        _line("缩进的新段落", 300, 115, x0=94),
        _line("又写满的一行", full, 130),
        _line("第二节 发展环境", 200, 145),
        *[_line(f"填满第{i}行", full, 160 + 15 * i) for i in range(6)],
    ]
    assert paragraphs([page], [595.0])[0][1].split("\n")[:4] == [
        "写满的一行",
        "缩进的新段落",
        "又写满的一行",
        "第二节 发展环境",
    ]


def test_repeated_edge_lines_go_only_where_there_is_a_body() -> None:
    def page(n: int, body: str) -> list[Line]:
        return [_line("某区规划", 200, 20), _line(body, 300, 100), _line(f"第 {n} 页", 320, 800)]

    bodies = ["推进城市更新。", "建设生态园区。", "完善交通网络。", "提升公共服务。"]
    kept = drop_running([page(n, body) for n, body in enumerate(bodies, start=1)])
    assert [[line.text for line in p] for p in kept] == [[body] for body in bodies]
    same = [[_line("第一章 总则", 200, 20), _line("经济平稳增长。", 300, 40)] for _ in range(3)]
    assert drop_running(same) == same  # nothing but repeated lines: that is the text itself


def test_ocr_spaces_between_han_characters_are_closed() -> None:
    assert close_han_spaces("地 区 生 产 总 值 2025 年 达 到 550 亿 元 , GDP growth") == (
        "地区生产总值2025年达到550亿元 , GDP growth"
    )


@pytest.mark.skipif(
    not ocr_available() or not NOTO_CJK.exists(), reason="needs tesseract-ocr and fonts-noto-cjk"
)
def test_a_scanned_page_is_read_by_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scanned.pdf"
    scanned_pdf(path, ["第一章 总体要求", "到2025年地区生产总值达到550亿元。"])
    lines = [line.text for line in load_document(path).lines]
    assert "第一章总体要求" in lines or "第一章 总体要求" in lines
    assert any("地区生产总值" in line and "550" in line for line in lines), lines


@pytest.mark.skipif(not NOTO_CJK.exists(), reason="needs fonts-noto-cjk to draw the scanned page")
def test_a_scanned_page_without_ocr_fails_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scanned.pdf"
    scanned_pdf(path, ["第一章 总体要求"])
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    ocr_available.cache_clear()
    try:
        with pytest.raises(LoadError, match=r"scanned, no text layer on 1 of 1 pages \(1\).*tesseract-ocr"):
            read_lines(path)
    finally:
        ocr_available.cache_clear()
