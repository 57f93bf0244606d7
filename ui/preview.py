"""The briefing draft as HTML for the preview: the Markdown subset the Word file uses, nothing more."""

from __future__ import annotations

import re
from html import escape

from qa.verify import printable

_NOTE_REF = re.compile(r"\[\^([\w-]+)\]")
_NOTE = re.compile(r"^\[\^([\w-]+)\]:\s*(.*)$")
_BLOCKS = (("### ", "h3"), ("## ", "h2"), ("# ", "h1"))


def _inline(text: str) -> str:
    """Escaped text with footnote references [^n] as superscripts; nothing else becomes markup."""
    return _NOTE_REF.sub(r"<sup>[\1]</sup>", escape(printable(text)))


def brief_preview_html(markdown: str) -> str:
    """The draft as HTML in the briefing Markdown subset the Word file uses (#, ##, ###, -, >, [^n]).

    The draft quotes the plans, and a plan can hold Markdown of its own: rendered as Markdown, a quoted
    ![](https://…) would make every reader's browser fetch an outside address. Here a line's text is only
    ever text: there is no image, link or HTML syntax to render.
    """
    out: list[str] = []
    block = ""  # the open <ul> or <blockquote>

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
        elif note:
            out.append(f'<p class="note"><sup>[{escape(note.group(1))}]</sup> {_inline(note.group(2))}</p>')
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    close()
    return "".join(out)
