"""Reading what a question asks for, and whether a quoted sentence gives it."""

from __future__ import annotations

import pytest

from qa.ask import Evidence, answered, english_unit, figures, gives_figure, parse_ask

RESULTS = "第一章 > 第一节 “十三五”时期发展成就"
TARGETS = "第二章 > 第三节 主要目标"


def test_figure_questions_in_both_scripts_and_english() -> None:
    simplified = parse_ask("荔湾区到2025年每千名老人养老床位数要达到多少张？")
    assert simplified.figure and simplified.unit == "张" and simplified.years == ("2025",)
    assert simplified.target and not simplified.achieved
    traditional = parse_ask("從化「十三五」期間已經建成多少公里碧道？")
    assert traditional.figure and traditional.unit == "公里" and traditional.achieved
    english = parse_ask("How many lifts were retrofitted in Liwan?")
    assert english.figure and english.unit == "台" and english.achieved  # lifts are counted in 台
    assert not parse_ask("从化的发展定位是什么？").figure


def test_when_and_who_questions() -> None:
    assert parse_ask("地铁11号线是哪一年开通的？").when
    assert parse_ask("When will the railway open?").when
    assert parse_ask("從化區現任區長是誰？").who
    assert parse_ask("Who is the Party secretary?").who
    assert not parse_ask("哪些人才计划？").who


def test_figures_leave_out_years_ranges_and_ordinals() -> None:
    assert figures("“十四五”时期(2021—2025年),新增养老床位1341张,每千人3.86个;1. 第一条") == ["1341", "3.86"]
    assert figures("提升干部队伍七种能力") == ["七种"]
    assert figures("到2025年基本建成") == []


def test_the_unit_asked_must_be_the_unit_given() -> None:
    beds = parse_ask("养老床位数要达到多少张？")
    assert gives_figure(beds, Evidence("每千名老人养老床位数达到36.2张", TARGETS, 1.0))
    assert not gives_figure(beds, Evidence("新增养老机构6家", TARGETS, 1.0))
    # The plans write hours as 时: a 几点 question is answered by 22时.
    assert gives_figure(
        parse_ask("支持几点以后的夜间服务？"), Evidence("支持22时以后的夜间到家服务", TARGETS, 1.0)
    )


def test_a_target_question_is_not_answered_by_a_past_result() -> None:
    ask = parse_ask("荔湾区每千名老人养老床位数到2025年要达到多少张？")
    result = Evidence("每千名老人养老床位数达到36.2张", RESULTS, 0.8)
    assert not answered(ask, [result], 0.4)
    target = Evidence("到2025年,每千名老人养老床位数达到40张", TARGETS, 0.8)
    assert answered(ask, [result, target], 0.4)


def test_a_figure_for_another_year_does_not_answer() -> None:
    ask = parse_ask("荔湾区2035年地区生产总值要达到多少亿元？")
    assert not answered(ask, [Evidence("2025年地区生产总值达到1450亿元左右", TARGETS, 0.9)], 0.4)
    # A target sentence naming no year may answer (the plan's horizon is implied).
    assert answered(ask, [Evidence("地区生产总值达到3000亿元", "远景目标", 0.9)], 0.4)
    unplanned = parse_ask("荔湾区居民医保2024年个人缴费标准是多少元？")
    assert not answered(unplanned, [Evidence("个人缴费标准为每人每年350元", TARGETS, 0.9)], 0.4)


def test_the_figure_must_be_about_the_question() -> None:
    ask = parse_ask("“三馆合一”项目总投资是多少亿元？")
    neighbour = Evidence("落地项目150个,其中投资总额10亿元以上的项目12个", TARGETS, 0.55)
    assert not answered(ask, [neighbour], 0.4, focus=("三馆",))
    assert answered(ask, [neighbour], 0.4)  # without a focus term only the coverage bar holds it back
    assert not answered(ask, [neighbour], 0.6)


def test_when_needs_a_year_and_who_needs_the_title() -> None:
    when = parse_ask("地铁11号线是哪一年开通的？")
    assert not answered(when, [Evidence("配合完成地铁11号线征拆工作", TARGETS, 0.6)], 0.4)
    assert answered(when, [Evidence("地铁11号线于2024年开通", TARGETS, 0.6)], 0.4)
    who = parse_ask("从化区现任区长是谁？")
    assert not answered(who, [Evidence("全面落实“谁执法谁普法”普法责任制", TARGETS, 0.33)], 0.4)


