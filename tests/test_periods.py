"""Plans of several periods: a question goes to the period it names, or the plan in force; periods compared.

The 十五五 plan here is made up for the test (a district of the bundled plans with other targets), indexed
beside the two bundled 十四五 plans; nothing of it is in data/plans.
"""

from __future__ import annotations

from datetime import date

import pytest

from qa.chain import QAChain
from qa.corpus import Corpus
from qa.periods import across_periods, in_force, label, named_periods, period_words, plans
from qa.question import carry_context
from qa.retrieve import HybridRetriever, route
from tests.fakes import BigramEmbeddings
from tests.period_index import NEXT_ID, NEXT_TITLE, two_period_corpus

BEFORE = date(2024, 5, 1)  # the 十四五 plan is in force
AFTER = date(2027, 3, 1)  # the 十五五 plan is in force


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return two_period_corpus(tmp_path_factory.mktemp("periods"))


def chain_on(corpus: Corpus, today: date) -> QAChain:
    retriever = HybridRetriever(source=corpus, embeddings=BigramEmbeddings())
    return QAChain(retriever, today=lambda: today)


def test_a_question_naming_a_period_goes_to_that_plan(corpus: Corpus) -> None:
    for question in ("从化区“十五五”时期地区生产总值年均增长多少？", "到2030年从化区森林覆盖率目标是多少？"):
        assert route(corpus, question, today=BEFORE).doc_ids == (NEXT_ID,)
    for question in ("从化区十四五时期地区生产总值年均增长多少？", "2021—2025年从化区地区生产总值增长目标？"):
        assert route(corpus, question, today=AFTER).doc_ids == ("conghua",)
    # 十五五 without a district: only the plans of that period, whichever district they are of
    assert route(corpus, "十五五时期低空经济有什么安排？", today=BEFORE).doc_ids == (NEXT_ID,)


def test_no_period_named_means_the_plan_in_force_and_the_answer_says_which(corpus: Corpus) -> None:
    question = "从化区地区生产总值年均增长目标是多少？"
    assert route(corpus, question, today=AFTER).doc_ids == (NEXT_ID,)
    assert route(corpus, question, today=AFTER).announce == (NEXT_ID,)
    assert route(corpus, question, today=BEFORE).doc_ids == ("conghua",)
    later = chain_on(corpus, AFTER).ask(question)
    assert not later.refused
    assert "5.5%" in later.text
    assert {c.chunk.doc_id for c in later.citations} == {NEXT_ID}
    assert f"《{NEXT_TITLE}》（2026—2030）" in later.text
    earlier = chain_on(corpus, BEFORE).ask(question)
    assert "6%" in earlier.text and "5.5%" not in earlier.text
    assert {c.chunk.doc_id for c in earlier.citations} == {"conghua"}


def test_a_district_with_one_plan_is_routed_as_before(corpus: Corpus) -> None:
    plain = route(corpus, "荔湾区城市道路网密度要达到多少？", today=AFTER)
    assert plain.doc_ids == ("liwan",) and not plain.compare and plain.announce == ()
    # 十五五 for a district that has no such plan: its own plan, and the answer will say which it is
    missing = route(corpus, "荔湾区十五五时期城市道路网密度要达到多少？", today=AFTER)
    assert missing.doc_ids == ("liwan",) and missing.announce == ("liwan",)
    # an earlier period is reviewed by the plan that followed it: nothing to say about which plan it is
    assert route(corpus, "荔湾区十三五期间建成了多少个5G基站？", today=AFTER).announce == ()


def test_periods_are_compared_side_by_side_with_what_one_plan_does_not_say(corpus: Corpus) -> None:
    chain = chain_on(corpus, AFTER)
    answer = chain.ask("从化区十四五和十五五的地区生产总值年均增长目标有什么变化？")
    assert route(corpus, "从化区十四五和十五五的地区生产总值年均增长目标", today=AFTER).compare
    lines = answer.text.splitlines()
    old = next(line for line in lines if line.startswith("从化区（十四五）："))
    new = next(line for line in lines if line.startswith("从化区（十五五）："))
    assert "6%" in old and "5.5%" in new
    silent = chain.ask("从化区两个五年规划的低空经济产业规模目标比较").text
    assert "从化区（十四五）：未提及" in silent
    assert "120亿元" in next(line for line in silent.splitlines() if line.startswith("从化区（十五五）："))


def test_a_plan_chosen_in_the_selector_opens_to_its_district_when_periods_are_asked(corpus: Corpus) -> None:
    assert route(corpus, "地区生产总值年均增长目标", NEXT_ID, today=BEFORE).doc_ids == (NEXT_ID,)
    both = route(corpus, "十四五和十五五的地区生产总值年均增长目标对比", NEXT_ID, today=BEFORE)
    assert set(both.doc_ids) == {"conghua", NEXT_ID} and both.compare
    assert route(corpus, "地区生产总值年均增长目标", "从化", today=BEFORE).doc_ids == ("conghua",)


def test_a_follow_up_asks_the_same_about_another_period(corpus: Corpus) -> None:
    history = [("从化区十四五时期地区生产总值年均增长多少？", "…")]
    assert carry_context(corpus, "那十五五呢？", history) == "从化区十五五时期地区生产总值年均增长多少？"
    # a follow-up with words of its own keeps them, with the earlier period dropped
    carried = carry_context(corpus, "2030年的森林覆盖率呢？", [("从化区2025年的目标是什么？", "…")], 3)
    assert period_words(carried) == ["2030年"]


def test_period_words_and_labels(corpus: Corpus) -> None:
    known = {"2021—2025", "2026—2030"}
    assert named_periods("二十五个项目和十五五规划", known) == {"2026—2030"}
    assert named_periods("第十四个五年规划", known) == {"2021—2025"}
    assert named_periods("the 15th five-year plan", known) == {"2026—2030"}
    assert named_periods("2035年远景目标和2030亩耕地", known) == set()
    assert named_periods("2025年和2030年", known) == known
    assert across_periods("两个五年规划") and across_periods("十四五和十五五比较一下")
    assert not any(map(across_periods, ("应对气候变化有什么举措", "哪里比较好玩", "2025年前后建成")))
    assert label(corpus, NEXT_ID) == "从化区（十五五）"
    assert label(corpus, "conghua") == "从化区（十四五）"
    assert label(corpus, "liwan") == "荔湾区"
    series = [p for p in plans(corpus) if p.district == "从化区"]
    assert in_force(series, date(2026, 1, 1)).doc_id == NEXT_ID  # type: ignore[union-attr]
    assert in_force(series, date(2019, 1, 1)).doc_id == "conghua"  # type: ignore[union-attr]
    assert in_force(series, date(2040, 1, 1)).doc_id == NEXT_ID  # type: ignore[union-attr]
