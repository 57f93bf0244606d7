"""HTML for the chat: questions, answers with citation chips, the sources panel.

Every piece of user or document text goes through html.escape; the only tags are the ones written here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from uuid import uuid4

from qa.prompts import NEAREST, phrase
from qa.redirect import Switch
from qa.script import detect_script, to_script
from qa.suggest import NEXT, SPLIT, SWITCH, Guidance, plans_line, switch_line
from qa.types import Answer, Chunk, Citation, Script
from qa.verify import printable

_MARKER = re.compile(r"\[(\d{1,3})\]")
_BOOK_ICON = (
    '<svg class="src-empty-icon" viewBox="0 0 24 24" width="32" height="32" fill="none" '
    'stroke="currentColor" stroke-width="1.5" aria-hidden="true">'
    '<path d="M4 4.5A1.5 1.5 0 0 1 5.5 3H20v16H5.5A1.5 1.5 0 0 0 4 20.5z"/>'
    '<path d="M4 20.5A1.5 1.5 0 0 0 5.5 22H20"/><path d="M8 7.5h8M8 11h5"/></svg>'
)
BACKEND_LABELS = {"extractive": "原文摘录", "openai": "生成式回答", "llamacpp": "生成式回答"}


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange of a chat session; a notice (rate limit) is shown but never sent to the chain."""

    question: str
    answer: Answer
    district: str | None = None
    notice: bool = False
    key: str = field(default_factory=lambda: uuid4().hex)  # names the answer for its one vote


def line_of(chunk: Chunk, offset: int) -> int:
    """The document line number of a character offset inside a chunk."""
    return chunk.line_start + chunk.text.count("\n", 0, max(offset, 0))


def quote_line(citation: Citation) -> int:
    """The document line on which a citation's quote starts."""
    return line_of(citation.chunk, citation.chunk.text.find(citation.quote))


def source_id(turn: int, n: int) -> str:
    """The element id of one cited passage in the sources panel."""
    return f"src-{turn}-{n}"


def _lines(text: str) -> str:
    """Escape text and keep its line breaks (on one HTML line, so no Markdown is applied to it).

    Every kind of line break (\\r, \\u2028, …) becomes <br>: one left in the text could end the HTML block,
    and Markdown would then turn a [link](…) or ![image](…) after it into markup. "$" becomes an entity so
    the Chatbot's KaTeX does not typeset "$$…$$" from a question or a source.
    """
    return "<br>".join(escape(line).replace("$", "&#36;") for line in printable(text).split("\n"))


def question_html(text: str) -> str:
    """A user's question as it appears in the chat."""
    return f'<div class="q-text">{_lines(text)}</div>'


def answer_html(answer: Answer, turn: int, notice: bool = False) -> str:
    """An answer with each known [n] turned into a chip that opens its source, and what to ask next.

    A refusal shows its nearest sections as chips that open them in the sources panel, the plans covered,
    and questions to ask instead; the time taken stays out of the page (the API reports it).
    """
    known = {c.n: c for c in answer.citations}

    def chip(match: re.Match[str]) -> str:
        n = int(match.group(1))
        citation = known.get(n)
        if citation is None:
            return match.group(0)
        where = escape(f"{citation.chunk.district} · {citation.chunk.section}", quote=True)
        return (
            f'<a class="cite-chip" href="#{source_id(turn, n)}" title="{where}" aria-label="来源 {n}">{n}</a>'
        )

    guidance = None if notice else answer.guidance
    meta = (
        ""
        if notice
        else f'<div class="a-meta">{escape(BACKEND_LABELS.get(answer.backend, answer.backend))}</div>'
    )
    if answer.refused and guidance is not None:
        return _refusal_html(answer, guidance, turn) + meta
    # a [n] inside a 「quote」 is the plan's own text, not a reference
    parts = re.split(r"(「[^」]*」)", _lines(answer.text))
    body = "".join(p if p.startswith("「") else _MARKER.sub(chip, p) for p in parts)
    kind = "a-notice" if notice else ("a-refused" if answer.refused else "a-text")
    html = f'<div class="{kind}">{body}</div>'
    if guidance is not None:
        html += _leads_html(answer.question, guidance, detect_script(answer.question), follow_ups=True)
    return html + meta


def near_id(turn: int, k: int) -> str:
    """The element id of a refusal's k-th nearest section in the sources panel."""
    return f"src-{turn}-near{k}"


def _refusal_html(answer: Answer, guidance: Guidance, turn: int) -> str:
    """A refusal: the phrase, nearest sections as chips, the plans covered, and where to ask instead."""
    script = detect_script(answer.question)
    html = f'<div class="a-refused">{_lines(answer.text.split(chr(10), 1)[0])}</div>'
    if guidance.nearest:
        chips = "".join(_near_chip(c, turn, k) for k, c in enumerate(guidance.nearest, 1))
        html += _row("a-near", phrase(NEAREST, script), chips)
    if guidance.plans:
        html += f'<div class="a-plans">{_lines(plans_line(guidance.plans, script))}</div>'
    return html + _leads_html(answer.question, guidance, script, follow_ups=False)