def test_non_figure_questions_pass_on_any_evidence() -> None:
    ask = parse_ask("从化的发展定位是什么？")
    assert answered(ask, [Evidence("建设幸福美丽生态之城", TARGETS, 0.3)], 0.4)
    assert not answered(ask, [], 0.4)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many hospital beds will Conghua have by 2025?", "张"),  # the noun counted, not its modifier
        ("How many new care homes and beds did it add?", "家|个|所|间"),  # the first thing counted
        ("What percentage of villages have tap water?", "%"),
        ("How much disposable income did villagers have per person?", "元"),
        ("How many kilometres of greenway were built?", "公里|千米"),
    ],
)
def test_an_english_figure_question_names_its_unit_from_the_unit_table(question: str, unit: str) -> None:
    assert parse_ask(question).unit == unit


def test_an_english_question_without_an_amount_or_a_known_unit_names_none() -> None:
    assert english_unit("Which hospitals will be built?") is None  # no "how many"
    assert parse_ask("How many people-friendly ideas are there?").unit == "人"
    assert parse_ask("How many gizmos are planned?").unit is None
    assert parse_ask("How many doctors per thousand residents are there?").unit is None  # a denominator
    assert parse_ask("How many beds will there be per thousand people?").unit == "张"


def test_a_unit_asked_in_english_is_not_given_by_a_figure_of_another_unit() -> None:
    beds = parse_ask("How many hospital beds will Conghua have by 2025?")
    assert not gives_figure(beds, Evidence("生活垃圾处理能力达到4100吨/日", "", 1.0))
    assert gives_figure(beds, Evidence("每千人拥有病床位数8张", "", 1.0))
    assert not answered(beds, [Evidence("生活垃圾处理能力达到4100吨/日", TARGETS, 1.0)], 0.0)
    # A guessed unit is only a guess at the plan's measure word: another one, or none, may still count it.
    assert gives_figure(parse_ask("How many parks will there be?"), Evidence("新建公园12处", "", 1.0))
    assert gives_figure(parse_ask("How many residents?"), Evidence("常住人口72.82万,", "", 1.0))
    assert not gives_figure(parse_ask("How many residents?"), Evidence("道路72公里,", "", 1.0))


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("What exact per-capita disposable income does it expect residents to reach?", "元"),
        ("What school-enrolment rate for disabled children does it aim to keep?", "%"),
        ("What's the ticket price for the museum?", "元"),
        ("What will the minimum wage be in 2025?", "元"),  # the subject after its verb
        ("What was the forest coverage rate by 2020?", "%"),
        ("What is the income target?", None),  # a target, asked of income
        ("What will the new park include?", None),
        ("What income support is there for the elderly?", None),  # support is asked about, not income
        ("What schools will be built?", None),  # a count word: a list, not a figure
        ("What investment projects are planned?", None),
    ],
)
def test_a_what_question_naming_a_measure_asks_for_a_figure_in_it(question: str, unit: str | None) -> None:
    ask = parse_ask(question)
    assert (ask.figure, ask.unit) == (unit is not None, unit)
    assert not ask.guessed or unit is None  # the measure is named, not guessed from a counted thing


def test_a_measure_named_in_english_is_not_given_by_a_figure_of_something_else() -> None:
    income = parse_ask("What exact per-capita disposable income will residents reach?")
    # 人均可支配收入 grows with the economy; the sentence's figures are of beds and places
    sentence = Evidence("城市居民人均可支配收入年均增速与经济增长基本同步,每千人拥有病床位数8张,", "", 1.0)
    assert not gives_figure(income, sentence)
    assert gives_figure(income, Evidence("城市居民人均可支配收入达到6万元", "", 1.0))


def test_an_institution_counted_in_jia_may_be_given_in_ge() -> None:
    ask = parse_ask("到2020年底荔湾一共有多少家医疗机构？")
    assert gives_figure(ask, Evidence("全区医疗机构达230个", "", 1.0))


def test_a_year_before_the_plans_asks_for_a_result_not_a_target() -> None:
    ask = parse_ask("到2020年底荔湾一共有多少家医疗机构？")  # 到20xx reads as a target otherwise
    assert ask.achieved and not ask.target
    assert parse_ask("到2025年荔湾要有多少家医疗机构？").target


@pytest.mark.parametrize("question", ["荔湾要打造成哪两类示范区？", "从化有哪三个小镇？", "哪几条线路？"])
def test_which_with_a_count_asks_for_a_list(question: str) -> None:
    assert parse_ask(question).listing


