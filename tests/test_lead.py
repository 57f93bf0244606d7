"""The answer first: the answering clause, the quote trimmed to whole clauses, the lead sentence, its line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.ask import parse_ask
from qa.lead import (
    Span,
    answering_clause,
    clauses,
    english_figures,
    lead_sentence,
    named_items,
    quote_window,
)
from qa.types import Chunk, Citation

BEDS = (
    "从化区坚持以人民为中心，完善养老服务体系，"
    "到2025年，每千名老人拥有养老床位40张，社区养老设施覆盖率达到100%。"
)
SEWAGE = "十四五期间，新建污水处理厂3座，新增污水管网120公里，城市生活污水集中收集率达到75%以上。"
MODEL = "“3+X”居家养老模式：以家庭养老为基础、社区居家养老服务为依托，全面提升全区养老服务水平和质量。"


def text_of(text: str, span: Span) -> str:
    return text[span.start : span.end]


def test_clauses_are_the_comma_separated_spans_of_a_sentence() -> None:
    found = [text_of(BEDS, s) for s in clauses(BEDS, 0, len(BEDS))]
    assert found == [
        "从化区坚持以人民为中心，",
        "完善养老服务体系，",
        "到2025年，",
        "每千名老人拥有养老床位40张，",
        "社区养老设施覆盖率达到100%。",
    ]
    text = "前文。 甲乙丙丁，戊己庚辛。后文"
    assert [text_of(text, s) for s in clauses(text, 3, 14)] == ["甲乙丙丁，", "戊己庚辛。"]  # space skipped


def test_answering_clause_is_the_one_with_the_asked_figure_and_its_year_lead_in() -> None:
    ask = parse_ask("从化区到2025年每千名老人有多少张养老床位？")
    terms = {"养老": 1.0, "床位": 2.0, "老人": 1.0}
    span = answering_clause(BEDS, 0, len(BEDS), terms, {}, ask)
    assert text_of(BEDS, span) == "到2025年，每千名老人拥有养老床位40张，"


@pytest.mark.parametrize(
    ("question", "terms", "expected"),
    [
        ("从化区要新增多少公里污水管网？", {"污水": 1.0, "管网": 2.0, "新增": 1.0}, "新增污水管网120公里，"),
        ("要新建几座污水处理厂？", {"污水": 1.0, "处理厂": 2.0, "新建": 1.0}, "新建污水处理厂3座，"),
        ("污水收集率要达到多少？", {"污水": 1.0, "收集率": 2.0}, "城市生活污水集中收集率达到75%以上。"),
    ],
)
def test_answering_clause_follows_the_question_within_one_sentence(
    question: str, terms: dict[str, float], expected: str
) -> None:
    span = answering_clause(SEWAGE, 0, len(SEWAGE), terms, {}, parse_ask(question))
    assert text_of(SEWAGE, span) == expected


def test_a_synonym_of_a_question_word_counts_for_it() -> None:
    ask = parse_ask("下水管道呢？")
    span = answering_clause(SEWAGE, 0, len(SEWAGE), {"下水管道": 2.0}, {"下水管道": {"污水管网"}}, ask)
    assert text_of(SEWAGE, span) == "新增污水管网120公里，"
    unrelated = answering_clause(SEWAGE, 0, len(SEWAGE), {"下水管道": 2.0}, {}, ask)
    assert (
        text_of(SEWAGE, unrelated) == "十四五期间，新建污水处理厂3座，"
    )  # nothing matches: the first clause


def test_a_term_lead_in_is_joined_with_the_clause_after_it() -> None:
    ask = parse_ask("3+X居家养老模式是指什么？")
    terms = {"3": 1.0, "x": 1.0, "居家": 1.0, "养老": 1.0, "模式": 1.0}
    span = answering_clause(MODEL, 0, len(MODEL), terms, {}, ask)
    assert text_of(MODEL, span) == "“3+X”居家养老模式：以家庭养老为基础、社区居家养老服务为依托，"


def test_a_short_list_sentence_is_the_whole_answer() -> None:
    text = "重点建设温泉镇、良口镇、吕田镇三个生态旅游小镇。"
    span = answering_clause(text, 0, len(text), {"旅游": 1.0, "小镇": 1.0}, {}, parse_ask("有哪些旅游小镇？"))
    assert text_of(text, span) == text


def test_quote_window_is_the_sentence_when_it_fits() -> None:
    clause = answering_clause(BEDS, 0, len(BEDS), {"床位": 1.0}, {}, parse_ask("有多少张床位？"))
    assert quote_window(BEDS, 0, len(BEDS), clause, limit=len(BEDS)) == Span(0, len(BEDS))


def test_quote_window_grows_by_whole_clauses_following_first() -> None:
    clause = answering_clause(BEDS, 0, len(BEDS), {"床位": 1.0}, {}, parse_ask("到2025年有多少张床位？"))
    assert text_of(BEDS, clause) == "到2025年，每千名老人拥有养老床位40张，"
    window = quote_window(BEDS, 0, len(BEDS), clause, limit=40)
    assert text_of(BEDS, window) == "到2025年，每千名老人拥有养老床位40张，社区养老设施覆盖率达到100%。"
    window = quote_window(BEDS, 0, len(BEDS), clause, limit=31)
    assert text_of(BEDS, window) == "完善养老服务体系，到2025年，每千名老人拥有养老床位40张，"


_CLAUSE_TEXT = st.text(alphabet="养老床位设施覆盖率达到地铁通车建成公里张", min_size=1, max_size=30)


@given(
    pieces=st.lists(_CLAUSE_TEXT, min_size=1, max_size=8),
    pick=st.integers(min_value=0, max_value=7),
    limit=st.integers(min_value=10, max_value=120),
)
def test_quote_window_keeps_whole_clauses_around_the_answer_within_the_limit(
    pieces: list[str], pick: int, limit: int
) -> None:
    sentence = "，".join(pieces) + "。"
    text = f"前一句。{sentence}后一句。"
    start, end = 4, 4 + len(sentence)
    spans = clauses(text, start, end)
    clause = spans[pick % len(spans)]
    window = quote_window(text, start, end, clause, limit)
    assert window.start <= clause.start and clause.end <= window.end  # the answer is inside
    assert start <= window.start and window.end <= end  # within its sentence
    if end - start > limit:
        assert window.start in {s.start for s in spans} and window.end in {s.end for s in spans}
        assert window.end - window.start <= max(limit, clause.end - clause.start)
        # no whole neighbouring clause would still have fitted
        before = [s for s in spans if s.end <= window.start]
        after = [s for s in spans if s.start >= window.end]
        if before:
            assert window.end - before[-1].start > limit
        if after:
            assert after[0].end - window.start > limit


def test_lead_sentence_in_simplified_states_the_clause_with_its_year_and_citation() -> None:
    ask = parse_ask("从化区到2025年每千名老人有多少张养老床位？")
    assert lead_sentence("每千名老人拥有养老床位40张，", 3, "zh-Hans", ask, "2025") == (
        "到2025年，每千名老人拥有养老床位40张[3]。"
    )
    assert lead_sentence("到2025年，每千名老人拥有养老床位40张，", 3, "zh-Hans", ask, "2025") == (
        "到2025年，每千名老人拥有养老床位40张[3]。"  # the year is not said twice
    )
    plain = parse_ask("养老服务有什么安排？")
    assert lead_sentence("完善养老服务体系，", 1, "zh-Hans", plain, None) == "完善养老服务体系[1]。"


def test_lead_sentence_in_traditional_is_converted() -> None:
    ask = parse_ask("從化區到2025年每千名老人有多少張養老床位？")
    assert lead_sentence("每千名老人拥有养老床位40张，", 2, "zh-Hant", ask, "2025") == (
        "到2025年，每千名老人擁有養老床位40張[2]。"
    )


def test_lead_sentence_in_english_leads_with_english_words_and_the_figure() -> None:
    ask = parse_ask("What share of communities will have elderly care facilities by 2025?")
    clause = "社区养老设施覆盖率达到100%，"
    sentence = lead_sentence(clause, 4, "en", ask, "2025")
    assert sentence.startswith("By 2025, the plan gives 100")
    assert "[4]" in sentence
    for quoted in re.findall(r"「([^」]*)」", sentence):
        assert quoted == clause.strip()  # Chinese only as the verbatim clause
    assert not re.search(r"[\u3400-\u9fff]", re.sub(r"「[^」]*」", "", sentence))
    past = parse_ask("How many beds were there in 2020?")
    assert lead_sentence("养老床位达到3200张，", 1, "en", past, None) == "The plan gives 3200 beds [1]."


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        (
            "How many new school places were added?",
            "新增学位1.88万个,新开办24所学校",
            ["1.88 ten-thousand places"],
        ),
        ("How many jobs will be created?", "累计新增就业人数达到8万人", ["8 ten-thousand people"]),
        (
            "What is the GDP target?",
            "2025年达到1450亿元左右,年均增长6%左右",
            ["about 1450 hundred-million yuan", "about 6%"],
        ),
        ("What share of migrant children?", "随迁子女有50%以上在公办学校", ["over 50%"]),
        ("How many lifts were added?", "完成电梯加装957台", ["957 lifts"]),
        ("How many hospital beds will there be?", "生活垃圾处理能力达到4100吨/日", []),  # another unit
        ("How many hospital beds will there be?", "每千人拥有病床位数8张", ["8 beds"]),
        ("How many hospital beds will there be?", "新建收集点1400个", []),  # 个 counts other things
        ("How many parks will there be?", "新建公园12处", ["12"]),  # counted with a word not in the table
    ],
)
def test_english_figures_carry_their_unit_in_english_and_only_the_unit_asked(
    question: str, text: str, expected: list[str]
) -> None:
    assert english_figures(text, parse_ask(question)) == expected


def test_an_english_lead_gives_no_figure_of_another_unit() -> None:
    ask = parse_ask("How many hospital beds will Conghua have by 2025?")
    assert lead_sentence("生活垃圾无害化处理能力达到4100吨/日，", 1, "en", ask, "2025") == ""
    assert (
        lead_sentence("每千人拥有病床位数8张，", 1, "en", ask, "2025")
        == "By 2025, the plan gives 8 beds [1]."
    )


def test_a_lead_stating_its_own_year_gets_no_other_year_in_front() -> None:
    ask = parse_ask("荔湾2035年GDP要达到多少亿？")
    assert (
        lead_sentence("2025年达到1450亿元左右。", 1, "zh-Hans", ask, "2035") == "2025年达到1450亿元左右[1]。"
    )


def chunk(text: str, line_start: int) -> Chunk:
    lines = text.count("\n")
    return Chunk(
        "c",
        "conghua",
        "从化区规划",
        "从化区",
        ("第五章",),
        line_start,
        line_start + lines,
        0,
        len(text),
        text,
        text,
        "",
    )


def test_citation_line_is_the_line_of_the_quote_inside_the_chunk() -> None:
    text = "第一节 养老\n到2025年，每千名老人拥有养老床位40张。\n\n社区养老设施覆盖率达到100%。"
    block = chunk(text, 20)
    assert Citation(1, block, "第一节 养老").line == 20
    assert Citation(1, block, "每千名老人拥有养老床位40张").line == 21
    assert Citation(1, block, "社区养老设施覆盖率达到100%。").line == 23  # after a blank line
    assert Citation(1, block, "不在这里").line == 20  # not found: the chunk's first line
    assert Citation(1, block, "").line == 20


def test_an_english_lead_states_only_numbers_its_source_holds() -> None:
    # An answer's numbers must be found in its cited sources (qa.verify drops the claim otherwise).
    source = "新增学位1.88万个,农村居民人均可支配收入23857元"
    for question in ("How many new school places were added?", "How much income did villagers have?"):
        sentence = lead_sentence(source, 1, "en", parse_ask(question), None)
        assert sentence and all(
            n in source for n in re.findall(r"\d+(?:\.\d+)?", sentence.replace("[1]", ""))
        )


def test_an_english_list_lead_names_the_items_verbatim_in_an_english_sentence() -> None:
    ask = parse_ask("Which well-known schools were brought in?")
    clause = "引進廣東實驗中學荔灣學校、華南師范大學附屬荔灣小學等一批名校,"
    assert lead_sentence(clause, 2, "en", ask, None) == (
        "The plan names 「廣東實驗中學荔灣學校」 and 「華南師范大學附屬荔灣小學」 [2]."
    )
    three = "扎實推進芳村茶葉市場改造、黃沙水產新市場項目建設以及芳村花鳥魚蟲市場異地搬遷建設等重點項目"
    assert named_items(three) == [
        "芳村茶葉市場改造",
        "黃沙水產新市場項目建設",
        "芳村花鳥魚蟲市場異地搬遷建設",
    ]
    assert lead_sentence("加快建设智慧城市,", 1, "en", ask, None) == ""  # nothing listed: no lead


def test_a_listed_name_holding_a_quoted_list_is_one_item() -> None:
    clause = "完善跨境赛马“一体化”通关检疫监管模式、马匹“一次审批、多次往返”检疫许可模式,"
    assert named_items(clause) == ["跨境赛马“一体化”通关检疫监管模式", "马匹“一次审批、多次往返”检疫许可模式"]


def test_an_english_question_asking_a_figure_in_other_words_is_answered_with_the_figure_and_unit() -> None:
    rate = parse_ask("What was the forest coverage rate by the end of the period?")
    assert rate.figure and rate.unit == "%"  # a measure named after the verb asks a figure in it (383014b)
    assert lead_sentence("森林覆盖率达到69.1%,", 3, "en", rate, None) == "The plan gives 69.1% [3]."
    jobs = parse_ask("What is the target for cumulative new jobs?")
    assert lead_sentence("累计新增就业人数达到8万人", 1, "en", jobs, None) == (
        "The plan gives 8 ten-thousand people [1]."
    )
    fee = parse_ask("What is the ticket price?")
    assert lead_sentence("形成城乡社区“15分钟健身圈”", 1, "en", fee, None) == ""  # a bare number: no answer


def test_an_english_whether_question_leads_with_the_things_the_plan_names() -> None:
    ask = parse_ask("Are there plans for smart street lamps and EV chargers?")
    assert ask.whether
    assert lead_sentence("不断完善城乡智慧灯杆、智慧充电桩等设施建设", 1, "en", ask, None) == (
        "The plan names 「城乡智慧灯杆」 and 「智慧充电桩」 [1]."
    )
