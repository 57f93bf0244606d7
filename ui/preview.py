"""The briefing draft as HTML for the preview: the Markdown subset the Word file uses, nothing more."""

from __future__ import annotations

import re
from html import escape

from qa.verify import printable

_NOTE_REF = re.compile(r"\[\^([\w-]+)\]")
_NOTE = re.compile(r"^\[\^([\w-]+)\]:\s*(.*)$")
_BLOCKS = (("### ", "h3"), ("## ", "h2"), ("# ", "h1"))


def _ref(match: re.Match[str]) -> str:
    key = match.group(1)  # [\w-]+: safe inside an attribute
    return f'<sup class="fn-ref"><a href="#brief-note-{key}" id="brief-ref-{key}">{key}</a></sup>'


def _inline(text: str) -> str:
    """Escaped text with footnote references [^n] as superscript links to their notes; no other markup."""
    return _NOTE_REF.sub(_ref, escape(printable(text)))


def brief_preview_html(markdown: str) -> str:
    """The draft as HTML in the briefing Markdown subset the Word file uses (#, ##, ###, -, >, [^n]).

    The draft quotes the plans, and a plan can hold Markdown of its own: rendered as Markdown, a quoted
    ![](https://…) would make every reader's browser fetch an outside address. Here a line's text is only
    ever text: there is no image, link or HTML syntax to render. The only links are our own, from each
    footnote reference to its note in the numbered list at the end and back.
    """
    out: list[str] = []
    block = ""  # the open <ul>, <blockquote> or <ol> of notes

    def close() -> None:
        nonlocal block
        if block:
            out.append(f"</{block}>")
            block = ""

    for raw in markdown.splitlines():
        line = raw.rstrip()
        note = _NOTE.match(line)
        if line.startswith(("- ", "* ")):
            if block != "ul":
                close()
                out.append("<ul>")
                block = "ul"
            out.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if note:
            if block != "ol":
                close()
                out.append('<ol class="brief-notes">')
                block = "ol"
            key = note.group(1)
            back = f'<a href="#brief-ref-{key}" class="fn-back" aria-label="返回正文">↩</a>'
            number = f' value="{key}"' if key.isdigit() else ""  # the list counts as the draft numbers
            out.append(f'<li id="brief-note-{key}"{number}>{_inline(note.group(2))} {back}</li>')
            continue
        if line.startswith(">"):
            if block != "blockquote":
                close()
                out.append("<blockquote>")
                block = "blockquote"
            else:
                out.append("<br>")
            out.append(_inline(line[1:].lstrip()))
            continue
        close()
        heading = next(((tag, line[len(mark) :]) for mark, tag in _BLOCKS if line.startswith(mark)), None)
        if heading:
            out.append(f"<{heading[0]}>{_inline(heading[1])}</{heading[0]}>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    close()
    return "".join(out)
