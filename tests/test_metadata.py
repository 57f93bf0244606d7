"""What a plan says about itself (title, place, level, period, script): read from its text, kept per chunk."""

from __future__ import annotations

import json
from pathlib import Path

import chromadb
import numpy as np
import pytest

from ingest.load import load_document, read_manifest
from ingest.metadata import PlanMetadata, read_metadata
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.places import places
from qa.types import Chunk, DocumentInfo, generation_of, period_of_generation

PLAN = "某某区发展规划\n第一章 总体要求\n到2025年，全区经济总量明显提升。\n"


@pytest.mark.parametrize(
    ("period", "generation"),
    [("2021—2025", "十四五"), ("2026—2030", "十五五"), ("2016—2020", "十三五"), ("1966—1970", "三五")],
)
def test_a_five_year_period_names_its_plan(period: str, generation: str) -> None:
    assert generation_of(period) == generation
    assert period_of_generation({"三五": 3, "十三五": 13, "十四五": 14, "十五五": 15}[generation]) == period


@pytest.mark.parametrize("period", ["", "2021—2035", "2022—2026", "2021", "1956—1960"])
def test_other_spans_are_no_five_year_plan(period: str) -> None:
    assert generation_of(period) == ""


def test_chunks_carry_period_and_level_through_chroma(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    info = DocumentInfo("plan", "某某区发展规划", "某某区", "zh-Hans", period="2026—2030", level="区县")
    doc = load_document(path, info)
    chunks = split_document(doc, parse_outline(doc))
    assert chunks and {(c.period, c.level, c.generation) for c in chunks} == {("2026—2030", "区县", "十五五")}

    collection = chromadb.PersistentClient(path=str(tmp_path / "db")).create_collection("plans")
    collection.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata() for c in chunks],
        embeddings=np.array([[1.0, float(i)] for i in range(len(chunks))], dtype=np.float32),
    )
    stored = collection.get(ids=[chunks[0].id], include=["documents", "metadatas"])
    assert stored["documents"] and stored["metadatas"]
    back = Chunk.from_metadata(chunks[0].id, stored["documents"][0], dict(stored["metadatas"][0]))
    assert back == chunks[0]


def test_an_index_written_before_periods_still_reads() -> None:
    chunk = Chunk("c", "plan", "规划", "某某区", ("第一章",), 1, 1, 0, 4, "正文内容", "正文内容", "")
    old = {k: v for k, v in chunk.metadata().items() if k not in {"period", "level"}}
    assert Chunk.from_metadata("c", "正文内容", old) == chunk


BUNDLED = {
    "conghua": (
        "广州市从化区国民经济和社会发展第十四个五年规划和2035年远景目标纲要（2022年更新）",
        "从化区",
        "zh-Hans",
    ),
    "liwan": (
        "廣州市荔灣區國民經濟和社會發展第十四個五年規劃和2035年遠景目標綱要（荔府〔2021〕4號）",
        "荔灣區",
        "zh-Hant",
    ),
}
BODY = "第一章 发展基础\n到2030年，全区经济总量明显提升，城乡居民收入稳步增长。\n"


@pytest.mark.parametrize("doc_id", sorted(BUNDLED))
def test_the_bundled_plans_describe_themselves(plans: list[tuple[Path, DocumentInfo]], doc_id: str) -> None:
    """The manifest gives only id, file and source: everything else is read from the plans' own text."""
    path, given = next((p, i) for p, i in plans if i.id == doc_id)
    assert (given.title, given.district, given.script, given.period) == ("", "", "unknown", "")
    meta = read_metadata(path.read_text(encoding="utf-8"))
    title, district, script = BUNDLED[doc_id]
    assert (meta.title, meta.district, meta.script, meta.period, meta.level) == (
        title,
        district,
        script,
        "2021—2025",
        "区县",
    )
    info = load_document(path, given).info
    assert (info.id, info.title, info.district, info.generation) == (doc_id, title, district, "十四五")
    assert info.source.startswith("shared/seeds/")  # the manifest's word on what the document says nothing of


def test_a_fifteenth_plan_of_another_district(tmp_path: Path) -> None:
    text = "深圳市南山区国民经济和社会发展第十五个五年规划纲要\n南山区人民政府\n2026年3月\n" + BODY
    meta = read_metadata(text)
    assert meta == PlanMetadata(
        "深圳市南山区国民经济和社会发展第十五个五年规划纲要", "南山区", "区县", "2026—2030", "zh-Hans"
    )


