"""Heading structure of the bundled plans and of small synthetic plans in both scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import load_document
from ingest.outline import PREAMBLE, headings, parse_outline
from ingest.split import split_document
from qa.script import to_traditional
from qa.types import Block, LoadedDocument

CHINESE_NUMERALS = "一二三四五六七八九十"
TOC_LINES = range(8, 66)  # 目 錄 … 附件2:名詞解釋 in the liwan plan


def numeral(n: int) -> str:
    """1..19 as Chinese numerals (一 … 十九)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    return "十" + CHINESE_NUMERALS[n - 11]


def block_of(blocks: list[Block], line: int) -> Block:
    """The block that holds a line number."""
    found = [b for b in blocks if any(x.number == line for x in b.lines)]
    assert len(found) == 1, f"line {line} is in {len(found)} blocks"
    return found[0]


def load_text(tmp_path: Path, text: str, name: str = "plan.txt") -> LoadedDocument:
    """Load a synthetic plan through the real loader."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path)


@pytest.mark.parametrize(("doc_id", "chapters"), [("conghua", 14), ("liwan", 11)])
def test_chapters_are_found_in_order(docs: dict[str, LoadedDocument], doc_id: str, chapters: int) -> None:
    found = [h for h in headings(docs[doc_id]) if h.level == 2]
    assert len(found) == chapters
    assert [h.text[: len(f"第{numeral(i + 1)}章")] for i, h in enumerate(found)] == [
        f"第{numeral(i + 1)}章" for i in range(chapters)
    ]


def test_liwan_table_of_contents_is_not_indexed(docs: dict[str, LoadedDocument]) -> None:
    doc = docs["liwan"]
    assert doc.lines[7].text.strip() == "目 錄"
    assert doc.lines[64].text.startswith("附件2")
    toc_start, toc_end = doc.lines[TOC_LINES[0] - 1].start, doc.lines[TOC_LINES[-1] - 1].end
    blocks = parse_outline(doc)
    assert not [b for b in blocks for line in b.lines if line.number in TOC_LINES]
    chunks = split_document(doc, blocks)
    assert not [c for c in chunks if c.line_start <= TOC_LINES[-1] and c.line_end >= TOC_LINES[0]]
    assert not [c for c in chunks if c.char_start < toc_end and c.char_end > toc_start]
    first_chapter = next(h for h in headings(doc) if h.level == 2)
    assert first_chapter.line.number == 68  # the real 第一章, not the TOC's entry on line 9


def test_toc_that_runs_straight_into_the_body_ends_at_its_first_entry(tmp_path: Path) -> None:
    doc = load_text(
        tmp_path,
        "某区发展规划\n目录\n第一章 发展基础……1\n第一节 发展成就……2\n第二章 总体要求……5\n"
        "第一章 发展基础\n第一节 发展成就\n经济平稳增长。\n第二章 总体要求\n坚持新发展理念。\n",
    )
    found = [(h.level, h.text, h.line.number) for h in headings(doc)]
    assert found == [(2, "第一章 发展基础", 6), (3, "第一节 发展成就", 7), (2, "第二章 总体要求", 9)]
    assert [(b.path, [x.number for x in b.lines]) for b in parse_outline(doc)] == [
        ((PREAMBLE,), [1]),
        (("第一章 发展基础", "第一节 发展成就"), [8]),
        (("第二章 总体要求",), [10]),
    ]


def test_liwan_glossary_entries_are_chunks_of_their_own(docs: dict[str, LoadedDocument]) -> None:
    doc = docs["liwan"]
    glossary_start = next(x.number for x in doc.lines if x.text.strip() == "名 詞 解 釋")
    entry_lines = [x for x in doc.lines[glossary_start:] if x.text.strip()]
    continuations = [x for x in entry_lines if ":" not in x.text and "：" not in x.text]
    assert [x.text for x in continuations] == ["區。"]  # one definition wraps onto a second line
    expected_terms = len(entry_lines) - len(continuations)
    assert expected_terms == 21

    chunks = [c for c in split_document(doc, parse_outline(doc)) if c.kind == "glossary"]
    assert len(chunks) == 21
    assert len({c.term for c in chunks}) == 21
    for chunk in chunks:
        assert chunk.section_path == ("附件2", "名詞解釋", chunk.term)
        assert chunk.text.startswith(chunk.term)
        assert chunk.metadata()["term"] == chunk.term
        assert chunk.metadata()["kind"] == "glossary"
    by_term = {c.term: c for c in chunks}
    assert {"CBD", "RBD", "CLD", "“放管服”", "“兩為主”", "新型產業用地(M0)"} <= set(by_term)
    wrapped = by_term["“1+N”生產性服務業集聚區"]
    assert wrapped.line_end == wrapped.line_start + 1
    assert wrapped.text.endswith("區。")


@pytest.mark.parametrize(("doc_id", "note", "continuation"), [("conghua", 46, 47), ("liwan", 89, 90)])
def test_numbered_note_continuations_are_not_headings(
    docs: dict[str, LoadedDocument], doc_id: str, note: int, continuation: int
) -> None:
    doc = docs[doc_id]
    assert doc.lines[continuation - 1].text.startswith("2.")
    assert continuation not in {h.line.number for h in headings(doc)}
    blocks = parse_outline(doc)
    assert block_of(blocks, note) is block_of(blocks, continuation)


def test_short_numbered_notes_and_table_rows_stay_in_their_section(tmp_path: Path) -> None:
    doc = load_text(
        tmp_path,
        "第一章 发展基础\n第一节 主要指标\n主要指标如下。\n"
        "指标 | 单位 | 2025年\n1.地区生产总值 | 亿元 | 500\n一、常住人口 | 万人 | 70\n"
        "注：1.数据为预计值。\n2.价格按可比价计算。\n3、增速按年均计算。\n第二节 发展环境\n环境复杂。\n",
    )
    blocks = parse_outline(doc)
    assert [h.text for h in headings(doc)] == ["第一章 发展基础", "第一节 主要指标", "第二节 发展环境"]
    assert [x.number for x in block_of(blocks, 3).lines] == [3, 4, 5, 6, 7, 8, 9]
    assert block_of(blocks, 5).path == ("第一章 发展基础", "第一节 主要指标")


def test_liwan_table_row_and_its_notes_stay_in_their_section(docs: dict[str, LoadedDocument]) -> None:
    doc = docs["liwan"]
    row = next(x for x in doc.lines if "|" in x.text)
    blocks = parse_outline(doc)
    block = block_of(blocks, row.number)
    assert block is block_of(blocks, row.number - 1)  # 表1 title
    assert block is block_of(blocks, row.number + 1)  # 說明:1.…
    assert block.path[1:] == ("第一節 “十三五”時期發展成就", "7.三大攻堅戰成效突出。")


SYNTHETIC = """广州市某区发展规划纲要
本纲要阐明发展战略。
第一篇 总体战略
第一章 发展基础
第一节 发展成就
一、经济实力
（一）产业升级
1.先进制造业
制造业增加值年均增长百分之八。
专栏1 重点项目
1.白鹅潭商务区
建设国际金融城。
第二节 面临形势
形势复杂严峻。
第二篇 保障措施
第二章 实施机制
健全规划实施机制。
附件1:重大项目表
项目清单从略。
附件2
名 词 解 释
CBD:中央商务区，城市商务活动集中的地区。
放管服:简政放权、放管结合、优化服务。
"""

EXPECTED = {
    "广州市某区发展规划纲要": (PREAMBLE,),
    "本纲要阐明发展战略。": (PREAMBLE,),
    "制造业增加值年均增长百分之八。": (
        "第一篇 总体战略",
        "第一章 发展基础",
        "第一节 发展成就",
        "一、经济实力",
        "（一）产业升级",
        "1.先进制造业",
    ),
    "1.白鹅潭商务区": (
        "第一篇 总体战略",
        "第一章 发展基础",
        "第一节 发展成就",
        "一、经济实力",
        "（一）产业升级",
        "1.先进制造业",
        "专栏1 重点项目",
    ),
    "建设国际金融城。": (
        "第一篇 总体战略",
        "第一章 发展基础",
        "第一节 发展成就",
        "一、经济实力",
        "（一）产业升级",
        "1.先进制造业",
        "专栏1 重点项目",
    ),
    "形势复杂严峻。": ("第一篇 总体战略", "第一章 发展基础", "第二节 面临形势"),
    "健全规划实施机制。": ("第二篇 保障措施", "第二章 实施机制"),
    "项目清单从略。": ("附件1:重大项目表",),
    "CBD:中央商务区，城市商务活动集中的地区。": ("附件2", "名词解释", "CBD"),
    "放管服:简政放权、放管结合、优化服务。": ("附件2", "名词解释", "放管服"),
}


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant"])
def test_every_heading_level_gives_a_full_path(tmp_path: Path, script: str) -> None:
    convert = to_traditional if script == "zh-Hant" else str
    doc = load_text(tmp_path, convert(SYNTHETIC))
    paths = {line.text: block.path for block in parse_outline(doc) for line in block.lines}
    assert paths == {convert(text): tuple(convert(p) for p in path) for text, path in EXPECTED.items()}
    levels = [h.level for h in headings(doc)]
    assert levels == [1, 2, 3, 4, 5, 6, 7, 3, 1, 2, 0, 0]
    glossary = [b for b in parse_outline(doc) if b.kind == "glossary"]
    assert [b.term for b in glossary] == ["CBD", convert("放管服")]


def test_long_numbered_paragraph_is_body_not_heading(tmp_path: Path) -> None:
    long_item = "1." + "加快建设现代产业体系，推动先进制造业和现代服务业深度融合，" * 2
    doc = load_text(tmp_path, f"第一章 产业\n{long_item}\n2.数字经济\n发展数字经济。\n")
    assert [h.text for h in headings(doc)] == ["第一章 产业", "2.数字经济"]
    assert [b.path for b in parse_outline(doc)] == [("第一章 产业",), ("第一章 产业", "2.数字经济")]
