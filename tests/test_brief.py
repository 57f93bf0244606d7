"""Briefings: every point verbatim and cited, Markdown footnotes, Word endnotes, downloads and the CLI."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from qa.chain import QAChain
from tests.ui_index import plans_chain
from ui.brief import FIGURE, Brief, brief_json, brief_markdown, clip, make_brief
from ui.chat import export_brief
from ui.cli import main
from ui.word import markdown_docx

TOPIC = "生态环境保护"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def brief(chain: QAChain) -> Brief:
    return make_brief(chain.retriever, TOPIC, today=date(2025, 1, 2))


def test_each_district_gets_key_points_and_quotes_that_are_verbatim_and_located(brief: Brief) -> None:
    assert [d.doc_id for d in brief.districts] == ["conghua", "liwan"]
    assert [d.district for d in brief.districts] == ["从化区", "荔湾区"]
    for part in brief.districts:
        assert part.key_points and part.quotes and not part.nearest
        for point in (*part.key_points, *part.figures, *part.quotes):
            assert point.chunk.doc_id == part.doc_id
            assert point.text.removesuffix("……") in point.chunk.text.replace("\n", " ")
            assert point.chunk.line_start <= point.line <= point.chunk.line_end
        assert all(FIGURE.search(p.text) for p in part.figures)


def test_figures_are_the_clauses_with_numbers(chain: QAChain) -> None:
    made = make_brief(chain.retriever, "森林覆盖率", ["conghua"])
    assert [d.doc_id for d in made.districts] == ["conghua"]
    assert any("69.1%" in p.text for p in made.districts[0].figures)


def test_an_unknown_topic_says_so_and_points_to_the_nearest_sections(chain: QAChain) -> None:
    made = make_brief(chain.retriever, "火星基地")
    text = brief_markdown(made)
    assert all(not d.key_points and d.nearest for d in made.districts)
    assert text.count("规划中未找到与该主题直接相关的内容") == 2 and "[^" not in text


def test_a_traditional_topic_gets_traditional_headings(chain: QAChain) -> None:
    text = brief_markdown(make_brief(chain.retriever, "白鵝潭商務區", ["liwan"]))
    assert text.startswith("# 簡報：白鵝潭商務區") and "### 要點" in text and "## 註釋" in text


def test_markdown_cites_every_point_with_plan_section_and_line(brief: Brief) -> None:
    text = brief_markdown(brief)
    refs = re.findall(r"\[\^(\d+)\](?!:)", text)
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", text, flags=re.M))
    bullets = [line for line in text.splitlines() if line.startswith(("- ", "> ")) and "本简报" not in line]
    assert len(refs) == len(notes) == sum(1 for line in bullets if "[^" in line)
    assert refs == [str(i) for i in range(1, len(refs) + 1)]
    assert all(re.fullmatch(r"《(广|廣)州市.+》，.+，第\d+行。", n) for n in notes.values())
    assert "### 要点" in text and "### 原文" in text and "生成日期：2025-01-02" in text
    data = brief_json(brief, text)
    assert data["markdown"] == text and data["districts"][0]["key_points"][0]["section"]


def test_word_export_has_headings_bullets_and_real_endnotes(brief: Brief, tmp_path: Path) -> None:
    text = brief_markdown(brief)
    path = tmp_path / "brief.docx"
    path.write_bytes(markdown_docx(text))
    doc = Document(str(path))
    styles = [p.style.name for p in doc.paragraphs if p.style is not None]
    assert doc.paragraphs[0].text == f"简报：{TOPIC}" and styles[0] == "Title"
    assert "Heading 1" in styles and "List Bullet" in styles and "Quote" in styles
    assert "注释" not in [p.text for p in doc.paragraphs]  # Word lists the endnotes itself
    assert "[^" not in "".join(p.text for p in doc.paragraphs)
    with zipfile.ZipFile(path) as package:
        endnotes = package.read("word/endnotes.xml").decode()
        body = package.read("word/document.xml").decode()
    notes = len(re.findall(r"^\[\^\d+\]:", text, flags=re.M))
    assert body.count("<w:endnoteReference") == notes == endnotes.count("<w:endnoteRef/>")
    assert "第" in endnotes and 'w:numFmt w:val="decimal"' in body


def test_an_edited_draft_is_what_gets_downloaded(tmp_path: Path) -> None:
    edited = (
        "# 简报：测试\n\n## 从化区\n\n- 我改过的要点[^1]\n\n## 注释\n\n[^1]: 《某规划》，第一章，第3行。\n"
    )
    md, docx = export_brief(edited, "测试/../主题", tmp_path)
    assert md.parent == docx.parent == tmp_path and md.name.startswith("简报_测试_主题_")
    assert md.read_text(encoding="utf-8") == edited
    assert Document(str(docx)).paragraphs[2].text == "我改过的要点"


def test_clip_keeps_whole_clauses() -> None:
    text = "第一句很长的内容,第二句也很长的内容,第三句还有更多的内容;第四句。"
    assert clip(text, 100) == text
    assert clip(text, 24) == "第一句很长的内容,第二句也很长的内容……"


@pytest.mark.slow
def test_brief_command_writes_markdown_and_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "index"
    assert main(["brief", "交通", "--district", "liwan", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 简报：交通") and "## 荔湾区" in out and "## 从化区" not in out
    docx = tmp_path / "b.docx"
    assert main(["brief", "交通", "--format", "docx", "--out", str(docx), "--index", str(index)]) == 0
    assert Document(str(docx)).paragraphs[0].text == "简报：交通"
