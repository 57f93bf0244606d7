"""The answering chain: extractive end to end on a real index, generative logic with scripted fake models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa.backends import ChatModelAnswerer
from qa.chain import QAChain
from qa.prompts import CANNOT_ANSWER_PHRASE
from qa.question import carry_context
from qa.script import detect_script, to_simplified
from qa.serialize import answer_json
from qa.translate import definitions
from qa.verify import QUOTE, verify
from tests.fakes import BigramEmbeddings
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def scripted(chain: QAChain, *replies: str) -> QAChain:
    """The same retriever with a fake chat model that replies with these texts, in order."""
    messages: Iterator[AIMessage] = iter([AIMessage(r) for r in replies])
    return QAChain(chain.retriever, ChatModelAnswerer(GenericFakeChatModel(messages=messages)))


ROAD_Q = "荔湾区城市道路网密度要达到多少？"


def source_number(chain: QAChain, question: str, needle: str) -> int:
    """The [n] a generative model would use for the retrieved passage containing needle."""
    hits = chain.ask(question).retrieved[:5]
    return next(i + 1 for i, h in enumerate(hits) if needle in to_simplified(h.chunk.text))


def test_extractive_answer_quotes_its_source_verbatim(chain: QAChain) -> None:
    answer = chain.ask("从化区2020年的地区生产总值是多少？")
    assert not answer.refused
    assert "386.31亿元" in answer.text
    assert answer.citations and answer.citations[0].chunk.doc_id == "conghua"
    for citation in answer.citations:
        assert citation.quote in citation.chunk.text
        assert f"[{citation.n}]" in answer.text
    for quote in QUOTE.findall(answer.text):
        assert any(quote in c.chunk.text for c in answer.citations)


def test_extractive_answers_pass_verification_by_construction(chain: QAChain) -> None:
    questions = [
        "荔湾区城市道路网密度要达到多少？",
        "RBD是什麼意思？",
        "從化區要打造什麼樣的溫泉總部集聚區？",
    ]
    for question in questions:
        answer = chain.ask(question)
        checked = verify(answer.text, [c.chunk for c in answer.citations])
        assert checked.flags == ()
        assert checked.text == answer.text


def test_glossary_question_gets_the_definition_first(chain: QAChain) -> None:
    answer = chain.ask("RBD是什麼意思？")
    assert answer.retrieved[0].chunk.kind == "glossary"
    assert answer.retrieved[0].chunk.term == "RBD"
    assert "休閑商務區" in answer.text


def test_answer_frame_follows_the_askers_script_and_quotes_stay_verbatim(chain: QAChain) -> None:
    traditional = chain.ask("從化區2020年的地區生產總值是多少？")
    assert "規劃原文" in traditional.text
    assert "2020年从化地区生产总值为386.31亿元" in traditional.text  # the source is Simplified: quoted as is
    simplified = chain.ask("荔湾区城市道路网密度要达到多少？")
    assert "规划原文" in simplified.text
    assert "城市道路網密度達到6公里/平方公里" in simplified.text
    prose = QUOTE.sub("", traditional.text)
    assert detect_script(prose) == "zh-Hant"


def test_district_routing_restricts_to_the_named_plan(chain: QAChain) -> None:
    for question, doc in [
        ("荔灣區的養老服務有什麼安排？", "liwan"),
        ("从化区的养老服务有什么安排？", "conghua"),
    ]:
        answer = chain.ask(question)
        assert {h.chunk.doc_id for h in answer.retrieved} == {doc}


def test_comparison_gets_one_cited_part_per_district(chain: QAChain) -> None:
    answer = chain.ask("从化和荔湾在养老服务方面分别有什么安排？")
    lines = answer.text.splitlines()
    assert lines[0].startswith("从化区") and lines[1].startswith("荔湾区")
    assert {c.chunk.doc_id for c in answer.citations} == {"conghua", "liwan"}


def test_comparison_embeds_the_question_once_for_both_districts(chain: QAChain) -> None:
    embeddings = chain.retriever.embeddings
    assert isinstance(embeddings, BigramEmbeddings)
    before = len(embeddings.questions)
    chain.retriever.search("从化和荔湾的森林覆盖率分别是多少？")
    assert embeddings.questions[before:] == ["从化和荔湾的森林覆盖率分别是多少？"]


def test_warm_up_also_loads_the_dictionary_for_english_questions(chain: QAChain) -> None:
    definitions.cache_clear()
    assert chain.warm_up("从化区的发展目标").citations
    assert definitions.cache_info().currsize == 1


def test_unanswerable_question_is_refused_with_nearest_sections(chain: QAChain) -> None:
    answer = chain.ask("天河区“十四五”期间地区生产总值年均增长目标是多少？")
    assert answer.refused
    assert CANNOT_ANSWER_PHRASE in answer.text
    assert answer.citations == ()
    assert answer.text.count("·") >= 2


def test_number_question_without_that_figure_is_refused(chain: QAChain) -> None:
    assert chain.ask("荔湾区居民医保2024年个人缴费标准是多少元？").refused


def test_bad_questions_get_a_helpful_reply(chain: QAChain) -> None:
    for question in ["", "   ", "？？？", "\u200b\u200b"]:
        answer = chain.ask(question)
        assert answer.refused and "规划" in answer.text
    long = chain.ask("荔湾" * 150)
    assert long.refused and "200" in long.text


def test_ask_json_shape(chain: QAChain) -> None:
    data = answer_json(chain.ask("荔湾区城市道路网密度要达到多少？"))
    assert set(data) == {"question", "answer", "refused", "backend", "citations", "retrieved", "timings_ms"}
    assert len(data["retrieved"]) >= 10
    assert set(data["citations"][0]) == {
        "n",
        "doc_id",
        "title",
        "district",
        "section",
        "line",
        "quote",
        "text",
    }
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


def test_follow_up_carries_district_without_an_llm(chain: QAChain) -> None:
    corpus = chain.corpus
    history = [("从化区的养老服务有什么安排？", "…")]
    assert to_simplified(carry_context(corpus, "那荔灣呢？", history)) == "荔湾区的养老服务有什么安排？"
    assert carry_context(corpus, "2025年的目标呢？", history).startswith("从化")
    answer = chain.ask("那荔灣呢？", history=history)
    assert {h.chunk.doc_id for h in answer.retrieved} == {"liwan"}


def test_a_later_part_naming_no_district_asks_about_the_first_parts(chain: QAChain) -> None:
    answer = chain.ask("我家在从化，养老服务有什么安排？以后会有新医院吗？")
    assert answer.retrieved and {h.chunk.doc_id for h in answer.retrieved} == {"conghua"}
    alone = chain.ask("以后会有新医院吗？")  # asked alone it may be answered from any plan
    assert {h.chunk.doc_id for h in alone.retrieved} == {"conghua", "liwan"}


def test_a_follow_up_of_a_follow_up_asks_the_question_both_lean_on(chain: QAChain) -> None:
    history = [("从化区的养老服务有什么安排？", "…"), ("那荔灣呢？", "…")]
    answer = chain.ask("那从化呢？", history=history)
    assert {h.chunk.doc_id for h in answer.retrieved} == {"conghua"}
    assert "养老" in to_simplified(answer.retrieved[0].chunk.text), answer.retrieved[0].chunk.text


def test_a_part_repeating_an_earlier_parts_quotes_is_not_answered_twice(chain: QAChain) -> None:
    history = [("从化十三五期间开通了哪条地铁？", "…")]
    answer = chain.ask("跟荔湾比呢？两个区各开通了哪些线？", history=history)
    assert not answer.refused
    quotes = [c.quote for c in answer.citations]
    assert quotes and len(quotes) == len(set(quotes)), quotes
    assert {c.chunk.doc_id for c in answer.citations} <= {"conghua", "liwan"}
    assert "从化" in answer.text  # 跟…比: the district asked before stays beside the new one


def test_generated_answer_keeps_valid_citations(chain: QAChain) -> None:
    n = source_number(chain, ROAD_Q, "6公里/平方公里")
    fake = scripted(chain, f"荔湾区城市道路网密度达到6公里/平方公里[{n}]。")
    answer = fake.ask(ROAD_Q)
    assert not answer.refused, answer.flags
    assert answer.citations[0].n == n
    assert answer.citations[0].quote in answer.citations[0].chunk.text


def test_generated_claim_with_unknown_marker_or_wrong_number_is_dropped(chain: QAChain) -> None:
    n = source_number(chain, ROAD_Q, "6公里/平方公里")
    fake = scripted(chain, f"道路网密度达到6公里/平方公里[{n}]。另有99公里地铁[{n}]。还有一条[9]。")
    answer = fake.ask(ROAD_Q)
    assert "6公里" in answer.text
    assert "99公里" not in answer.text and "[9]" not in answer.text
    assert any("99" in f for f in answer.flags) and any("unknown" in f for f in answer.flags)


def test_generated_quote_must_be_verbatim(chain: QAChain) -> None:
    fake = scripted(chain, "规划说「荔湾将建成月球基地」[1]。")
    answer = fake.ask("荔湾区城市道路网密度要达到多少？")
    assert answer.refused  # nothing verifiable is left
    assert any("verbatim" in f for f in answer.flags)


def test_generated_refusal_phrase_is_recognised(chain: QAChain) -> None:
    fake = scripted(chain, f"抱歉，{CANNOT_ANSWER_PHRASE}。")
    answer = fake.ask("荔湾区城市道路网密度要达到多少？")
    assert answer.refused and CANNOT_ANSWER_PHRASE in answer.text


def test_follow_up_is_rewritten_by_the_llm(chain: QAChain) -> None:
    n = source_number(chain, ROAD_Q, "6公里/平方公里")
    fake = scripted(chain, ROAD_Q, f"城市道路网密度达到6公里/平方公里[{n}]。")
    answer = fake.ask("那道路呢？", history=[("荔湾区的交通规划是什么？", "…")])
    assert "6公里" in answer.text
    assert {h.chunk.doc_id for h in answer.retrieved} == {"liwan"}


def test_streaming_yields_text_then_the_verified_answer(chain: QAChain) -> None:
    n = source_number(chain, ROAD_Q, "6公里/平方公里")
    fake = scripted(chain, f"城市道路网密度 达到 6公里/平方公里[{n}]。")  # the fake streams word by word
    parts = list(fake.stream(ROAD_Q))
    *tokens, final = parts
    assert len(tokens) >= 2 and all(isinstance(t, str) for t in tokens)
    assert not isinstance(final, str) and final.citations
