"""Neighbouring districts a question names, read from cpca's division list against the bundled plans."""

from __future__ import annotations

import pytest

from qa.chain import QAChain
from qa.corpus import Corpus
from qa.gazetteer import counties_near, divisions, short_names
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def corpus(chain: QAChain) -> Corpus:
    return chain.corpus


def test_the_division_list_ships_with_the_package() -> None:
    every = divisions()
    assert len(every) > 3000  # every county-level division of China, and more
    assert "市辖区" not in {d.name for d in every}  # a placeholder row, not a place


def test_counties_near_a_city_are_those_of_its_province() -> None:
    names = short_names(counties_near(["广州市"]))
    assert names["番禺"] == "番禺区" and names["顺德"] == "顺德区"  # Foshan's, also in Guangdong
    assert "朝阳" not in names  # Beijing's


@pytest.mark.parametrize(
    ("question", "named"),
    [("番禺嗰邊十四五會起幾多間新學校？", "番禺区"), ("佛山顺德那边十四五重点发展啥产业？", "顺德区")],
)
def test_a_neighbour_named_by_its_short_name_is_another_plans(
    corpus: Corpus, question: str, named: str
) -> None:
    assert named in corpus.unknown_districts(question)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What are Nansha's plans for a new cruise terminal?", "南沙区"),
        ("What is Panyu's GDP target?", "番禺区"),
    ],
)
def test_an_english_question_about_a_neighbour_names_it_by_its_pinyin(
    corpus: Corpus, question: str, named: str
) -> None:
    assert named in corpus.unknown_districts(question)


def test_an_english_question_naming_our_district_beside_a_neighbour_is_ours(corpus: Corpus) -> None:
    # The Liwan plan writes about working with Nansha: the plan we hold may answer it.
    assert corpus.unknown_districts("How will Liwan work with Nansha?") == []


def test_a_neighbour_the_plans_write_about_that_thing_is_not_elsewhere(corpus: Corpus) -> None:
    # 从化's plan has 黄埔—从化产业共建合作区: a question about it is for that plan
    assert corpus.unknown_districts("黄埔那个产业共建合作区搞什么？") == []


@pytest.mark.parametrize("question", ["以后会更和平吗？", "空气会不会更清新？", "新兴产业有哪些？"])
def test_everyday_words_that_are_also_county_names_are_not_places(corpus: Corpus, question: str) -> None:
    assert corpus.unknown_districts(question) == []


def test_a_question_about_a_neighbour_alone_is_refused_with_the_plans_we_hold(chain: QAChain) -> None:
    answer = chain.ask("番禺十四五会建几多间新学校？")
    assert answer.refused
    assert answer.citations == ()
