"""Word files made with python-docx: heading styles and list numbers make the outline; tables read as rows."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from ingest.load import load_document
from ingest.outline import parse_outline
from ingest.split import split_document
from ingest.word import number_text
from tests.made_docs import INDICATORS

BODY = "坚持新发展理念，推动高质量发展。"


def chinese_list(document: docx.document.Document, fmt: str = "chineseCounting", text: str = "%1、") -> str:
    """Add a one-level list numbered 一、二、… (Word keeps the number out of the text); its numId."""
    numbering = document.part.numbering_part.element
    abstract_id = str(90 + len(numbering.findall(qn("w:abstractNum"))))
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:lvl w:ilvl="0">'
            f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            "</w:lvl></w:abstractNum>"
        ),
    )
    num_id = str(100 + int(abstract_id))
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
        )
    )
    return num_id


def numbered(document: docx.document.Document, text: str, num_id: str) -> None:
    """A paragraph in the list numId, at its first level."""
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def test_heading_styles_make_the_outline_even_without_numbered_titles(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("某某区国民经济和社会发展第十四个五年规划纲要", style="Title")
    document.add_heading("第一章 发展基础", level=1)
    document.add_heading("发展环境", level=2)  # no 第…节 in its text: only the style says it is a heading
    document.add_paragraph(BODY)
    document.add_heading("主要目标", level=2)
    document.add_paragraph("到2025年，地区生产总值达到550亿元。")
    document.add_heading("第二章 总体要求", level=1)
    document.add_paragraph(BODY)
    path = tmp_path / "styled.docx"
    document.save(str(path))

    doc = load_document(path)
    blocks = parse_outline(doc)
    assert [b.path for b in blocks] == [
        ("前言",),
        ("第一章 发展基础", "发展环境"),
        ("第一章 发展基础", "主要目标"),
        ("第二章 总体要求",),
    ]
    chunks = split_document(doc, blocks)
    assert [c.text for c in chunks][1:] == [BODY, "到2025年，地区生产总值达到550亿元。", BODY]


def test_chinese_style_names_and_outline_levels_count_as_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("总则", level=1)
    document.styles["Heading 1"].element.find(qn("w:name")).set(
        qn("w:val"), "标题 1"
    )  # as a Chinese Word names it
    outlined = document.add_paragraph("规划目标")  # Normal style, outline level 2 set on the paragraph
    outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
    document.add_paragraph(BODY)
    path = tmp_path / "zh.docx"
    document.save(str(path))
    assert [b.path for b in parse_outline(load_document(path))] == [("总则", "规划目标")]


def test_list_numbers_are_written_back_and_read_as_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("第一章 发展基础")
    items = chinese_list(document)
    numbered(document, "巩固生态本底", items)
    document.add_paragraph(BODY)
    numbered(document, "提升城市品质", items)
    document.add_paragraph("完善公共服务。")
    path = tmp_path / "list.docx"
    document.save(str(path))

    doc = load_document(path)
    assert "一、巩固生态本底" in doc.text and "二、提升城市品质" in doc.text
    assert [b.path for b in parse_outline(doc)] == [
        ("第一章 发展基础", "一、巩固生态本底"),
        ("第一章 发展基础", "二、提升城市品质"),
    ]


@pytest.mark.parametrize(
    ("n", "fmt", "written"),
    [(1, "chineseCounting", "一"), (12, "chineseCountingThousand", "十二"), (20, "chineseCounting", "二十"),
     (3, "decimalEnclosedCircle", "③"), (4, "lowerRoman", "iv"), (2, "upperLetter", "B"), (7, "decimal", "7"),
     (2, "ideographTraditional", "乙"), (105, "chineseCounting", "一百零五"),
     (110, "chineseCounting", "一百一十"), (1200, "chineseCounting", "1200"), (0, "chineseCounting", "0")],
)  # fmt: skip
def test_word_number_formats(n: int, fmt: str, written: str) -> None:
    assert number_text(n, fmt) == written


def test_table_rows_carry_their_header_and_merged_cells(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("第二章 主要目标")
    document.add_paragraph("表2 “十四五”主要指标")
    header = ("类别", *INDICATORS[0])
    table = document.add_table(rows=len(INDICATORS), cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row, values in zip(table.rows[1:], INDICATORS[1:], strict=True):
        for cell, text in zip(row.cells[1:], values, strict=True):
            cell.text = text
    category = table.cell(1, 0).merge(table.cell(2, 0))  # 经济发展 spans the first two indicators
    category.text = "经济发展"
    table.cell(3, 0).text = "绿色低碳"
    document.add_paragraph(BODY)
    path = tmp_path / "table.docx"
    document.save(str(path))

    doc = load_document(path)
    chunks = split_document(doc, parse_outline(doc))
    rows = [c for c in chunks if c.kind == "table"]
    assert [c.text for c in rows] == [
        "类别：经济发展，指标：地区生产总值，单位：亿元，2020年：386.31，2025年目标：550，属性：预期性",
        "类别：经济发展，指标：森林覆盖率，单位：%，2020年：69.1，2025年目标：69，属性：约束性",
        "类别：绿色低碳，指标：单位GDP能耗降低，单位：%，2025年目标：14，属性：约束性",
    ]
    assert {c.section_path for c in rows} == {("第二章 主要目标", "表2 “十四五”主要指标")}
    assert all(c.text == doc.text[c.char_start : c.char_end] for c in chunks)
    assert [c.text for c in chunks if c.kind == "body"][-1].endswith(BODY)


@pytest.mark.slow
def test_a_target_question_is_answered_from_its_table_row(tmp_path: Path) -> None:
    from tests.commands import planqa

    document = docx.Document()
    document.add_paragraph("某某区国民经济和社会发展第十四个五年规划和2035年远景目标纲要")
    document.add_heading("第一章 发展基础", level=1)
    document.add_paragraph("“十三五”期间，某某区经济保持平稳增长，生态环境持续改善，民生福祉不断增进。")
    document.add_heading("第二章 主要目标", level=1)
    document.add_paragraph("到2025年，全区经济实力明显增强，生态环境质量保持全市前列。")
    document.add_paragraph("表1 “十四五”时期经济社会发展主要指标")
    table = document.add_table(rows=len(INDICATORS), cols=len(INDICATORS[0]), style="Table Grid")
    for row, values in zip(table.rows, INDICATORS, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    document.add_heading("第三章 保障措施", level=1)
    document.add_paragraph("加强组织领导，健全规划实施机制。")
    path = tmp_path / "moumou.docx"
    document.save(str(path))
    index = tmp_path / "index"

    assert planqa("ingest", "--index", str(index), "--quiet", str(path)).returncode == 0
    answer = planqa("ask", "--index", str(index), "地区生产总值2025年的目标是多少？")
    assert answer.returncode == 0, answer.stderr
    assert "550" in answer.stdout and "表1 “十四五”时期经济社会发展主要指标" in answer.stdout, answer.stdout
