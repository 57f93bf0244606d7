"""Property tests: any text loads or fails clearly, outlines account for every line, chunks cover the body."""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path

import docx
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ingest.load import LoadError, load_document
from ingest.outline import _toc_key, heading_level, headings, is_glossary_marker, is_toc_marker, parse_outline
from ingest.split import split_document
from qa.script import to_simplified
from qa.types import PATH_SEP, LoadedDocument, SourceLine
from tests.plan_text import BOM, HAN, LINE, PUNCT, SPACES, TEXTS, WORDS, budget
from tests.test_load import make_pdf


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory the examples of this module overwrite."""
    return tmp_path_factory.mktemp("properties")


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def normalised(text: str) -> str:
    """What loading makes of decoded text: BOM dropped, line endings unified, trailing whitespace cut."""
    lines = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines)


def is_control(char: str) -> bool:
    return ord(char) < 32 or 0x7F <= ord(char) < 0xA0 or char == "\ufffd"


def check_lines(doc: LoadedDocument) -> None:
    """The lines tile the text: numbered from 1, each at its offset, separated by one newline."""
    assert "\r" not in doc.text
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    assert "\n".join(line.text for line in doc.lines) == doc.text
    offset = 0
    for number, line in enumerate(doc.lines, start=1):
        assert (line.number, line.start) == (number, offset)
        assert doc.text[line.start : line.end] == line.text == line.text.rstrip()
        offset = line.end + 1


def check_refusal(exc: LoadError, expected: str, data: bytes) -> None:
    """A refusal of text is one of three, and its reason holds."""
    reason = str(exc)
    if reason.startswith("empty"):
        assert expected.isspace() or not expected
    elif reason.startswith("binary file"):
        assert b"\x00" in data
    else:
        assert reason == "binary or corrupt text (too many control characters)"
        assert any(is_control(c) for c in expected)


def load_text(folder: Path, text: str) -> LoadedDocument:
    """Load text through the real loader; texts the loader refuses are not examples."""
    try:
        return load_document(write(folder, "plan.txt", text.encode("utf-8")))
    except LoadError:
        assume(False)
        raise


@budget(150)
@given(text=TEXTS | st.text(), bom=st.booleans(), suffix=st.sampled_from([".txt", ".md"]))
@example(text="第一章 总则\r\n经济增长。\r\r\n\t \n", bom=True, suffix=".txt")
@example(text=BOM + "\x00x", bom=False, suffix=".md")
def test_utf8_text_loads_normalised_or_fails_clearly(
    scratch: Path, text: str, bom: bool, suffix: str
) -> None:
    data = (BOM + text if bom else text).encode("utf-8")
    expected = normalised(BOM + text if bom else text)
    try:
        doc = load_document(write(scratch, "plan" + suffix, data))
    except LoadError as exc:
        check_refusal(exc, expected, data)
        return
    assert doc.text == expected
    check_lines(doc)


@budget(80)
@given(text=TEXTS)
def test_gb18030_text_loads_or_fails_clearly(scratch: Path, text: str) -> None:
    try:
        doc = load_document(write(scratch, "plan.txt", text.encode("gb18030")))
    except LoadError:
        return
    check_lines(doc)
    if text.isascii():
        assert doc.text == normalised(text)


@budget(40)
@given(plan=st.sampled_from(["conghua", "liwan"]), start=st.integers(0, 10**6), length=st.integers(60, 1500))
def test_gb18030_plan_text_round_trips(
    scratch: Path, docs: dict[str, LoadedDocument], plan: str, start: int, length: int
) -> None:
    text = docs[plan].text
    start %= len(text) - length
    sample = text[start : start + length]
    doc = load_document(write(scratch, "plan.txt", sample.encode("gb18030")))
    assert doc.text == normalised(sample)


def test_gb18030_text_that_detection_gives_up_on_still_loads(
    scratch: Path, docs: dict[str, LoadedDocument]
) -> None:
    text = docs["conghua"].text
    start = text.index("发展质量、结构、规模、速度、效益、安全相统一。")
    sample = text[start : start + 200]  # charset_normalizer finds no encoding for these bytes
    assert load_document(write(scratch, "plan.txt", sample.encode("gb18030"))).text == sample


@budget(80)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".html", ".pdf", ".docx"]))
def test_any_bytes_load_or_fail_clearly(scratch: Path, data: bytes, suffix: str) -> None:
    try:
        doc = load_document(write(scratch, "plan" + suffix, data))
    except LoadError:
        return
    check_lines(doc)


MARKUP = st.sampled_from(
    "<p> </p> <br> <br/> <div> </div> <table> <tr> <td> </td> <th> </tr> <script> </script> <style> <b> "
    "</b> <h1> <!-- --> <![CDATA[ ]]> &amp; &nbsp; &#0; &#xD800; &#x1F600; &#12288; <html> <head> "
    '<meta charset="gbk"> <meta charset="utf-8"> <title> <li> <pre> </pre> <?xml version="1.0"?> <'.split(" ")
)


@budget(100)
@given(parts=st.lists(MARKUP | WORDS | LINE, max_size=30))
@example(parts=["<p>", "第一章", "&#xD800;", "</p>"])
def test_html_loads_or_fails_clearly(scratch: Path, parts: list[str]) -> None:
    try:
        doc = load_document(write(scratch, "plan.html", "".join(parts).encode("utf-8")))
    except LoadError:
        return
    check_lines(doc)
    assert all(line.text and line.text == line.text.strip() for line in doc.lines)


XML_TEXT = st.text(  # what a Word paragraph may hold: XML characters, tabs and breaks
    st.one_of(
        st.sampled_from(HAN * 3 + PUNCT + SPACES + "\n"), st.characters(codec="utf-8", min_codepoint=32)
    ),
    max_size=40,
).filter(lambda s: "\ufffe" not in s and "\uffff" not in s)


@budget(15)
@given(paragraphs=st.lists(XML_TEXT, max_size=8))
def test_docx_paragraphs_load_line_for_line(scratch: Path, paragraphs: list[str]) -> None:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    path = scratch / "plan.docx"
    document.save(str(path))
    expected = normalised("\n".join(paragraphs))
    try:
        doc = load_document(path)
    except LoadError as exc:
        check_refusal(exc, expected, b"")
        return
    assert doc.text == expected
    check_lines(doc)


PDF_TEXT = st.text(
    st.sampled_from("发展经济规划建设区域城市产业创新生态环境保护第一章节、。，；：abcXYZ0123456789 "),
    max_size=30,
)


@budget(10)
@given(pages=st.lists(st.lists(PDF_TEXT, max_size=6), min_size=1, max_size=3))
def test_pdf_text_loads_page_by_page(scratch: Path, pages: list[list[str]]) -> None:
    # page furniture is dropped by design (ingest.layout): no page numbers, no line on three pages
    assume(not any(line.strip().isdigit() for lines in pages for line in lines))
    assume(len(pages) < 3 or not set.intersection(*({line.strip() for line in lines} for lines in pages)))
    path = scratch / "plan.pdf"
    make_pdf(path, pages)
    drawn = ["".join("".join(lines).split()) for lines in pages]
    try:
        doc = load_document(path)
    except LoadError as exc:
        check_refusal(exc, "".join(drawn), b"")
        return
    check_lines(doc)
    # all the text, in order; a paragraph that runs on over a page break is read on the page it starts
    assert "".join("".join(x.text for x in doc.lines).split()) == "".join(drawn)
    page_of = [number for number, visible in enumerate(drawn, start=1) for _ in visible]  # each character's
    at = 0
    for line in doc.lines:
        visible = "".join(line.text.split())
        if visible:
            assert line.page == page_of[at]
            at += len(visible)


def headingish(text: str) -> bool:
    """Whether a line could be a heading or an outline marker, whatever precedes it."""
    marked = re.match(r"#{1,6}\s+\S", text.strip()) is not None  # a Markdown heading ("# 0") by its marks
    return marked or heading_level(text) is not None or is_glossary_marker(text) or is_toc_marker(text)


@budget(200)
@given(text=TEXTS)
@example(text="专栏1 重点项目\n目录\n1.发展基础\n2.总体要求\n正文。\n")  # a box does not reach into the TOC
@example(text="名词解释\nCBD:中央商务区\n目录\n说明文字\n")  # a TOC ends a glossary entry
def test_outline_accounts_for_every_line(scratch: Path, text: str) -> None:
    doc = load_text(scratch, text)
    blocks = parse_outline(doc)
    numbers = [line.number for block in blocks for line in block.lines]
    assert numbers == sorted(set(numbers)), "blocks overlap or are out of order"
    for block in blocks:
        assert block.lines and block.path and all(part.strip() for part in block.path)
        assert all(doc.lines[x.number - 1] == x and x.text.strip() for x in block.lines)
        between = doc.lines[block.lines[0].number - 1 : block.lines[-1].number]
        assert [x for x in between if x.text.strip()] == list(block.lines), "a block spans another line"
        if block.kind == "glossary":
            assert block.term == block.path[-1] and block.lines[0].text.strip().startswith(block.term)
    found = headings(doc)
    assert all(heading_level(h.line.text) == h.level for h in found)
    kept = set(numbers) | {h.line.number for h in found}
    assert len(kept) == len(numbers) + len(found), "a heading line is also body"
    # every other non-blank line is a TOC/glossary marker or an entry of a table of contents, which is
    # the run of heading-like lines right after 目录, ended by body text or by its first entry coming round
    visible = [x for x in doc.lines if x.text.strip()]
    toc_entries: set[int] = set()
    for i, line in enumerate(visible):
        if not is_toc_marker(line.text):
            continue
        rest, run = visible[i + 1 :], list[SourceLine]()
        for x in rest:
            if (
                x.number in kept
                or is_toc_marker(x.text)
                or (run and _toc_key(x.text) == _toc_key(run[0].text))
            ):
                break
            run.append(x)
        assert all(headingish(x.text) for x in run)
        following = rest[len(run)] if len(run) < len(rest) else None
        if following is not None and headingish(following.text) and not is_toc_marker(following.text):
            assert run and _toc_key(following.text) == _toc_key(run[0].text), "the TOC ended early"
        toc_entries.update(x.number for x in run)
    for line in visible:
        if line.number not in kept and line.number not in toc_entries:
            assert is_toc_marker(line.text) or is_glossary_marker(line.text), line


def test_toc_key_of_a_long_line_is_fast_and_drops_leaders_and_page() -> None:
    assert _toc_key("第一章 发展基础……12") == _toc_key("第一章\u3000发展基础 . . 3") == "第一章 发展基础"
    assert _toc_key("附件2 ·· 名词解释 —— ") == "附件2 ·· 名词解释"
    assert _toc_key("第2章 2025年") == "第2章 2025年"
    assert _toc_key("第一章" + " ." * 100_000 + "x").endswith(". .x")  # was quadratic: minutes


@budget(200)
@given(text=TEXTS, size=st.integers(80, 600), overlap=st.integers(0, 5))
@example(text="第一章 总则\n" + "发展 " * 200, size=80, overlap=1)  # a hard cut lands on a space
@example(text="名词解释\n  CBD:中央商务区。\n", size=400, overlap=1)  # an indented glossary entry
def test_chunks_are_verbatim_sized_sectioned_and_cover_the_body(
    scratch: Path, text: str, size: int, overlap: int
) -> None:
    doc = load_text(scratch, text)
    blocks = parse_outline(doc)
    chunks = split_document(doc, blocks, size=size, overlap=overlap)
    owner = {line.number: i for i, block in enumerate(blocks) for line in block.lines}
    covered = bytearray(len(doc.text))
    for chunk in chunks:
        assert chunk.text and chunk.text == doc.text[chunk.char_start : chunk.char_end] == chunk.text.strip()
        assert chunk.kind == "glossary" or len(chunk.text) <= size
        first, last = doc.lines[chunk.line_start - 1], doc.lines[chunk.line_end - 1]
        assert first.start <= chunk.char_start < first.end and last.start < chunk.char_end <= last.end
        spanned = {
            owner.get(n) for n in range(chunk.line_start, chunk.line_end + 1) if doc.lines[n - 1].text.strip()
        }
        assert len(spanned) == 1, "a chunk crosses a section"
        (only,) = spanned
        assert only is not None, "a chunk covers a heading or TOC line"
        block = blocks[only]
        assert (block.path, block.kind, block.term) == (chunk.section_path, chunk.kind, chunk.term)
        if chunk.kind == "glossary":  # an entry is one chunk, whole
            assert (chunk.line_start, chunk.line_end) == (block.lines[0].number, block.lines[-1].number)
        assert chunk.norm == to_simplified(chunk.text)
        assert chunk.norm_path == to_simplified(PATH_SEP.join(chunk.section_path))
        covered[chunk.char_start : chunk.char_end] = b"\x01" * len(chunk.text)
    for before, after in itertools.pairwise(c for c in chunks if c.kind == "body"):
        if before.section_path == after.section_path and after.char_start < before.char_end:
            assert overlap and after.char_start > before.char_start and after.char_end > before.char_end
    body = {line.number for block in blocks for line in block.lines}
    for line in doc.lines:
        missed = [i for i in range(line.start, line.end) if not covered[i] and not doc.text[i].isspace()]
        assert not missed or (line.number not in body and headingish(line.text)), line
    ids = [c.id for c in chunks]
    assert len(set(ids)) == len(ids)
    again = load_text(scratch, text)
    assert [c.id for c in split_document(again, parse_outline(again), size, overlap)] == ids