def _near_chip(chunk: Chunk, turn: int, k: int) -> str:
    heading = _clip((chunk.section_path[-1] if chunk.section_path else chunk.title).rstrip("。"), 24)
    return (
        f'<a class="cite-chip near-chip" href="#{near_id(turn, k)}" title="{_attr(chunk.section)}">'
        f"{escape(chunk.district)} · {escape(heading)}（第{chunk.line_start}行）</a>"
    )


def _attr(text: str) -> str:
    return escape(printable(text), quote=True)


def _row(kind: str, label: str, content: str) -> str:
    return f'<div class="{kind}"><span class="a-label">{escape(label)}</span>{content}</div>'


def ask_chip(question: str, label: str = "", switch: Switch | None = None) -> str:
    """A button that asks a question (in another district's plan when `switch` is given).

    The Chatbot's sanitiser drops data-* attributes, so the question rides in `title` (also its tooltip)
    and the district in `value` (its id) and `name` (its name, for a scope shown by name).
    """
    district = ""
    if switch is not None:
        district = f' value="{_attr(switch.doc_id)}" name="{_attr(switch.district)}"'
    return (
        f'<button type="button" class="ask-chip" title="{_attr(question)}"{district}>'
        f"{escape(label or question)}</button>"
    )


def _leads_html(question: str, guidance: Guidance, script: Script, follow_ups: bool) -> str:
    """Questions to ask next: in another district's plan, a broad question's parts, neighbouring sections."""
    html = ""
    for switch in guidance.switch:
        label = phrase(SWITCH, script).format(district=to_script(switch.district, script))
        line = _lines(switch_line(switch, script))
        html += f'<div class="a-switch">{line}{ask_chip(question, label, switch)}</div>'
    if guidance.parts:
        html += _row("a-next a-parts", phrase(SPLIT, script), "".join(ask_chip(p) for p in guidance.parts))
    if follow_ups and guidance.follow_ups:
        html += _row("a-next", phrase(NEXT, script), "".join(ask_chip(q) for q in guidance.follow_ups))
    return html


def pending_html(text: str = "") -> str:
    """An answer still being written (streamed text) or awaited."""
    if not text:
        return '<div class="a-pending">正在查阅规划原文…</div>'
    return f'<div class="a-text">{_lines(text)}<span class="caret"></span></div>'


def highlighted(chunk: Chunk, quote: str) -> str:
    """The chunk text, escaped, with the quoted span marked."""
    start = chunk.text.find(quote) if quote else -1
    if start < 0:
        return _lines(chunk.text)
    end = start + len(quote)
    return (
        _lines(chunk.text[:start])
        + f"<mark>{_lines(chunk.text[start:end])}</mark>"
        + _lines(chunk.text[end:])
    )


def citation_card(citation: Citation, turn: int, is_open: bool) -> str:
    """One cited passage: plan title, section path and line, the quote highlighted in its chunk."""
    chunk = citation.chunk
    attrs = ' open=""' if is_open else ""
    return (
        f'<details class="src-card" id="{source_id(turn, citation.n)}"{attrs}>'
        f'<summary><span class="src-n">{citation.n}</span>'
        f'<span class="src-where"><span class="src-district">{escape(chunk.district)}</span>'
        f'<span class="src-section">{escape(chunk.section or chunk.title)}</span></span></summary>'
        f'<div class="src-meta">《{escape(chunk.title)}》 · 第 {quote_line(citation)} 行</div>'
        f'<div class="src-text">{highlighted(chunk, citation.quote)}</div>'
        "</details>"
    )


def near_card(chunk: Chunk, turn: int, k: int) -> str:
    """One of a refusal's nearest sections: plan, section path and line, and its text (folded)."""
    return (
        f'<details class="src-card src-near" id="{near_id(turn, k)}">'
        f'<summary><span class="src-n">近</span>'
        f'<span class="src-where"><span class="src-district">{escape(chunk.district)}</span>'
        f'<span class="src-section">{escape(chunk.section or chunk.title)}</span></span></summary>'
        f'<div class="src-meta">《{escape(chunk.title)}》 · 第 {chunk.line_start} 行</div>'
        f'<div class="src-text">{_lines(chunk.text)}</div>'
        "</details>"
    )


def sources_html(turns: Sequence[Turn]) -> str:
    """The sources panel: passages cited in the conversation (and a refusal's nearest), latest first."""
    groups: list[str] = []
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        guidance = None if turn.notice else turn.answer.guidance
        near = guidance.nearest if guidance is not None and turn.answer.refused else ()
        if not turn.answer.citations and not near:
            continue
        latest = not groups
        cards = "".join(citation_card(c, index, latest) for c in turn.answer.citations)
        cards += "".join(near_card(c, index, k) for k, c in enumerate(near, 1))
        head = f'<div class="src-question">问：{escape(_clip(turn.question, 40))}</div>'
        groups.append(f'<section class="src-group">{head}{cards}</section>')
    if not groups:
        return (
            f'<div class="src-empty">{_BOOK_ICON}'
            '<p>回答中的 <span class="cite-chip demo">1</span> 等编号对应规划原文出处，'
            "点击编号即可在此查看原文段落、章节与行号。</p></div>"
        )
    return "".join(groups)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
