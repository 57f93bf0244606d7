"""What keyword search reads for a resident's question, on a real index of the bundled plans."""

from __future__ import annotations

import pytest

from qa.chain import QAChain
from qa.english import expand_query
from qa.script import to_simplified
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def keyword_hits(chain: QAChain, question: str) -> list[str]:
    """The texts of the hits keyword search ranked, best first, for a question read as the chain reads it."""
    corpus = chain.retriever.corpus
    reading = chain.understanding.read(question, corpus.idf, corpus.names, corpus.version)
    search = expand_query(corpus, reading.text)
    hits = chain.retriever.search(search, corpus=corpus, keywords=reading.search_text)
    ranked = sorted((h for h in hits if h.keyword_rank is not None), key=lambda h: h.keyword_rank or 0)
    return [to_simplified(h.chunk.text) for h in ranked]


def test_an_english_question_searches_its_chinese_terms_by_keyword(chain: QAChain) -> None:
    # The plans hold no English words: keyword search finds nothing unless it reads the added Chinese terms.
    hits = keyword_hits(chain, "What is the target for the road network density in Liwan?")
    assert hits
    assert any("道路网密度" in text for text in hits[:5])


def test_a_framing_word_does_not_pull_in_a_passage_that_only_shares_it(chain: QAChain) -> None:
    # 地方 is "a place" to a resident and "local" (地方党委, 地方武装) in a plan.
    hits = keyword_hits(chain, "从化有冇地方可以睇戏？")
    assert hits
    assert not any("地方武装" in text for text in hits[:5])


def test_the_district_a_question_names_does_not_steer_keyword_search_within_its_plan(chain: QAChain) -> None:
    # Routing already keeps to the named district's plan; its name would rank the cover letter first.
    hits = keyword_hits(chain, "荔湾区规划实施得怎么样有人评估吗？")
    assert hits
    assert not any("荔府〔2021〕4号" in text for text in hits[:3])
    assert any("规划" in text and "实施" in text for text in hits[:3])


def test_a_quoted_term_keeps_the_district_name_it_holds() -> None:
    from qa.retrieve import _QUOTED_TERM

    kept = [m.group(0) for m in _QUOTED_TERM.finditer("某区“智慧某区”建设") if m.group(1)]
    assert kept == ["“智慧某区”"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "荔弯白鹅谭那个商务区要建什么？",
            "荔湾白鹅潭",
        ),  # 白鹅潭: jieba cuts it 白鹅 + 潭, the plans repeat it
        ("从化流西河两岸以后要搞成什么样？", "流溪河"),
        ("十三行搏物馆有什么？", "博物馆"),
    ],
)
def test_a_mistyped_name_is_mended_to_the_plans_own(chain: QAChain, typed: str, meant: str) -> None:
    corpus = chain.retriever.corpus
    reading = chain.understanding.read(typed, corpus.idf, corpus.names, corpus.version, corpus.pairs)
    assert meant in reading.text


@pytest.mark.parametrize(
    "question",
    [
        "从化要重点保护哪些历史文化古村落？",
        "地铁14号线从化段早上首班车是几点？",
        "荔湾精准招商瞄准哪些企业？",
    ],
)
def test_a_question_typed_right_is_not_mended(chain: QAChain, question: str) -> None:
    corpus = chain.retriever.corpus
    reading = chain.understanding.read(question, corpus.idf, corpus.names, corpus.version, corpus.pairs)
    assert reading.mended == ()


def test_an_english_question_holding_a_chinese_name_is_expanded_from_its_english_words(
    chain: QAChain,
) -> None:
    # "What about Liwan?" after an English question is made standalone with the district's Chinese name in it
    corpus = chain.retriever.corpus
    mixed = "What is 荔湾区's target for the road network density?"
    search = expand_query(corpus, mixed)
    assert search.startswith(mixed) and {"道路", "密度"} <= set(search[len(mixed) :].split())
    assert expand_query(corpus, search) == search  # expanded once, however often it is asked
    # a Chinese question quoting an English word is not read as English
    assert expand_query(corpus, "荔湾区的GDP目标是多少？") == "荔湾区的GDP目标是多少？"