@pytest.mark.parametrize(
    ("question", "whether"),
    [("以后会有新医院吗？", True), ("荔湾有没有三甲医院", True), ("Is there a metro line?", True)],
)
def test_a_yes_or_no_question_asks_whether_something_is_there(question: str, whether: bool) -> None:
    assert parse_ask(question).whether is whether
    assert not parse_ask("荔湾的GDP是多少？").whether


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("番禺那边十四五会起多少间新学校？", "间"),
        ("番禺嗰邊十四五會起幾多間新學校？", "间"),  # Cantonese 幾多, read as 多少
        ("白鹅潭商务区要盖多少栋写字楼？", "栋"),
        ("要建几套公租房？", "套"),
        ("公交公司要新增多少辆电动公交车？", "辆"),
    ],
)
def test_a_measure_word_after_how_many_is_the_unit_asked(question: str, unit: str) -> None:
    assert parse_ask(question).unit == unit


def test_a_figure_counted_in_another_measure_word_does_not_answer() -> None:
    towers = parse_ask("白鹅潭商务区要盖多少栋写字楼？")
    assert not answered(towers, [Evidence("打造15公里翡翠项链", TARGETS, 0.5)], 0.0)
    assert answered(towers, [Evidence("新建甲级写字楼12幢", TARGETS, 0.5)], 0.0)
    schools = parse_ask("会起几多间新学校？")
    assert answered(schools, [Evidence("新开办学校12所", TARGETS, 0.5)], 0.0)


def test_a_where_question_naming_a_kind_of_place_needs_such_a_place_named() -> None:
    ask = parse_ask("赣广高铁在从化的站设在哪个镇？")
    assert ask.place == "镇" and parse_ask("地铁站设在哪条街？").place == "街"
    assert parse_ask("高铁站设在哪里？").place is None
    assert not answered(ask, [Evidence("重点推动赣广高铁、广河高铁等战略要道规划建设", TARGETS, 0.5)], 0.0)
    assert not answered(ask, [Evidence("推进新型城镇化,各镇街协同发展", TARGETS, 0.5)], 0.0)  # 城镇, 各镇
    assert answered(ask, [Evidence("在太平镇设置赣广高铁从化站", TARGETS, 0.5)], 0.0)


@pytest.mark.parametrize(
    "question",
    [
        "從化荔枝節幾月幾號開幕？",
        "新图书馆哪天开放？",
        "On what date will the new hospital start seeing patients?",
    ],
)
def test_a_day_or_month_asked_is_not_given_by_a_year(question: str) -> None:
    ask = parse_ask(question)
    assert ask.date
    assert not answered(ask, [Evidence("到2025年建成区儿童医院并投入使用", TARGETS, 0.5)], 0.0)
    assert answered(ask, [Evidence("荔枝文化旅游节于6月18日开幕", TARGETS, 0.5)], 0.0)
    assert not parse_ask("地铁11号线是哪一年开通的？").date


@pytest.mark.parametrize(
    "question",
    [
        "荔湾看病的地方以后会多几家吗？",
        "能不能多整几个小公园？",
        "重点要搞的几个文化片区是哪些？",
        "这几年有哪些名校过来办了分校？",
    ],
)
def test_a_few_is_not_how_many(question: str) -> None:
    # 多几家 / 的几个 / 这几年: a few more, these few; the question asks whether or which, not a count
    assert not parse_ask(question).figure


@pytest.mark.parametrize("question", ["从化有几家三甲医院？", "每千人有几个医生？", "要新增多少个停车位？"])
def test_how_many_still_asks_a_figure(question: str) -> None:
    assert parse_ask(question).figure


@pytest.mark.parametrize(
    ("question", "opinion"),
    [
        ("从化哪个小区的学位房最值得买？", True),
        ("荔湾哪间中学最好？", True),
        ("Which is the best hospital in Liwan?", True),
        ("从化有什么好玩的特色小镇？", False),
        ("从化怎么打造大湾区最美婚庆旅游目的地？", False),
    ],
)
def test_which_is_best_is_answered_by_no_plan_sentence(question: str, opinion: bool) -> None:
    ask = parse_ask(question)
    assert ask.opinion is opinion
    evidence = [Evidence("严格落实小区配套建设幼儿园政策，合理布点幼儿园并增加学位供给", TARGETS, 0.5)]
    assert answered(ask, evidence, 0.0) is not opinion
