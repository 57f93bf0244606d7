"""Hostile plan files, made on demand: what an attacker or a broken export could hand to `planqa ingest`.

Also readers that misbehave (hang, crash, eat memory) for the child process that reads files. This module
imports little at the top, since that child imports it to run them.
"""

from __future__ import annotations

import io
import os
import random
import signal
import struct
import time
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa.types import Chunk, DocumentInfo

GOOD_PLAN = (
    "某区国民经济和社会发展第十四个五年规划\n"
    "第一章 发展基础\n"
    "“十三五”期间，全区地区生产总值年均增长6.5%，城乡居民收入稳步提高，生态环境持续改善。\n"
    "第二章 总体要求\n"
    "坚持新发展理念，到2025年，城市道路网密度达到8公里/平方公里，建成区绿化覆盖率达到45%。\n"
)
NESTED_LEVELS = 100_000
MIB = 1 << 20
BOMB_MIB = 1024  # what the bomb's document.xml unpacks to: 1 GiB from under 2 MB
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A real Word document holding these paragraphs."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    """The members of a zip archive, in order."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _with_document_xml(document_xml: bytes) -> bytes:
    """A real Word document with its word/document.xml replaced."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in zip_members(docx_bytes(GOOD_PLAN.splitlines())):
            archive.writestr(name, document_xml if name == "word/document.xml" else data)
    return out.getvalue()


def torn_docx() -> bytes:
    """A Word document whose document.xml was cut in half (the archive itself is sound)."""
    whole = dict(zip_members(docx_bytes(GOOD_PLAN.splitlines())))["word/document.xml"]
    return _with_document_xml(whole[: len(whole) // 2])


def bodiless_docx() -> bytes:
    """A Word document whose document.xml is well formed but has no body (python-docx trips over it)."""
    return _with_document_xml(f'<?xml version="1.0"?><w:document xmlns:w="{WORD_NS}"/>'.encode())


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip archive written by hand from (name, deflated bytes, crc, declared size, compressed size)."""
    out = io.BytesIO()
    central = []
    for name, deflated, crc, size, packed in members:
        offset = out.tell()
        raw = name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(raw), 0)
        out.write(header + raw + deflated)
        fields = (0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, packed, size, len(raw), 0, 0, 0, 0, 0, offset)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", *fields) + raw)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    count = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@cache
