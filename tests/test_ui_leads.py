"""How the page shows where an answer leads: refusal chips tied to source cards, ask chips, no timing."""

from __future__ import annotations

import re
import sqlite3
from html import unescape
from pathlib import Path

from qa.redirect import Switch
from qa.suggest import Guidance
from qa.types import Answer, Chunk, Citation
from ui.feedback import FeedbackStore
from ui.render import Turn, answer_html, near_id, sources_html

EVIL = '<img src=x onerror="alert(1)">'


def chunk(
    n: int, district: str = "从化区", section: tuple[str, ...] = ("第一章 总则", "第二节 交通")
) -> Chunk:
    text = f"第{n}段正文。"
    return Chunk(
        f"c{n}", "conghua", "从化规划", district, section, 10 * n, 10 * n, 0, len(text), text, text, ""
    )


def refusal(question: str = "火星基地什么时候建成？", **guidance: object) -> Answer:
    near = (chunk(1), chunk(2, "荔灣區", (f"第三章 {EVIL}",)))
    text = "抱歉，规划文件中没有找到相关内容。\n最接近的章节：\n· …"
    shown = Guidance(nearest=near, plans=("《从化规划》（2021—2025）",), **guidance)  # type: ignore[arg-type]
    return Answer(question, text, True, "extractive", timings_ms={"total": 51.0}, guidance=shown)


def test_a_refusals_nearest_sections_are_chips_for_cards_in_the_sources_panel() -> None:
    answer = refusal()
    html = answer_html(answer, 0)
    panel = sources_html([Turn("问一", answer)])
    hrefs = re.findall(r'class="cite-chip near-chip" href="#([^"]+)"', html)
    assert hrefs == [near_id(0, 1), near_id(0, 2)]
    assert re.findall(r'<details class="src-card src-near" id="([^"]+)"', panel) == [
        near_id(0, 1),
        near_id(0, 2),
    ]
    assert "第1段正文。" in panel and "第 10 行" in panel and " open" not in panel  # folded until clicked
    assert "可查询的规划：《从化规划》（2021—2025）。" in html
    assert "最接近的章节：" in html and "· …" not in html  # the text's list becomes the chips
    assert "<img" not in html + panel and "&lt;img" in html + panel
    assert html.endswith('<div class="a-meta">原文摘录</div>')  # like every answer: the backend, no time


def test_refusal_chips_and_cards_match_by_turn_in_a_conversation() -> None:
    turns = [
        Turn("答了", Answer("答了", "有[1]", False, "extractive", (Citation(1, chunk(3), "第3段"),))),
        Turn("问", refusal()),
    ]
    panel = sources_html(turns)
    html = answer_html(turns[1].answer, 1)
    for target in re.findall(r'href="#([^"]+)"', html):
        assert f'id="{target}"' in panel


def test_suggested_questions_are_buttons_that_carry_the_question_and_the_district() -> None:
    question = '白鹅潭"商务区"的定位？'
    offer = Switch("liwan", "荔湾区", ("白鹅潭",))
    html = answer_html(refusal(question, switch=(offer,), parts=("交通有什么规划？", "教育有什么规划？")), 0)
    switch = re.search(
        r'<button type="button" class="ask-chip" title="([^"]*)" value="liwan" name="荔湾区">', html
    )
    assert switch and unescape(switch.group(1)) == question  # the same question, asked again there
    assert "“白鹅潭”见于荔湾区的规划" in html and "切换到荔湾区再问" in html
    assert re.findall(r'title="([^"]*)">\1</button>', html) == ["交通有什么规划？", "教育有什么规划？"]
    assert "data-" not in html  # the Chatbot's sanitiser would drop it


def test_an_answer_ends_with_follow_ups_and_no_timing() -> None:
    follow = ("从化区在交通方面有哪些举措？", "从化区在教育方面有哪些举措？")
    answer = Answer(
        "问？",
        "有[1]",
        False,
        "extractive",
        (Citation(1, chunk(1), "第1段"),),
        timings_ms={"total": 51.0},
        guidance=Guidance(follow_ups=follow),
    )
    html = answer_html(answer, 0)
    assert "接着问：" in html and re.findall(r'class="ask-chip" title="([^"]*)"', html) == list(follow)
    assert "用时" not in html and "0.05" not in html and '<div class="a-meta">原文摘录</div>' in html
    traditional = Answer(
        "問？", "有[1]", False, "extractive", answer.citations, guidance=Guidance(follow_ups=follow)
    )
    assert "接著問：" in answer_html(traditional, 0)


def test_a_notice_offers_nothing() -> None:
    notice = Answer("问", "提问有点频繁", True, "extractive", guidance=Guidance(follow_ups=("别的？",)))
    html = answer_html(notice, 0, notice=True)
    assert "ask-chip" not in html and "a-notice" in html
    assert "src-near" not in sources_html([Turn("问", refusal(), notice=True)])


def test_a_vote_is_one_row_that_its_comment_and_a_changed_mind_update_and_a_withdrawal_deletes(
    tmp_path: Path,
) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer = refusal()

    def rows() -> list[tuple[int, int, str]]:
        with sqlite3.connect(store.path) as conn:
            return conn.execute("SELECT id, vote, comment FROM feedback ORDER BY id").fetchall()

    row = store.record(answer, False, session="s", key="k")
    assert store.add_comment(row, " 没有回答我的问题 ")
    assert rows() == [(row, -1, "没有回答我的问题")]  # 👎 and its comment: one row
    assert store.record(answer, True, session="s", key="k") == row
    assert rows() == [(row, 1, "没有回答我的问题")]  # changed to 👍: the same row, the comment kept
    assert store.withdraw("s", "k") and rows() == []  # clicked off: nothing left
    again = store.record(answer, False, session="s", key="k")
    assert rows() == [(again, -1, "")]  # a new vote starts without the withdrawn one's comment
    assert not store.add_comment(row, "迟到的意见") and rows() == [(again, -1, "")]  # the old row is gone
