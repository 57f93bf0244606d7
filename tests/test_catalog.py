"""The indexed plans as the interface names them; districts a question names that we hold no plan for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.index import Indexer
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.catalog import Catalog, CatalogPlan, ask_about
from qa.corpus import Corpus
from qa.errors import EmptyIndexError
from qa.keywords import domain_words
from qa.places import english_name, is_pinyin_name, romanise, short_name
from qa.store import ChunkStore, open_client
from qa.types import Chunk, DocumentInfo, LoadedDocument
from tests.fakes import BigramEmbeddings


@pytest.fixture(scope="module")
def bundled(docs: dict[str, LoadedDocument]) -> Catalog:
    """The catalog of the two bundled plans, from their chunks as ingestion makes them."""
    return Catalog.from_chunks(c for doc in docs.values() for c in split_document(doc, parse_outline(doc)))


def test_each_bundled_plan_is_described_by_its_own_text(bundled: Catalog) -> None:
    conghua, liwan = bundled
    assert (conghua.doc_id, conghua.district, conghua.short, conghua.english) == (
        "conghua",
        "从化区",
        "从化",
        "Conghua District",
    )
    assert (liwan.district, liwan.short, liwan.english, liwan.script) == (
        "荔灣區",
        "荔湾",
        "Liwan District",
        "zh-Hant",
    )
    for plan in bundled:
        assert (plan.period, plan.generation, plan.level) == ("2021—2025", "十四五", "区县")


def test_coverage_names_what_is_indexed_in_the_readers_script(bundled: Catalog) -> None:
    assert bundled.coverage("zh-Hans") == "从化区、荔湾区“十四五”规划"
    assert bundled.coverage("zh-Hant") == "從化區、荔灣區“十四五”規劃"
    assert bundled.coverage("en", "or") == "the Conghua District or Liwan District 14th Five-Year Plan"
    assert bundled.coverage("zh-Hans", "或") == "从化区或荔湾区“十四五”规划"
    assert (
        bundled.coverage("unknown", "或") == "从化区或荔湾区“十四五”规划"
    )  # an empty question has no script


def test_a_selector_value_or_alias_finds_its_plan(bundled: Catalog) -> None:
    assert [bundled.find(v) for v in ("liwan", "荔灣", "荔湾区", "Conghua", "从化")] == [
        bundled.plans[1],
        bundled.plans[1],
        bundled.plans[1],
        bundled.plans[0],
        bundled.plans[0],
    ]
    assert bundled.find("天河") is None and bundled.find("") is None


def plan(doc_id: str, district: str, period: str, level: str = "区县") -> CatalogPlan:
    """A catalog entry as Catalog.from_chunks makes it from a chunk of such a plan."""
    chunk = Chunk(
        doc_id,
        doc_id,
        f"{district}规划",
        district,
        (),
        1,
        1,
        0,
        2,
        "正文",
        "正文",
        "",
        period=period,
        level=level,
    )
    return Catalog.from_chunks([chunk]).plans[0]


def test_plans_of_several_periods_and_many_districts() -> None:
    mixed = Catalog(
        [
            plan("a", "甲乙区", "2021—2025"),
            plan("b", "丙丁县", "2026—2030"),
            plan("c", "戊己市", "2021—2035", "市"),
        ]
    )
    assert mixed.coverage("zh-Hans") == "甲乙区“十四五”规划、丙丁县“十五五”规划、戊己市2021—2035年规划"
    assert mixed.coverage("en") == (
        "the Jiayi District 14th Five-Year Plan and the Bingding County 15th Five-Year Plan"
        " and the Wuji City 2021—2035 plan"
    )
    many = Catalog(
        plan(str(i), f"{name}区", "2026—2030")
        for i, name in enumerate(["甲乙", "丙丁", "戊己", "庚辛", "壬癸"])
    )
    assert many.coverage("zh-Hans") == "甲乙区、丙丁区等5地“十五五”规划"


class NoIndex:
    """A retriever whose index was never built."""

    @property
    def corpus(self) -> Corpus:
        raise EmptyIndexError("/nowhere")


def test_an_empty_question_is_told_what_to_ask_about(bundled: Catalog) -> None:
    assert ask_about(NoIndex(), "zh-Hans") == "请输入一个关于规划文件的问题。"


@pytest.mark.parametrize(
    ("name", "short", "pinyin", "english"),
    [("某某区", "某某", "moumou", "Moumou District"), ("某县", "某县", "mouxian", "Mouxian County")],
)
def test_names_are_romanised_by_pypinyin(name: str, short: str, pinyin: str, english: str) -> None:
    assert (short_name(name), romanise(short_name(name)), english_name(name)) == (short, pinyin, english)


@pytest.mark.parametrize(
    ("word", "expected"), [("Tianhe", True), ("Haizhu", True), ("business", False), ("the", False)]
)
def test_a_pinyin_name_is_told_from_an_english_word(word: str, expected: bool) -> None:
    assert is_pinyin_name(word) is expected


OURS = """广州市从化区发展规划
第一章 区域协同
加强与广州市番禺区的产业合作，推进示范区和老城区建设，带动全区发展。
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """A real index of one small plan that names another district of its own city."""
    root = tmp_path_factory.mktemp("one-plan")
    path = root / "plan.txt"
    path.write_text(OURS, encoding="utf-8")
    store = ChunkStore(open_client(root / "index"), "plans", embedding_model="bigram")
    sources: list[tuple[Path, DocumentInfo | None]] = [(path, None)]
    Indexer(store, BigramEmbeddings(), root / "index").ingest(sources, progress=False)
    return Corpus.open(store, root / "index")


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("天河区“十四五”期间地区生产总值年均增长目标是多少？", ["天河区"]),  # a district the plan never names
        ("南沙区要建几所学校？", ["南沙区"]),
        ("番禺有什么产业规划？", ["番禺区"]),  # named by the plan under its own city, asked by its short name
        ("What are Tianhe District's targets for parks?", ["Tianhe District"]),
        ("What will Tianhe build next?", ["Tianhe"]),  # a capitalised pinyin name the plan never spells
        ("Will Panyu get a new park?", ["番禺区"]),
        ("增城区有几所中学？", ["增城区"]),  # cut by the tokenizer as 增 + 城区
        ("Where will Guangzhou build its new metro?", []),  # 广州 is named by the plan
        ("What will Conghua District build?", []),
        ("从化区要建几所学校？", []),
        ("从话区要建几所学校？", []),  # the same sound as 从化: a slip of the input method
        ("conghua plans for schools", []),
        ("我们小区附近有没有学校？", []),
        ("哪些区级文化设施要新建？", []),
        ("现任区长是谁？", []),
        ("两个区各开通了哪些线？", []),
        ("示范区和老城区怎么建设？", []),  # words the plan itself uses
        ("What does the business district plan?", []),
    ],
)
def test_a_district_we_hold_no_plan_for_is_found_in_the_question(
    corpus: Corpus, question: str, unknown: list[str]
) -> None:
    assert corpus.unknown_districts(question) == unknown


def test_search_keeps_whole_the_names_the_plans_use(docs: dict[str, LoadedDocument]) -> None:
    words = domain_words([c for doc in docs.values() for c in split_document(doc, parse_outline(doc))])
    assert {"从化", "荔湾", "十三五", "十四五", "十五五", "大湾区", "广佛极点"} <= words
    assert "高城区" not in words  # 提高城区 once: a chance reading, not a name