def bomb_docx(*, lying: bool, mib: int = BOMB_MIB) -> bytes:
    """A Word document whose document.xml unpacks to `mib` MiB; a `lying` header says 4 KiB.

    After a full flush the compressor starts afresh, so one deflated MiB repeated is a valid stream of many.
    """
    block = (b'<?xml version="1.0"?>\n' + b"<w:br/>\n" * (MIB // 8))[:MIB]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = (packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)) * mib + packer.flush()
    size, crc = 4096, zlib.crc32(block[:4096])  # what a lying header says: its first 4 KiB check out
    if not lying:
        size, crc = mib * MIB, 0
        for _ in range(mib):
            crc = zlib.crc32(block, crc)
    members = []
    for name, data in zip_members(docx_bytes(["第一章 总则"])):
        if name == "word/document.xml":
            members.append((name, deflated, crc, size, len(deflated)))
        else:
            packed = _deflate(data)
            members.append((name, packed, zlib.crc32(data), len(data), len(packed)))
    return _zip(members)


def nested_html(levels: int = NESTED_LEVELS) -> bytes:
    """A web page whose plan text sits under `levels` nested block elements."""
    body = "".join(f"<p>{line}</p>" for line in GOOD_PLAN.splitlines())
    return ("<html><body>" + "<div>" * levels + body + "</div>" * levels + "</body></html>").encode()


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A real PDF with these lines of text on its pages."""
    import tempfile

    from tests.test_load import make_pdf

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "made.pdf"
        make_pdf(path, pages)
        return path.read_bytes()


@dataclass(frozen=True, slots=True)
class Corpus:
    """Hostile files beside good ones, with the limits the ingest of them runs under."""

    folder: Path
    expected: dict[str, str]  # file name → pattern of its failure; "" when it must be indexed
    env: dict[str, str]  # PLANQA_ settings for the run: small limits that the files below go past


ENCODED = {
    "utf16le-bom.txt": GOOD_PLAN.encode("utf-16"),  # CPython writes little-endian with a BOM
    "utf16be-bom.txt": b"\xfe\xff" + GOOD_PLAN.encode("utf-16-be"),
    "utf16le.txt": GOOD_PLAN.encode("utf-16-le"),
    "utf16be.txt": GOOD_PLAN.encode("utf-16-be"),
    "utf32le-bom.txt": GOOD_PLAN.encode("utf-32"),
    "utf32be.txt": GOOD_PLAN.encode("utf-32-be"),
}


def write_corpus(folder: Path, outside: Path) -> Corpus:
    """Write the hostile files and the good plan into `folder`; a symbolic link leads to `outside`."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[bytes, str]] = {
        "good.txt": (GOOD_PLAN.encode(), ""),
        "torn.docx": (torn_docx(), "corrupt or unreadable DOCX"),
        "cut.docx": (docx_bytes(GOOD_PLAN.splitlines())[:2000], "corrupt or unreadable DOCX"),
        "bodiless.docx": (bodiless_docx(), r"unreadable file \(AttributeError"),
        "bomb.docx": (bomb_docx(lying=False), "unpacks to 1024.* MB, more than the 200 MB allowed"),
        "lying-bomb.docx": (bomb_docx(lying=True), "corrupt or unreadable DOCX"),
        "nested.html": (nested_html(), ""),
        **{name: (data, "") for name, data in ENCODED.items()},
        "truncated.pdf": (pdf_bytes([GOOD_PLAN.splitlines()])[:600], "corrupt or unreadable PDF"),
        "pages.pdf": (pdf_bytes([["第一章 总则"]] * 3), "PDF has 3 pages, more than the 2 allowed"),
        "huge.txt": (GOOD_PLAN.encode() * (3 * MIB // len(GOOD_PLAN.encode())), "larger than the 2 MB"),
        "empty.txt": (b"", "empty file"),
        "binary.txt": (random.Random(13).randbytes(65536), "binary file"),
        "program.txt": (_program(), "binary file"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    secret = outside / "secret.txt"
    secret.write_text("第一章 机密\n这一行不应被索引。\n", encoding="utf-8")
    os.symlink(secret, folder / "escape.txt")
    os.symlink("good.txt", folder / "alias.txt")  # inside the folder, to a file inside it: fine
    expected = {name: reason for name, (_, reason) in files.items()}
    expected |= {"escape.txt": "outside the folder", "alias.txt": ""}
    env = {"PLANQA_MAX_FILE_MB": "2", "PLANQA_MAX_PDF_PAGES": "2", "PLANQA_MAX_UNPACKED_MB": "200"}
    return Corpus(folder, expected, env)


def _program() -> bytes:
    """The start of a real program: this Python interpreter's own executable."""
    import sys

    return Path(sys.executable).resolve().read_bytes()[:65536]


# Readers that misbehave, for the child process that reads files (module level, so they pickle by name).


def endless(path: Path, info: DocumentInfo | None) -> list[Chunk]:
    """A reader that never finishes."""
    while True:
        time.sleep(60)


def stalls(path: Path, info: DocumentInfo | None) -> list[Chunk]:
    """The real reader, except that it never finishes a file whose name starts with 'stall'."""
    from ingest.reading import chunk_file

    if path.name.startswith("stall"):
        endless(path, info)
    return chunk_file(path, info, 400, 1)


def crashing(path: Path, info: DocumentInfo | None) -> list[Chunk]:
    """A reader whose process dies under it, as a segmentation fault in C code would end it."""
    os.kill(os.getpid(), signal.SIGKILL)
    return []


def greedy(path: Path, info: DocumentInfo | None) -> list[Chunk]:
    """A reader that wants 8 GiB."""
    hoard = bytearray(8 << 30)
    hoard[-1] = 1
    return []
