"""The graded `gives` signal on the bundled plans: the kind of answer asked, given about the thing asked."""

from __future__ import annotations

import pytest

from qa.chain import QAChain
from qa.corpus import Corpus
from qa.evidence import Query, Sentence
from qa.giving import giving
from qa.terms import question_terms
from qa.types import Hit
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    chain: QAChain = plans_chain(tmp_path_factory.getbasetemp() / "ui-index")
    return chain.corpus


def quoted(corpus: Corpus, first: str, last: str) -> Sentence:
    """The span of the plans from `first` to the end of `last`, as if chosen to quote."""
    chunk = next(c for c in corpus.chunks.values() if first in c.norm and last in c.norm)
    start = chunk.norm.index(first)  # norm keeps the text's offsets (one Simplified character each)
    return Sentence(0, chunk, start, chunk.norm.index(last, start) + len(last), 1.0, 1.0)


def graded(corpus: Corpus, question: str, sentence: Sentence, gives: bool = True) -> float:
    query = Query(question, "zh-Hans")
    return giving(
        corpus, query, question_terms(corpus, question), [Hit(sentence.chunk, 1.0)], [sentence], gives
    )


def test_a_figure_in_the_unit_asked_about_something_else_gives_less(corpus: Corpus) -> None:
    question = "每千名老人养老床位数要达到多少张？"
    hospital = quoted(corpus, "每千人拥有病床位数", "8张")
    elderly = quoted(corpus, "每千名老人养老床位数", "36.2张")
    assert graded(corpus, question, elderly) == 1.0
    assert graded(corpus, question, hospital) < 0.6


def test_tonnes_of_refuse_do_not_give_tonnes_of_sewage(corpus: Corpus) -> None:
    refuse = quoted(corpus, "到2025年,生活垃圾处理能力", "4100吨/日")
    assert graded(corpus, "明珠污水处理厂二期每天能处理多少吨污水？", refuse) < 0.5
    assert graded(corpus, "生活垃圾每天能处理多少吨？", refuse) == 1.0


def test_the_asked_thing_named_outside_the_giving_clause_counts_half(corpus: Corpus) -> None:
    # 病床位数 is named in the sentence, but the clause giving 张 counts 养老床位.
    sentence = quoted(corpus, "新增养老机构6家、养老床位1341张", "每千名老人养老床位数达到36.2张")
    question = "每千常住人口拥有病床位数要达到多少张？"
    value = graded(corpus, question, sentence)
    assert 0.0 < value < 1.0


def test_no_kind_given_is_zero_and_a_question_asking_no_kind_is_given_by_any_quote(corpus: Corpus) -> None:
    elderly = quoted(corpus, "每千名老人养老床位数", "36.2张")
    assert graded(corpus, "每千名老人养老床位数要达到多少张？", elderly, gives=False) == 0.0
    assert graded(corpus, "荔湾的养老服务有什么规划？", elderly) == 1.0


def test_a_quote_gives_nothing_to_a_question_asking_which_is_best_or_what_day(corpus: Corpus) -> None:
    elderly = quoted(corpus, "每千名老人养老床位数", "36.2张")
    assert graded(corpus, "荔湾哪间养老院最值得去？", elderly) == 0.0
    assert graded(corpus, "荔湾的养老院哪天开放？", elderly) == 0.0


def english(corpus: Corpus, question: str, sentence: Sentence) -> float:
    query = Query(question, "en")
    return giving(corpus, query, {}, [Hit(sentence.chunk, 1.0)], [sentence], True)


def test_an_english_figure_question_is_given_only_a_figure_stated_of_a_thing_it_names(corpus: Corpus) -> None:
    elderly = quoted(corpus, "每千名老人养老床位数", "36.2张")
    # Glosses name the plans' things loosely, so an English question is given the figure (1) when any thing
    # it names is there, whatever share of them: beds (床位) is, care and older people need not be.
    assert (
        english(corpus, "How many elderly-care beds per thousand older people will Liwan have?", elderly)
        == 1.0
    )
    # A figure of beds does not give how many taxis, nor how much a ticket costs.
    assert english(corpus, "How many electric taxis are on the road in Liwan right now?", elderly) == 0.0
    assert english(corpus, "How much is the monthly state pension for retirees in Liwan?", elderly) == 0.0
