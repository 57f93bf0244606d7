"""Briefings: passages the chat would answer the topic from, statements sorted by kind and period, figures
with unit, year and status, every item cited; Markdown footnotes, the preview, Word files and the CLI."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from eval.briefing import load_topics, score_brief, under
from qa.answerability import Answerability
from qa.brief import Brief, Briefer, clip, topic_parts
from qa.chain import QAChain
from qa.settings import REPO_ROOT
from qa.statements import Cues, classify, figures
from tests.ui_index import plans_chain
from ui.brief import brief_json, brief_markdown
from ui.briefing import export_brief
from ui.cli import main
from ui.preview import brief_preview_html
from ui.word import AUTHOR, markdown_docx

TOPIC = "生态环境保护"
PERIOD = "2021—2025"
TOPICS = REPO_ROOT / "eval" / "briefing_topics.jsonl"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def brief(chain: QAChain) -> Brief:
    return Briefer(chain).brief(TOPIC, today=date(2025, 1, 2))


def test_each_district_gets_statements_that_are_verbatim_located_and_sorted(brief: Brief) -> None:
    assert [d.doc_id for d in brief.districts] == ["conghua", "liwan"]
    assert [d.district for d in brief.districts] == ["从化区", "荔湾区"]
    for part in brief.districts:
        assert part.measures and part.quotes and not part.nearest and part.period == "十四五"
        for point in (*part.points, *part.quotes):
            assert point.chunk.doc_id == part.doc_id
            shown = point.text.removesuffix("……").replace("\n", " ")
            assert shown in point.chunk.text.replace("\n", " ")
            assert point.chunk.line_start <= point.line <= point.chunk.line_end
        assert {p.kind for p in part.targets} <= {"target"} and {p.kind for p in part.measures} <= {"measure"}
        assert all(p.kind == "result" and p.period == "十三五" for p in part.results)
        assert all("十三五" not in p.text for p in (*part.targets, *part.measures))
        assert all(re.search(r"[。；;，,、：:]", p.text) for p in part.points)  # no heading or caption


def test_figures_carry_unit_year_and_status_without_repeats(brief: Brief) -> None:
    conghua = brief.districts[0]
    forest = [f for f in conghua.figures if any(x.shown == "≥69.1%" for x in f.figures)]
    assert forest and forest[0].target and "森林覆盖率" in forest[0].text
    for part in brief.districts:
        texts = [f.text for f in part.figures]
        assert len(texts) == len(set(texts))
        for item in part.figures:
            assert item.text in item.chunk.text and all(f.unit for f in item.figures)


def test_sentences_are_read_by_period_and_cue() -> None:
    cues = Cues.load()
    result = classify("“十三五”期间城镇新增就业超过6.12万人。", "第一章 > 第二节 民生", PERIOD, cues)
    assert (result.kind, result.period) == ("result", "十三五")
    past = classify("2020年从化地区生产总值为386.31亿元。", "第一章", PERIOD, cues)
    assert (past.kind, past.period) == ("result", "十三五")
    target = classify("到2025年人均预期寿命达80.09岁。", "第二章 > 第三节 主要目标", PERIOD, cues)
    assert (target.kind, target.period) == ("target", "十四五")
    problem = "发展不平衡、不充分的一些突出问题和深层次矛盾仍然存在,主要表现为:经济规模小。"
    assert classify(problem, "第一章", PERIOD, cues).kind == "challenge"
    assert classify("加快城市轨道交通建设。", "第十章 > 第三节", PERIOD, cues).kind == "measure"
    assert (
        classify("“十三五”时期发展成就。", "第一章 > 第一节 “十三五”时期发展成就", PERIOD, cues).kind
        == "result"
    )


def test_figures_read_bound_unit_and_year() -> None:
    found = [f for _, _, f in figures("到2025年,确保森林覆盖率不低于69.1%,新建学校12所。")]
    assert [(f.value, f.unit, f.year, f.bound) for f in found] == [
        ("69.1", "%", "2025", "≥"),
        ("12", "所", "2025", ""),
    ]
    assert figures("2021—2025年") == [] and figures("第十四个五年") == []
    rates = [f.shown for _, _, f in figures("处理能力达到4100吨/日,道路网密度达到6公里/平方公里。")]
    assert rates == ["4100吨/日", "6公里/平方公里"]


def test_topic_parts_are_listed_parts_and_specific_words(chain: QAChain) -> None:
    parts = topic_parts(chain.corpus, "粮食和能源安全")
    assert parts[:2] == ["粮食", "能源安全"] and "粮食和能源安全" not in parts
    assert "建设" not in topic_parts(chain.corpus, "交通基础设施建设")  # in most passages: finds no topic


def test_a_topic_the_chat_would_refuse_says_so_and_points_to_the_nearest_sections(chain: QAChain) -> None:
    refusing = QAChain(
        chain.retriever, answerability=Answerability({}, bias=-50.0), sentences=chain.sentences
    )
    made = Briefer(refusing).brief("火星基地")
    text = brief_markdown(made)
    assert all(not d.points and not d.figures and d.nearest for d in made.districts)
    assert text.count("规划中未找到与该主题直接相关的内容") == 2 and "[^" not in text


def test_each_passage_is_judged_by_the_chats_model(chain: QAChain) -> None:
    """A model that answers only from passages holding every topic word keeps only those passages."""
    strict = Answerability({"coverage": 100.0}, bias=-99.5)
    chosen = Briefer(QAChain(chain.retriever, answerability=strict)).passages(
        chain.corpus, "森林覆盖率", "conghua"
    )
    assert chosen.judged and all("森林覆盖率" in h.chunk.norm for h in chosen.judged)


def test_a_traditional_topic_gets_traditional_headings(chain: QAChain) -> None:
    text = brief_markdown(Briefer(chain).brief("白鵝潭商務區", ["liwan"]))
    assert text.startswith("# 簡報：白鵝潭商務區") and "## 註釋" in text and "### 主要舉措" in text


def test_markdown_labels_every_group_and_cites_every_item(brief: Brief) -> None:
    text = brief_markdown(brief)
    refs = re.findall(r"\[\^(\d+)\](?!:)", text)
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", text, flags=re.M))
    items = [line for line in text.splitlines() if line.startswith(("- ", "> ")) and "本简报" not in line]
    assert len(refs) == len(notes) == sum(1 for line in items if "[^" in line)
    assert refs == [str(i) for i in range(1, len(refs) + 1)]
    assert all(re.fullmatch(r"《(广|廣)州市.+》，.+，第\d+行。", n) for n in notes.values())
    assert "### 主要举措" in text and "### 数据" in text and "生成日期：2025-01-02" in text
    if any(d.results for d in brief.districts):
        assert "### 十三五时期成效" in text
    assert re.search(r"^- 目标·[^｜]+｜≥69\.1%：", text, flags=re.M)
    data = brief_json(brief, text)
    first = data["districts"][0]
    assert data["markdown"] == text and first["key_points"][0]["section"] and first["period"] == "十四五"
    assert first["figures"][0]["figures"][0]["unit"]


def test_the_preview_links_footnotes_to_a_numbered_list(brief: Brief) -> None:
    html = brief_preview_html(brief_markdown(brief))
    assert "[^" not in html
    assert '<sup class="fn-ref"><a href="#brief-note-1" id="brief-ref-1">1</a></sup>' in html
    assert '<ol class="brief-notes"><li id="brief-note-1" value="1">《' in html


def test_word_export_has_title_author_headings_and_real_endnotes(brief: Brief, tmp_path: Path) -> None:
    text = brief_markdown(brief)
    path = tmp_path / "brief.docx"
    path.write_bytes(markdown_docx(text, title=TOPIC))
    doc = Document(str(path))
    assert doc.core_properties.title == TOPIC and doc.core_properties.author == AUTHOR == "PlanQA"
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


def test_an_edited_draft_is_what_gets_exported(tmp_path: Path) -> None:
    edited = "## 从化区\n\n- 我改过的要点[^1]\n\n## 注释\n\n[^1]: 《某规划》，第一章，第3行。\n"
    md, docx = export_brief(edited, "测试/../主题", tmp_path)
    assert md.parent == docx.parent == tmp_path and md.name.startswith("简报_测试_主题_")
    assert md.read_text(encoding="utf-8") == edited
    doc = Document(str(docx))
    assert doc.core_properties.title == "测试/../主题" and doc.core_properties.author == "PlanQA"
    assert doc.paragraphs[0].text == "测试/../主题"  # the title heading deleted from the draft comes back
    assert doc.paragraphs[0].style is not None and doc.paragraphs[0].style.name == "Title"
    assert "我改过的要点" in [p.text for p in doc.paragraphs]


def test_clip_keeps_whole_clauses() -> None:
    text = "第一句很长的内容,第二句也很长的内容,第三句还有更多的内容;第四句。"
    assert clip(text, 100) == text
    assert clip(text, 24) == "第一句很长的内容,第二句也很长的内容……"


def test_staff_topics_name_real_sections_of_both_plans(chain: QAChain) -> None:
    topics = load_topics(TOPICS)
    assert len(topics) >= 20 and sum(t.split == "holdout" for t in topics) >= 8
    chunks = list(chain.corpus.chunks.values())
    for topic in topics:
        assert set(topic.plans) == {"conghua", "liwan"}
        for doc, spec in topic.plans.items():
            for section in spec.sections:
                assert any(c.doc_id == doc and under(c, (section,)) for c in chunks), (topic.topic, section)


def test_the_scorer_counts_recall_and_off_topic_items(brief: Brief, chain: QAChain) -> None:
    topic = next(t for t in load_topics(TOPICS) if t.topic == TOPIC)
    scored = score_brief(topic, brief, list(chain.corpus.chunks.values()))
    assert scored.required == sum(len(p.sections) for p in topic.plans.values())
    assert 0 <= scored.off_topic <= scored.items and scored.found + len(scored.missed) == scored.required
    nothing = Brief(TOPIC, "zh-Hans", date(2025, 1, 2), ())
    assert score_brief(topic, nothing, []).found == 0


@pytest.mark.slow
def test_brief_command_writes_markdown_and_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "index"
    assert main(["brief", "交通", "--district", "liwan", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 简报：交通") and "## 荔湾区" in out and "## 从化区" not in out
    docx = tmp_path / "b.docx"
    assert main(["brief", "交通", "--format", "docx", "--out", str(docx), "--index", str(index)]) == 0
    doc = Document(str(docx))
    assert doc.paragraphs[0].text == "简报：交通" and doc.core_properties.title == "交通"
