"""What keyword search reads for a resident's question, on a real index of the bundled plans."""

from __future__ import annotations

import pytest

from qa.chain import QAChain
from qa.retrieve import expand_query
from qa.script import to_simplified
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.mktemp("keyword-query-index"))


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
    hits = keyword_hits(chain, "从化有没有地方可以去？")
    assert hits
    assert not any("地方武装" in text for text in hits[:5])