def test_a_province_plan_through_its_notice() -> None:
    text = (
        "广东省人民政府关于印发《广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要》的通知\n"
        "粤府〔2021〕28号\n各地级以上市人民政府，省政府各部门：\n现将《纲要》印发给你们，请认真贯彻执行。\n"
        "广东省人民政府\n2021年4月6日\n" + BODY
    )
    meta = read_metadata(text)
    assert meta.title == "广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要（粤府〔2021〕28号）"
    assert (meta.district, meta.level, meta.period) == ("广东省", "省", "2021—2025")


def test_a_state_council_plan_named_by_its_label() -> None:
    text = (
        "国务院关于印发“十四五”数字经济发展规划的通知\n国发〔2021〕29号\n"
        "各省、自治区、直辖市人民政府：\n现将《“十四五”数字经济发展规划》印发给你们，请认真贯彻执行。\n"
        "国务院\n2021年12月12日\n" + BODY
    )
    meta = read_metadata(text)
    assert meta.title == "“十四五”数字经济发展规划（国发〔2021〕29号）"
    assert (meta.district, meta.level, meta.period) == ("全国", "国家", "2021—2025")


def test_a_title_broken_over_lines_with_spaces_as_a_pdf_gives_it() -> None:
    text = (
        "广 州 市 某 某 区 国 民 经 济 和 社 会 发 展\n第 十 五 个 五 年 规 划 和 2035 年 远 景 目 标 纲 要\n"
        + BODY
    )
    meta = read_metadata(text)
    assert meta.title == "广州市某某区国民经济和社会发展第十五个五年规划和2035年远景目标纲要"
    assert (meta.district, meta.level, meta.period) == ("某某区", "区县", "2026—2030")


def test_a_traditional_county_plan_keeps_its_script() -> None:
    text = "某某縣國民經濟和社會發展第十五個五年規劃綱要\n第一章 發展基礎\n到2030年，全縣經濟總量明顯提升。\n"
    meta = read_metadata(text)
    assert (meta.title, meta.district, meta.level, meta.script) == (
        "某某縣國民經濟和社會發展第十五個五年規劃綱要",
        "某某縣",
        "区县",
        "zh-Hant",
    )
    assert meta.period == "2026—2030"


def test_years_in_the_title_win_and_a_city_plan_is_a_city_plan() -> None:
    meta = read_metadata("某某市国土空间总体规划（2021—2035年）\n" + BODY)
    assert (meta.title, meta.district, meta.level, meta.period) == (
        "某某市国土空间总体规划（2021—2035年）",
        "某某市",
        "市",
        "2021—2035",
    )
    assert generation_of(meta.period) == ""


def test_a_text_that_says_nothing_about_itself() -> None:
    meta = read_metadata("第一章 总则\n本办法适用于全区。\n")
    assert (meta.title, meta.district, meta.level, meta.period) == ("", "", "", "")


@pytest.mark.parametrize(
    ("name", "units"),
    [
        ("广东省广州市某某区", [("广东省", "省"), ("广州市", "市"), ("某某区", "区县")]),
        ("某某市某某市城市更新规划", [("某某市", "市"), ("某某市", "区县")]),
        ("某某市城市更新专项规划", [("某某市", "市")]),  # 城市 is no place
        ("某某自治区某某自治州某县", [("某某自治区", "省"), ("某某自治州", "市"), ("某县", "区县")]),
        ("国民经济和社会发展规划", []),
    ],
)
def test_place_names_are_read_from_their_administrative_suffixes(
    name: str, units: list[tuple[str, str]]
) -> None:
    assert places(name) == units


def test_the_manifest_overrides_only_what_it_gives(tmp_path: Path) -> None:
    (tmp_path / "plan.txt").write_text(
        "某某区国民经济和社会发展第十五个五年规划纲要\n" + BODY, encoding="utf-8"
    )
    manifest = [{"id": "p", "file": "plan.txt", "district": "某某新区"}]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    [(path, given)] = read_manifest(tmp_path)
    info = load_document(path, given).info
    assert (info.id, info.district, info.title, info.period, info.level, info.source) == (
        "p",
        "某某新区",
        "某某区国民经济和社会发展第十五个五年规划纲要",
        "2026—2030",
        "区县",
        "plan.txt",
    )
