"""Sentence scoring on the bundled plans: the words that frame a question, the words naming what is asked,
a follow-up's own words, and the asked kind of answer."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from qa.ask import parse_ask
from qa.chain import QAChain
from qa.corpus import Corpus
from qa.evidence import Sentence, named, pick, score_sentences
from qa.extractive import RUNNER_QUOTE, ahead, comparison_topic, compose, on_topic, unsure
from qa.lead import MAX_QUOTE
from qa.script import to_simplified
from qa.terms import asked_kind, asked_words, frames, question_terms, weigh
from qa.translate import english_terms
from qa.types import Chunk, Hit
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def corpus(chain: QAChain) -> Corpus:
    return chain.corpus


@pytest.mark.parametrize("word", ["自己", "没有", "有没有", "目前", "以后", "哪些", "多少", "要", "会"])
def test_words_that_frame_a_question_are_framing(word: str) -> None:
    assert frames(word)


@pytest.mark.parametrize("word", ["医院", "地铁", "设施", "配", "镇", "养老", "2025"])
def test_words_naming_a_topic_are_not(word: str) -> None:
    assert not frames(word)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("荔湾在建的有哪些医院？", "医院"),
        ("到2020年底荔湾一共有多少家医疗机构？", "医疗机构"),
        ("它周边还要配哪些设施？", "设施"),
        ("西关那边重点要搞的几个文化片区是哪些？", "文化片区"),
    ],
)
def test_the_words_naming_what_is_asked_follow_which_or_precede_is_which(question: str, asked: str) -> None:
    assert asked in asked_words(question)


def test_weights_drop_framing_words_and_raise_what_is_asked(corpus: Corpus) -> None:
    weights = weigh(corpus, "荔湾目前有没有打算建哪些医院？")
    assert "目前" not in weights and "有没有" not in weights
    plain = weigh(corpus, "荔湾医院建设")
    assert weights["医院"] == pytest.approx(2 * plain["医院"])


def test_a_yes_or_no_questions_judgement_is_not_what_is_looked_for(corpus: Corpus) -> None:
    weights = weigh(corpus, "从化以后坐地铁方便吗？")  # plans state what is done about the metro, not 方便
    assert "方便" not in weights and "地铁" in weights
    assert "方便" in weigh(corpus, "从化怎样让市民出行更方便？")  # not a yes-or-no question: it is asked


def test_a_follow_ups_carried_over_topic_weighs_less_than_its_own_words(corpus: Corpus) -> None:
    standalone = "那个马场以后还要扩建吗？ 除了扩建，它周边还要配哪些设施？"
    alone = weigh(corpus, standalone)
    followed = weigh(corpus, standalone, asked="除了扩建，它周边还要配哪些设施？")
    assert followed["马场"] == pytest.approx(alone["马场"] / 2)  # only in the turn before
    assert followed["设施"] == pytest.approx(alone["设施"])  # the follow-up's own word


def test_a_follow_up_asking_what_else_is_answered_from_its_own_words(chain: QAChain) -> None:
    turns: list[tuple[str, str]] = []
    for question in ("从化有什么跟马有关的地方可以去？", "那个马场以后还要扩建吗？"):
        turns.append((question, chain.ask(question, history=turns).text))
    answer = chain.ask("除了扩建，它周边还要配哪些设施？", history=turns)
    assert not answer.refused
    assert "马术主题酒店" in answer.text.split("\n")[0]  # the lead states the facilities asked for


def test_an_english_figure_of_another_unit_is_no_answer(chain: QAChain) -> None:
    answer = chain.ask("How many hospital beds will Conghua have by 2025?")
    prose = re.sub(r"「[^」]*」|\[\d+\]", "", answer.text.split("\n")[0])  # its own words: quotes out
    assert "4100" not in prose and "4,100" not in prose  # tonnes of refuse a day, not beds
    assert not re.search(r"\d", prose) or "beds" in prose  # any figure it gives is one of beds


def test_whether_there_will_be_something_is_answered_by_the_things_named(corpus: Corpus) -> None:
    chunk = next(c for c in corpus.chunks.values() if "地铁tod" in c.norm.lower())
    scored = score_sentences(corpus, "荔湾以后坐地铁方便吗？", [Hit(chunk, 1.0)])
    lines = next(s for s in scored if "号线" in s.chunk.norm[s.start : s.end])
    station = next(s for s in scored if "tod" in s.chunk.norm[s.start : s.end].lower())
    assert lines.score > station.score  # the lines named, not the station design, say what there will be


def sentence_in(text: str, path: str) -> Sentence:
    chunk = Chunk("c" + path, "doc", "plan", "区", (path,), 1, 1, 0, len(text), text, text, path)
    return Sentence(0, chunk, 0, len(text), 1.0, 0.5)


def test_a_question_about_targets_is_not_answered_from_the_last_periods_results() -> None:
    opened = sentence_in("地铁十四号线(一期)开通。", "第一章 > 第一节 “十三五”时期发展成就")
    planned = sentence_in("积极谋划推动地铁37号线等轨道交通项目。", "第十章 > 完善内畅外联的交通体系")
    target = parse_ask("以后还在谋划哪条地铁？")
    assert target.target and ahead([opened, planned], target) == [planned]
    assert ahead([opened, planned], parse_ask("十三五期间开通了哪条地铁？")) == [opened, planned]


def entry(term: str, text: str) -> Sentence:
    path = f"附件2 > 名词解释 > {term}"
    chunk = Chunk(
        "g" + term, "doc", "plan", "区", (path,), 1, 1, 0, len(text), text, text, path, "glossary", term
    )
    return Sentence(0, chunk, 0, len(text), 1.0, 0.5)


def test_a_glossary_entry_answers_only_questions_naming_its_term(corpus: Corpus) -> None:
    groups = entry("“3+6”集团化办学", "即组建以广雅中学、真光中学等示范性高中为龙头的6个教育集团。")
    works = sentence_in("加快推进真光中学高中部、广州四中高中部等项目建设。", "第八章 > 教育")
    question = "荔湾哪几间中学在扩建？"
    terms = question_terms(corpus, question)
    assert on_topic([groups, works], terms, {}, parse_ask(question)) == [
        works
    ]  # it lists schools, is about 办学
    named = "荔湾的集团化办学有哪些中学？"
    assert on_topic([groups, works], question_terms(corpus, named), {}, parse_ask(named)) == [groups, works]
    defined = "“3+6”集团化办学是什么意思？"  # a definition is asked: the glossary's own business
    assert on_topic([groups], question_terms(corpus, defined), {}, parse_ask(defined)) == [groups]
    assert on_topic([groups], terms, {}, parse_ask(question)) == [groups]  # nothing else: it stays


def test_each_side_of_a_comparison_quotes_a_close_runner_up_as_a_question_about_it_would(
    chain: QAChain,
) -> None:
    answer = chain.ask("从化跟荔湾对引进来的人才，住房这块都有啥说法？")
    sides = to_simplified(answer.text).split("\n")
    assert len(sides) == 2 and "英才计划" in sides[1]
    assert "人才安居工程" in sides[1]  # a close second to 英才计划, which names no housing


def test_english_words_the_plans_use_and_hyphenated_words_find_chinese_terms() -> None:
    vocabulary = {"rbd", "夜", "经济", "知名", "学校"}
    assert "rbd" in english_terms("What does RBD mean in the plan?", vocabulary)
    night = english_terms("Which night-economy clusters will be upgraded?", vocabulary)
    assert "夜" in night and "经济" in night  # night-economy is not in CC-CEDICT: its parts are
    known = english_terms("Which well-known schools came?", vocabulary)
    assert "知名" in known and "学校" in known


def test_a_glossary_entry_answering_what_a_term_is_is_quoted_whole(chain: QAChain) -> None:
    answer = chain.ask("荔湾“3+X”居家养老模式是什么？")
    assert not answer.refused
    text = answer.text
    assert "助餐配餐" in text and "科技助老" in text  # the “3” and the “X” after the ； both


def test_the_best_quote_keeps_more_context_than_a_runner_up() -> None:
    long = "，".join(f"第{i}项工作稳步推进落实" for i in range(12)) + "，新建养老床位三千张。"
    best = sentence_in(long, "第八章 > 养老")
    runner = replace(sentence_in(long, "第九章 > 养老"), score=0.9)
    _, citations = compose("要新建多少张养老床位？", "zh-Hans", [best, runner], terms={"养老": 1.0})
    first, second = (c.quote for c in citations)
    assert first.endswith("新建养老床位三千张。") and second.endswith("新建养老床位三千张。")
    assert len(first) <= MAX_QUOTE and len(second) <= RUNNER_QUOTE < len(first)


def test_an_unsure_ranker_quotes_the_runner_up_as_fully_as_the_best() -> None:
    long = "，".join(f"第{i}项工作稳步推进落实" for i in range(12)) + "，新建养老床位三千张。"
    best = sentence_in(long, "第八章 > 养老")
    runner = replace(sentence_in(long, "第九章 > 养老"), score=0.99)
    far = replace(sentence_in("加强管理。", "第十章"), score=0.2)
    question = "要新建多少张养老床位？"
    assert unsure([best, runner, far], parse_ask(question))  # a near tie: either may be the answer
    assert not unsure([best, replace(runner, score=0.2), far], parse_ask(question))
    assert not unsure([best, runner], parse_ask("要新建哪些养老机构？"))  # a list's runners-up are whole
    _, citations = compose(question, "zh-Hans", [best, runner], terms={"养老": 1.0}, runner=MAX_QUOTE)
    first, second = (c.quote for c in citations)
    assert len(second) == len(first) > RUNNER_QUOTE


def test_a_runner_up_counts_against_the_budget_as_it_will_be_quoted() -> None:
    best = sentence_in("新建养老床位三千张。" * 5, "第八章 > 养老")  # 50 characters
    runner = replace(sentence_in("，".join(["推进养老服务设施建设"] * 18) + "。", "第九章 > 养老"), score=0.9)
    runner = replace(runner, chunk=replace(runner.chunk, doc_id="other"))  # another plan's: no overlap
    assert len(runner.chunk.text) > 190
    assert pick([best, runner], max_quotes=2, max_chars=220, close=0.8) == [best]  # counted whole: too long
    assert pick([best, runner], 2, 220, 0.8, runner_chars=MAX_QUOTE) == [best, runner]


def test_a_near_tie_quotes_the_runner_up_that_answers_in_full(chain: QAChain) -> None:
    # The best-scored sentence says 补短板 in passing; the runner-up names the shortfalls (rv-075).
    answer = chain.ask("荔灣目前在民生方面最突出的短板是什麼？")
    assert "人口老龄化程度高" in to_simplified(answer.text)


def test_an_english_where_answer_spaces_the_plans_heading_and_ends_in_english(chain: QAChain) -> None:
    answer = chain.ask("Which section of Conghua's plan covers carbon peaking?")
    assert not answer.refused
    first = answer.text.split("\n")[0]
    assert first.startswith("This is covered in 第") and re.search(r"\) \[\d+\]\.$", first)  # cited
    assert "(Conghua District)" in first  # the district in English, as the plan's heading cannot be


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("从化有没有啥好玩的特色小镇，周末能带娃去逛逛的？", "小镇"),  # 好玩 describes it, 小镇 is asked
        ("年轻人想在从化自己当老板，有没有可以入驻的孵化场地？", "场地"),  # what is asked whether there is
        ("从化“两翼”分别由哪几个镇组成？", "镇"),  # 组成 is no kind of thing
        ("荔湾区要规划建设哪些新的文化场馆？", "场馆"),
    ],
)
def test_the_kind_asked_for_is_the_last_noun_of_what_is_asked(question: str, kind: str) -> None:
    assert asked_kind(question) == kind


def test_a_sentence_names_things_of_a_kind_by_a_name_before_the_kinds_word() -> None:
    listing = "特色小镇布局基本形成,莲麻小镇、生态设计小镇、西塘童话小镇等一批特色小镇成为新名片。"
    assert named(listing, "小镇")[0] >= 3
    assert named("促进温泉旅游行业、特色小镇、大型文旅项目联动。", "小镇")[0] == 1
    assert named("城镇、乡镇和各镇", "镇")[0] == 0  # no town named
    assert named("确保能源安全持续供应", "能源")[0] == 0  # after a verb: no source of energy named
    assert named("保护从都湿地公园、温泉湿地公园", "公园")[0] == 2  # two parks, though both 湿地公园
    assert named("打造“如意平安骑队”“家在岭南”“昌华前哨”等一批品牌。", "")[1] == 3  # names in quotes
    assert named("以“五个美丽”行动为抓手的整治“第一场硬仗”取得进展。", "")[1] == 0  # phrases, not a list


def test_a_list_questions_modifiers_do_not_weigh_as_what_is_asked(corpus: Corpus) -> None:
    weights = weigh(corpus, "从化有没有什么好玩的特色小镇？")
    plain = weigh(corpus, "好玩 特色小镇")
    assert weights["小镇"] == pytest.approx(2 * plain["小镇"])
    assert weights["好玩"] == pytest.approx(plain["好玩"])


def test_a_list_question_is_answered_by_the_sentence_naming_things_of_the_kind(chain: QAChain) -> None:
    answer = chain.ask("从化有没有什么好玩的特色小镇？")
    assert not answer.refused
    assert "莲麻小镇" in answer.text.split("\n")[0]  # the lead names the towns, not 促进特色小镇联动


def test_a_quote_the_lead_states_whole_is_not_repeated_whichever_it_is() -> None:
    first = sentence_in("促进温泉旅游行业、特色小镇、大型文旅项目联动。", "第五章 > 旅游")
    second = sentence_in("莲麻小镇、西塘童话小镇成为新名片。", "第一章 > 成就")
    chosen = [first, second]
    body, citations = compose(
        "有哪些特色小镇？", "zh-Hans", chosen, said="莲麻小镇、西塘童话小镇成为新名片[2]。"
    )
    assert [c.n for c in citations] == [1, 2]  # the lead's source is still cited
    assert "莲麻" not in body and "温泉旅游" in body


def test_a_comparisons_sides_are_read_without_the_words_framing_the_comparison(corpus: Corpus) -> None:
    topic = comparison_topic(corpus, "在碳达峰问题上，从化和荔湾的规划表述有什么不同？", "zh-Hans")
    assert "碳达峰" in topic and "有什么" in topic  # the topic, and that a list is asked for
    assert "不同" not in topic and "表述" not in topic and "从化" not in topic
    same = comparison_topic(corpus, "從化同荔灣，各自有啲咩非遺傳統要保護？", "zh-Hant")
    assert "各自" not in same and "同" not in same.replace("传统", "")
    assert "非遗" in to_simplified(same)


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("從化規劃中關於碳達峰的內容在哪一節？", "推动绿色低碳循环发展"),  # not 第一节 for 哪一节
        ("荔灣規劃中講嶺南文化的是哪一章？", "岭南文化核心区"),  # its heading's 1. is cited, so kept
    ],
)
def test_a_which_section_answer_names_and_cites_the_section_asked(
    chain: QAChain, question: str, heading: str
) -> None:
    answer = chain.ask(question)
    assert not answer.refused
    first = to_simplified(answer.text.split("\n")[0])
    assert heading in first and re.search(r"\[\d+\]", first)  # the heading, cited by its own passage


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Where in the Liwan plan is elderly care covered?", True),
        ("Where in Conghua will an international school come in?", False),  # a place, not a section
        ("Is there anywhere in Conghua's towns to get counselling or mental-health support?", False),
    ],
)
def test_where_in_the_plan_asks_for_a_section_and_where_in_a_district_for_a_place(
    chain: QAChain, question: str, section: bool
) -> None:
    answer = chain.ask(question)
    assert not answer.refused
    assert answer.text.startswith("This is covered in") is section


def test_a_glossary_entry_that_answers_is_quoted_whole_not_only_up_to_its_semicolon(chain: QAChain) -> None:
    answer = chain.ask("荔湾说的“四标四实”到底是个啥？")
    text = to_simplified(answer.text)
    assert "标准地址库" in text and "实有人口" in text  # the 四标 and, after ；, the 四实
