"""Text files: Markdown headings shape the outline as Word's heading styles do; table-row lines stay rows."""

from __future__ import annotations

from pathlib import Path

from ingest.load import load_document
from ingest.outline import parse_outline
from ingest.split import split_document

BODY = "坚持新发展理念，推动高质量发展。"


def test_markdown_headings_take_the_level_their_text_names_or_their_depth_had(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "# 第一章 发展基础\n\n## 发展环境\n\n"
        + BODY
        + "\n\n## 第二节 主要目标\n\n到2025年，地区生产总值达到550亿元。\n\n"
        "### 重点指标\n\n" + BODY + "\n\n# 第二章 总体要求\n\n" + BODY + "\n",
        encoding="utf-8",
    )
    blocks = parse_outline(load_document(path))
    assert [b.path for b in blocks] == [
        ("第一章 发展基础", "发展环境"),  # '#' named 章, so '##' is one below: a 节
        ("第一章 发展基础", "第二节 主要目标"),
        ("第一章 发展基础", "第二节 主要目标", "重点指标"),
        ("第二章 总体要求",),
    ]


def test_a_hash_without_a_space_is_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("第一章 发展基础\n#5G基站建成3093个。\n", encoding="utf-8")
    assert [b.path for b in parse_outline(load_document(path))] == [("第一章 发展基础",)]


def test_labelled_rows_in_text_are_table_rows_prose_is_not(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "第二章 主要目标\n表2 主要指标\n"
        "指标：地区生产总值，单位：亿元，2025年目标：550\n"
        "指标：森林覆盖率，单位：%，2025年目标：69\n"
        "主要目标：到2025年，经济实力明显增强。\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    chunks = split_document(doc, parse_outline(doc))
    assert [(c.kind, c.section_path[-1], c.term) for c in chunks] == [
        ("body", "第二章 主要目标", ""),
        ("table", "表2 主要指标", "第1行"),
        ("table", "表2 主要指标", "第2行"),
        ("body", "第二章 主要目标", ""),
    ]
