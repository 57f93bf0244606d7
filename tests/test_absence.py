"""Absence signals on the bundled plans: concepts no plan holds, details one district's plan lacks, years."""

from __future__ import annotations

import pytest

from qa.absence import absent, document_texts, lacking, names_a_thing, unseen_year
from qa.chain import QAChain
from qa.corpus import Corpus
from qa.evidence import Query, Sentence
from qa.periods import stated_periods
from qa.terms import question_terms
from qa.types import Hit, Script
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    chain: QAChain = plans_chain(tmp_path_factory.getbasetemp() / "ui-index")
    return chain.corpus


def hits_of(corpus: Corpus, doc_id: str, n: int = 5) -> list[Hit]:
    """A few passages of one plan, as if retrieval had routed the question to it."""
    chunks = [c for c in corpus.chunks.values() if c.doc_id == doc_id][:n]
    return [Hit(chunk, 1.0 / (i + 1)) for i, chunk in enumerate(chunks)]


def absent_share(corpus: Corpus, text: str, doc_id: str, **alternatives: set[str]) -> float:
    script: Script = "en" if text.isascii() else "zh-Hans"
    query = Query(text, script, alternatives)
    return absent(corpus, query, question_terms(corpus, text, script), hits_of(corpus, doc_id))


@pytest.mark.parametrize("word", ["火星", "病床", "写字楼", "迪士尼", "高尔夫球场"])
def test_nouns_and_names_of_things_are_concepts(word: str) -> None:
    assert names_a_thing(word)


@pytest.mark.parametrize("word", ["有没有", "现在", "那边", "哪条", "几间", "天河", "2030", "钱", "意思"])
def test_asides_question_words_places_years_and_single_characters_are_not(word: str) -> None:
    assert not names_a_thing(word)


def test_a_thing_no_plan_mentions_makes_the_question_mostly_absent(corpus: Corpus) -> None:
    mars = absent_share(corpus, "从化区的火星基地建设计划是什么？", "conghua")
    park = absent_share(corpus, "荔湾区什么时候建迪士尼乐园？", "liwan")
    assert mars > 0.5 and park > 0.5
    assert absent_share(corpus, "从化区的温泉旅游有什么规划？", "conghua") == 0.0


def test_a_synonym_the_plans_use_makes_the_word_present(corpus: Corpus) -> None:
    assert "食堂" in document_texts(corpus)["conghua"] or "食堂" in document_texts(corpus)["liwan"]
    doc = "conghua" if "食堂" in document_texts(corpus)["conghua"] else "liwan"
    without = absent_share(corpus, "学校饭堂的管理", doc)
    assert without > 0.0
    assert absent_share(corpus, "学校饭堂的管理", doc, 饭堂={"食堂"}) < without


def test_absence_is_judged_in_the_plan_the_question_is_answered_from(corpus: Corpus) -> None:
    # 病床 is in one district's plan (每千人擁有病床位數) and not the other's.
    texts = document_texts(corpus)
    has, lacks = sorted(texts, key=lambda d: "病床" not in texts[d])
    assert "病床" in texts[has] and "病床" not in texts[lacks]
    assert absent_share(corpus, "要增加多少病床？", has) == 0.0
    assert absent_share(corpus, "要增加多少病床？", lacks) == 1.0


def sentence_with(corpus: Corpus, needle: str) -> Sentence:
    """The sentence of the plans holding `needle`, as if it had been chosen to quote."""
    chunk = next(c for c in corpus.chunks.values() if needle in c.norm)
    start = chunk.norm.index(needle)  # norm keeps the text's offsets (one Simplified character each)
    return Sentence(0, chunk, start, start + len(needle), 1.0, 1.0)


def test_an_english_question_naming_a_thing_no_plan_holds_is_absent(corpus: Corpus) -> None:
    # Judged by every dictionary word for each English word naming a thing, not only the plans' words.
    assert absent_share(corpus, "Is Liwan going to get a casino?", "liwan") == 1.0
    assert absent_share(corpus, "Is a Disney-style theme park planned anywhere?", "conghua") > 0.2
    assert absent_share(corpus, "What is the forest coverage rate target?", "conghua") == 0.0


def test_an_english_word_search_found_by_a_synonym_is_not_absent(corpus: Corpus) -> None:
    # chargers: the dictionary's 充电器 is in no plan, but search was given the plans' 充电 for it
    assert absent_share(corpus, "Are there plans for EV chargers in Conghua?", "conghua") == 0.0


def test_a_compound_is_found_by_its_parts_only_where_they_cover_it() -> None:
    text = "加强动物疫病防控，常住人口达到百万，建设城市公园。"
    assert lacking("常住人口", {}, text) == 0.0  # 常住 + 人口: every character covered
    assert lacking("动物园", {}, text) == pytest.approx(
        1 / 3
    )  # 动物 alone: the 园 that makes it a zoo is not
    assert lacking("摩天轮", {}, text) == 1.0


def test_a_thing_named_by_its_number_is_found_only_whole(corpus: Corpus) -> None:
    text = "推进地铁14号线二期建设，优化12条公交线路。"
    assert lacking("14号线", {}, text) == 0.0
    assert lacking("12路", {}, text) == 1.0  # its 12 is in the text, but no 12路
    assert absent_share(corpus, "从化的99路公交车会不会延长到地铁站？", "conghua") > 0.3


def test_a_verbal_noun_is_not_a_concept_as_residents_word_actions_freely(corpus: Corpus) -> None:
    assert not names_a_thing("检查") and not names_a_thing("建设")
    text = "从化区这个五年规划定下来以后，有没有人回头检查做得怎么样？"
    assert absent_share(corpus, text, "conghua") == 0.0


def test_a_year_no_passage_mentions_is_unseen(corpus: Corpus) -> None:
    hits = hits_of(corpus, "conghua", n=len(corpus.chunks))
    seen = "\n".join(h.chunk.norm for h in hits)
    assert "2025" in seen and "2047" not in seen
    assert unseen_year("到2025年人口多少？", hits) == 0.0
    assert unseen_year("到2047年人口多少？", hits) == 1.0
    assert unseen_year("人口多少？", hits) == 0.0
    silent = next(
        c for c in corpus.chunks.values() if "2025" not in c.norm and not stated_periods(c.norm_path + c.norm)
    )
    quoted = sentence_with(corpus, silent.norm[:8])
    assert unseen_year("到2025年人口多少？", hits, [quoted]) == 0.5


def test_a_year_within_a_five_year_plan_the_passages_name_is_seen(corpus: Corpus) -> None:
    chunk = next(c for c in corpus.chunks.values() if "十三五" in c.norm and "2018" not in c.norm)
    assert unseen_year("2016-2018年新增了多少学位？", [Hit(chunk, 1.0)]) == 0.0
    assert unseen_year("2011年新增了多少学位？", [Hit(chunk, 1.0)]) == 1.0


@pytest.mark.parametrize("word", ["骑车", "放学", "关门", "看病", "近视"])
def test_what_residents_do_or_feel_is_not_a_concept_though_jieba_tags_it_a_noun(word: str) -> None:
    assert not names_a_thing(word)  # 词林 files every sense under actions, activities, states or features


def test_an_everyday_activity_the_plans_never_word_leaves_the_question_present(corpus: Corpus) -> None:
    # 放学 is never written in the plan; the question asks about 学校, which it holds.
    assert absent_share(corpus, "从化的学校放学以后有没有托管的地方？", "conghua") < 0.5
    assert absent_share(corpus, "从化会不会建个动物园，周末带小孩去看看动物？", "conghua") > 0.3
