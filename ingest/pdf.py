"""A PDF's text as its paragraphs, from each character's position on the page.

pdfium (pypdfium2) gives the characters and their boxes, fast; a page that draws rules may hold a table,
which pdfplumber finds (slower, so only there) and which becomes one line per row (ingest.tables). The
lines become paragraphs in ingest.layout. A page with no text layer is read by OCR (ingest.ocr) when
Tesseract is installed; otherwise the file fails saying so: it is never indexed silently empty.
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Any

from ingest.layout import Line, drop_running, paragraphs
from ingest.limits import LoadError, Pages, ReadLimits
from ingest.ocr import ocr_available, ocr_page
from ingest.tables import row_sentences

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WORD_CHAR = re.compile(r"[A-Za-z0-9.%:]")
_OPENERS = "“‘「『（(〔【《〈[{"
TABLE_RULES = range(4, 3000)  # path objects (rules, boxes) of a page searched for tables; more: a map


@dataclass(frozen=True, slots=True)
class Char:
    """One character with its box, in points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def _never_spaced(left: str, right: str) -> bool:
    """Han characters next to digits: a gap between them is letter spacing, never a space."""
    han = bool(_HAN.match(left)), bool(_HAN.match(right))
    return any(han) and not all(han) and (left.isdigit() or right.isdigit())


def line_text(chars: list[Char]) -> str:
    """A line's characters left to right, with a space where the PDF has one or leaves one's width.

    A gap is a space when it is wider than the line's usual gap by a quarter of a character (Latin words:
    by 0.15): justified or letter-spaced Han text has wide gaps everywhere, and they are not spaces.
    """
    visible: list[Char] = []
    for char in chars:
        if visible and char.text == visible[-1].text and abs(char.x0 - visible[-1].x0) < 1:
            continue  # drawn twice to look bold
        visible.append(char)
    gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(visible) if not (a.text + b.text).isspace()]
    usual = statistics.median(gaps) if gaps else 0.0
    out: list[str] = []
    for i, char in enumerate(visible):
        if char.text.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if i and out and out[-1] != " ":
            before = visible[i - 1]
            latin = bool(_ASCII_WORD.match(before.text) and _ASCII_WORD.match(char.text))
            wide = char.x0 - before.x1 - usual > (0.15 if latin else 0.25) * char.size
            if wide and not _never_spaced(before.text, char.text):
                out.append(" ")
        out.append(char.text)
    return "".join(out).strip()


def _lead(chars: list[Char]) -> float:
    """Width of what a wrap moved down at least: the first word (a Latin word or a Han character) with
    the opening quotes and brackets before it, which never end a line."""
    start = 0
    while start < len(chars) - 1 and chars[start].text in _OPENERS:
        start += 1
    end = start + 1
    if _ASCII_WORD.match(chars[start].text):
        while end < len(chars) and _WORD_CHAR.match(chars[end].text):
            end += 1
    return chars[end - 1].x1 - chars[0].x0


def group_lines(chars: list[Char]) -> list[Line]:
    """Characters into lines: those whose middles lie within half a character of each other's, by height."""
    rows: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: (c.top + c.bottom) / 2):
        middle = (char.top + char.bottom) / 2
        if rows:
            first = rows[-1][0]
            if abs(middle - (first.top + first.bottom) / 2) <= 0.5 * max(first.size, char.size, 1.0):
                rows[-1].append(char)
                continue
        rows.append([char])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c.x0)
        visible = [c for c in row if not c.text.isspace()]
        text = line_text(row)
        if not visible or not text:
            continue
        size = statistics.median(c.size for c in visible)
        x0, x1 = visible[0].x0, max(c.x1 for c in visible)
        lines.append(Line(text, x0, x1, min(c.top for c in visible), size, lead=_lead(visible)))
    return lines


