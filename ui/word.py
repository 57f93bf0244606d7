"""A briefing's Markdown as a Word document, its footnote citations as real Word endnotes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

_REF = re.compile(r"\[\^([\w-]+)\]")
_DEFINITION = re.compile(r"^\[\^([\w-]+)\]:\s*(.*)$")
_ENDNOTES = (
    f"<w:endnotes {nsdecls('w')}>"
    '<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:endnote>'
    '<w:endnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:endnote></w:endnotes>"
)
AUTHOR = "PlanQA"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian(style: Any, font: str, size: float | None = None) -> None:
    style.font.name = font
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if size:
        style.font.size = Pt(size)


def _superscript_run(child: str, note_id: int | None = None) -> Any:
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    align = OxmlElement("w:vertAlign")
    align.set(qn("w:val"), "superscript")
    props.append(align)
    run.append(props)
    mark = OxmlElement(child)
    if note_id is not None:
        mark.set(qn("w:id"), str(note_id))
    run.append(mark)
    return run


class EndnoteWriter:
    """Adds an endnotes part to a document and numbered endnotes to it."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.element = parse_xml(_ENDNOTES)
        part = XmlPart(PackURI("/word/endnotes.xml"), CT.WML_ENDNOTES, self.element, document.part.package)
        document.part.relate_to(part, RT.ENDNOTES)
        decimal = parse_xml(f'<w:endnotePr {nsdecls("w")}><w:numFmt w:val="decimal"/></w:endnotePr>')
        document.sections[0]._sectPr.insert(0, decimal)  # Word numbers endnotes i, ii, iii by default
        self.count = 0

    def add(self, paragraph: Any, text: str) -> None:
        """Put an endnote reference at the end of a paragraph, with the note's text at the document's end."""
        self.count += 1
        paragraph._p.append(_superscript_run("w:endnoteReference", self.count))
        note = OxmlElement("w:endnote")
        note.set(qn("w:id"), str(self.count))
        p = OxmlElement("w:p")
        p.append(_superscript_run("w:endnoteRef"))
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = " " + text
        run.append(t)
        p.append(run)
        note.append(p)
        self.element.append(note)


def _inline(paragraph: Any, text: str, notes: dict[str, str], endnotes: EndnoteWriter) -> None:
    """Add text to a paragraph, turning each [^id] with a definition into an endnote."""
    last = 0
    for match in _REF.finditer(text):
        if match.group(1) not in notes:
            continue
        if match.start() > last:
            paragraph.add_run(text[last : match.start()])
        endnotes.add(paragraph, notes[match.group(1)])
        last = match.end()
    if last < len(text):
        paragraph.add_run(text[last:])


def markdown_docx(markdown: str, title: str = "") -> bytes:
    """Render the briefing Markdown subset (#, ##, ###, -, >, [^n] notes) as .docx bytes.

    The core properties name the document (title, else the first heading) and PlanQA as its author, not
    python-docx's template; a draft whose own title heading was deleted still opens with a title.
    """
    lines = markdown.splitlines()
    notes = {m.group(1): m.group(2) for m in map(_DEFINITION.match, lines) if m}
    heading = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    document = Document()
    props = document.core_properties
    props.title = title or heading
    props.author = props.last_modified_by = AUTHOR
    props.comments = props.subject = props.keywords = ""
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None)  # not the template's 2013
    props.revision = 1
    if not heading and props.title:
        document.add_heading(props.title, level=0)
    _east_asian(document.styles["Normal"], BODY_FONT, 11)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(document.styles[name], HEADING_FONT)
        document.styles[name].font.color.rgb = RGBColor(0x1F, 0x2D, 0x3D)
    styles = {s.name for s in document.styles}
    endnotes = EndnoteWriter(document)
    quote: Any = None
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.startswith(">"):
            quote = None
        if not line.strip() or _DEFINITION.match(line):
            continue
        if line.startswith("## ") and _only_notes_follow(lines[i + 1 :]):
            continue  # the notes heading: Word lists endnotes at the end by itself
        if line.startswith("# "):
            _inline(document.add_heading(level=0), line[2:], notes, endnotes)
        elif line.startswith("## "):
            _inline(document.add_heading(level=1), line[3:], notes, endnotes)
        elif line.startswith("### "):
            _inline(document.add_heading(level=2), line[4:], notes, endnotes)
        elif line.startswith(("- ", "* ")):
            _inline(document.add_paragraph(style="List Bullet"), line[2:], notes, endnotes)
        elif line.startswith(">"):
            text = line[1:].lstrip()
            if quote is None:
                quote = document.add_paragraph(style="Quote" if "Quote" in styles else None)
            else:
                quote.add_run().add_break()
            _inline(quote, text, notes, endnotes)
        else:
            _inline(document.add_paragraph(), line, notes, endnotes)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _only_notes_follow(rest: list[str]) -> bool:
    body = [line for line in rest if line.strip()]
    for line in body:
        if line.startswith("#"):
            return False
        if not _DEFINITION.match(line):
            return False
    return bool(body)


def write_docx(markdown: str, out: Path, title: str = "") -> Path:
    """Write the briefing Markdown as a Word file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(markdown_docx(markdown, title))
    return out
