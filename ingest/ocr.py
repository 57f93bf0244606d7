"""Read a PDF page that has no text layer with Tesseract (Debian's tesseract-ocr, chi_sim and chi_tra)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from functools import cache
from typing import Any

from ingest.layout import Line

LANGUAGES = ("chi_sim", "chi_tra")
DPI = 300  # Tesseract reads Han characters best at 300 dpi and up
PAGE_SECONDS = 60.0
_HAN = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_BY_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}\d])|(?<=[{_HAN}\d])\s+(?=[{_HAN}])")


@cache
def ocr_available() -> bool:
    """Whether Tesseract and its Chinese models are installed."""
    if shutil.which("tesseract") is None:
        return False
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    return set(LANGUAGES) <= set(listed.stdout.split())


def close_han_spaces(text: str) -> str:
    """Remove the spaces OCR puts between Han characters, and between Han characters and digits."""
    return _SPACE_BY_HAN.sub("", text)


def tsv_lines(tsv: str) -> list[Line]:
    """Tesseract's TSV words grouped into lines with their boxes (in points at DPI)."""
    grouped: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip():
            key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
            grouped.setdefault(key, []).append(row)
    scale = 72 / DPI
    lines = []
    for words in grouped.values():
        x0 = min(int(w["left"]) for w in words) * scale
        x1 = max(int(w["left"]) + int(w["width"]) for w in words) * scale
        top = min(int(w["top"]) for w in words) * scale
        size = max(int(w["height"]) for w in words) * scale
        text = close_han_spaces(" ".join(w["text"].strip() for w in words))
        lines.append(Line(text, x0, x1, top, size))
    return sorted(lines, key=lambda line: line.top)


def ocr_page(page: Any) -> list[Line]:
    """The lines Tesseract reads on a page (a pypdfium2 PdfPage), rendered at DPI."""
    image = page.render(scale=DPI / 72).to_pil()
    png = io.BytesIO()
    image.save(png, format="PNG")
    languages = "+".join(LANGUAGES)
    result = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", languages, "--psm", "6", "tsv"],
        input=png.getvalue(),
        capture_output=True,
        timeout=PAGE_SECONDS,
    )
    if result.returncode != 0:
        return []
    return tsv_lines(result.stdout.decode("utf-8", "replace"))