def page_chars(page: Any, height: float) -> list[Char]:
    """The characters pdfium reads on a page (not the spaces and line breaks it makes up)."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        chars: list[Char] = []
        high = 0  # the first half of a UTF-16 surrogate pair (a character beyond the BMP, such as 𠮶)
        for i in range(textpage.count_chars()):
            code = raw.FPDFText_GetUnicode(textpage, i)
            if 0xD800 <= code < 0xDC00:
                high = code
                continue
            if 0xDC00 <= code < 0xE000:
                code, high = (0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00) if high else 0), 0
            if raw.FPDFText_IsGenerated(textpage, i) == 1 or code in (0, 0xFFFE, 0xFFFF) or code < 32:
                continue  # a lone half of a pair is dropped with them: it cannot be written as text
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            size = raw.FPDFText_GetFontSize(textpage, i) or (top - bottom)
            chars.append(Char(chr(code), left, right, height - top, height - bottom, size))
        return chars
    finally:
        textpage.close()


def _draws_rules(page: Any) -> bool:
    import pypdfium2.raw as raw

    paths = 0
    for item in page.get_objects(max_depth=1):
        paths += item.type == raw.FPDF_PAGEOBJ_PATH
        if paths >= TABLE_RULES.stop:
            return False  # a drawing: pdfplumber would take minutes over its curves, and find no table
    return paths in TABLE_RULES


def _tables(data: bytes, index: int, plumber: dict[str, Any]) -> list[tuple[tuple[float, ...], list[str]]]:
    """The bounding boxes and row lines of the ruled tables pdfplumber finds on one page."""
    import pdfplumber

    if "pdf" not in plumber:
        plumber["pdf"] = pdfplumber.open(io.BytesIO(data))
    page = plumber["pdf"].pages[index]
    tables = [(t.bbox, t.extract()) for t in page.find_tables()]
    # a box round a single cell is a frame (a 专栏, a note), not a table
    return [(box, row_sentences(rows)) for box, rows in tables if max(map(len, rows), default=0) >= 2]


def _inside(char: Char, box: tuple[float, ...]) -> bool:
    x, y = (char.x0 + char.x1) / 2, (char.top + char.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def read_page(data: bytes, page: Any, index: int, plumber: dict[str, Any]) -> list[Line]:
    """A page's text lines and tables, top to bottom."""
    height = page.get_height()
    chars = page_chars(page, height)
    tables = _tables(data, index, plumber) if chars and _draws_rules(page) else []
    items = [Line("", box[0], box[2], box[1], 0.0, tuple(rows)) for box, rows in tables if rows]
    loose = [c for c in chars if not any(_inside(c, box) for box, _ in tables)]
    return sorted(items + group_lines(loose), key=lambda line: line.top)


def read_pdf(data: bytes, limits: ReadLimits) -> Pages:
    """A PDF's paragraphs, page by page; more pages than allowed is refused before any is read."""
    import pypdfium2

    plumber: dict[str, Any] = {}  # pdfplumber's copy of the file, opened for the first page with rules
    try:
        pdf = pypdfium2.PdfDocument(data)
    except (pypdfium2.PdfiumError, ValueError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF: {exc}") from exc
    try:
        count = len(pdf)
        if count > limits.pdf_pages:
            raise LoadError(
                f"PDF has {count} pages, more than the {limits.pdf_pages} allowed (PLANQA_MAX_PDF_PAGES)"
            )
        pages: list[list[Line]] = []
        widths: list[float] = []
        scanned: list[int] = []
        for index in range(count):
            page = pdf[index]
            try:
                lines = read_page(data, page, index, plumber)
                widths.append(page.get_width())
                if not lines and _has_image(page):
                    scanned.append(index + 1)
                    if ocr_available():
                        lines = ocr_page(page)
            finally:
                page.close()
            pages.append(lines)
    except (pypdfium2.PdfiumError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF: {exc}") from exc
    finally:
        pdf.close()
        if "pdf" in plumber:
            plumber["pdf"].close()
    if scanned and not ocr_available():
        listed = ", ".join(map(str, scanned[:20])) + (" …" if len(scanned) > 20 else "")
        raise LoadError(
            f"scanned, no text layer on {len(scanned)} of {count} pages ({listed}), and no OCR installed "
            "(apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra)"
        )
    return paragraphs(drop_running(pages), widths)


def _has_image(page: Any) -> bool:
    import pypdfium2.raw as raw

    return any(o.type == raw.FPDF_PAGEOBJ_IMAGE for o in page.get_objects(max_depth=2))
