"""Rebuild the converted plans: LibreOffice's PDF and DOCX of each bundled text, and styled versions.

    python eval/formats/build.py   # needs LibreOffice: apt-get install -y libreoffice-writer-nogui

The plain ones are what an office gets converting the text as it stands (one paragraph a line, no styles).
The styled DOCX is written with python-docx first, each heading the outline finds in Heading n style
(n by its rank: 章 → 1, 节 → 2, …) and each " | " row in a table, then passed through LibreOffice, which
also prints it to PDF: headings are then only styles and type sizes, which the readers have to use.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ingest.load import load_document, read_manifest  # noqa: E402
from ingest.outline import headings  # noqa: E402

OUT = Path(__file__).resolve().parent


def styled_docx(source: Path, target: Path) -> None:
    """The text as a Word document with heading styles and real tables."""
    import docx

    doc = load_document(source)
    found = {h.line.number: h.level for h in headings(doc)}
    ranks = {level: rank for rank, level in enumerate(sorted(set(found.values())), start=1)}
    document = docx.Document()
    for line in doc.lines:
        text = line.text.strip()
        if not text:
            continue
        if line.number in found:
            document.add_heading(text, level=min(ranks[found[line.number]], 9))
        elif " | " in text:
            cells = [c.strip() for c in text.split("|")]
            table = document.add_table(
                rows=1, cols=len(cells), style="Table Grid"
            )  # ruled, as plans print them
            for cell, value in zip(table.rows[0].cells, cells, strict=True):
                cell.text = value
        else:
            document.add_paragraph(text)
    document.save(str(target))


def convert(source: Path, kind: str, into: Path) -> Path:
    """LibreOffice's conversion of a file to pdf or docx, written into a folder."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", kind, "--outdir", str(into), str(source)],
        check=True,
        capture_output=True,
    )
    return into / f"{source.stem}.{kind}"


def main() -> None:
    """Write eval/formats/<id>.{pdf,docx} and eval/formats/styled/<id>.{pdf,docx}."""
    (OUT / "styled").mkdir(exist_ok=True)
    for path, info in read_manifest(ROOT / "data" / "plans"):
        with tempfile.TemporaryDirectory() as tmp:
            text = Path(tmp) / f"{info.id}.txt"
            shutil.copy(path, text)
            for kind in ("pdf", "docx"):
                shutil.copy(convert(text, kind, Path(tmp)), OUT / f"{info.id}.{kind}")
            styled = Path(tmp) / "styled"
            styled.mkdir()
            draft = styled / f"{info.id}.docx"
            styled_docx(path, draft)
            out = styled / "out"
            for kind in ("pdf", "docx"):
                shutil.copy(convert(draft, kind, out), OUT / "styled" / f"{info.id}.{kind}")


if __name__ == "__main__":
    main()
