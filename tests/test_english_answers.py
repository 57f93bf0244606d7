"""English questions end to end over the bundled plans: their answers' own words are English."""

from __future__ import annotations

import re

import pytest

from qa.chain import QAChain
from qa.english import expand_query
from qa.evidence import Query
from qa.extractive import extract
from qa.lead import english_label
from qa.retrieve import Route
from qa.script import to_simplified
from qa.types import Hit
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def test_a_plan_is_labelled_in_english_with_its_period() -> None:
    assert english_label("某某区") == "Moumou District"
    assert english_label("某某区（十五五）") == "Moumou District (15th Five-Year Plan)"


def test_an_english_comparison_labels_each_district_in_english(chain: QAChain) -> None:
    answer = chain.ask("How do the innovation incubation chains described by Conghua and Liwan differ?")
    assert not answer.refused
    labels = re.findall(r"^([^「\n]*?)(?::|：)", answer.text, re.M)
    assert labels == ["Conghua District", "Liwan District"], answer.text


def test_an_english_comparison_finds_each_side_by_the_things_it_asks_about(chain: QAChain) -> None:
    # childcare / children translate to 保育 / 子女, not the plans' 婴幼儿托育: by the share of translated
    # terms a side holds, both said 'not mentioned', though each district asked alone is answered
    corpus = chain.corpus
    wanted = ("婴幼儿托育服务纳入公共服务体系", "婴幼儿托位数达4个")
    found = [c for c in corpus.chunks.values() if any(w in to_simplified(c.text) for w in wanted)]
    assert {c.doc_id for c in found} == {"conghua", "liwan"}
    question = "How do Conghua and Liwan each plan to deal with childcare for children under three?"
    search = expand_query(corpus, question)
    draft = extract(
        corpus, Query(search, "en"), [Hit(c, 1.0) for c in found], Route(("conghua", "liwan"), True)
    )
    assert "not mentioned" not in draft.text, draft.text
    assert {c.chunk.doc_id for c in draft.citations} == {"conghua", "liwan"}


def test_a_place_question_also_quotes_the_passage_whose_heading_is_most_like_it(chain: QAChain) -> None:
    corpus = chain.corpus
    towns = next(c for c in corpus.chunks.values() if "社会心理服务站" in c.text)  # says where: 镇(街)
    health = next(c for c in corpus.chunks.values() if c.norm_path.endswith("加大医疗卫生基础设施建设力度"))
    # The heading passage ranks fifth: too far down to be quoted as a runner-up by its score alone
    others = [c for c in corpus.chunks.values() if c.doc_id == "conghua" and "心理" in c.text and c != towns]
    hits = [Hit(towns, 1.0), *(Hit(c, 0.9) for c in others[:3]), Hit(health, 0.5)]
    question = "Is there anywhere in Conghua's towns to get counselling or mental-health support?"
    draft = extract(corpus, Query(expand_query(corpus, question), "en"), hits, Route(("conghua",)))
    assert not draft.text.startswith("This is covered in")  # a place, not a section
    assert [c.chunk.id for c in draft.citations] == [towns.id, health.id]  # the best sentence still leads
