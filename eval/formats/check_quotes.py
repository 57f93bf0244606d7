"""Check the quotes an eval cited from converted files: verbatim in the cleaned text, no line wrap inside.

    python eval/formats/check_quotes.py /tmp/report-pdf eval/formats/*.pdf [--reference data/plans]

Each report.json under the report folder is read; every cited quote must be a substring of the passage it
cites and of the document's text as the loader cleans it (the file named after the citation's doc_id),
and any line break inside a quote must follow the end of a sentence, unless the reference (the plans'
manifest folder: the text the files were made from) breaks the line there too, as under a title or a
signature. Exit 1 on any failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ingest.load import load_document, read_manifest  # noqa: E402
from qa.sentences import sentence_spans  # noqa: E402


def wrapped(quote: str, reference: str) -> bool:
    """Whether a line break sits inside a sentence of the quote where the reference text has none."""
    return quote not in reference and any("\n" in quote[a:b] for a, b in sentence_spans(quote))


def main(report: Path, files: list[Path], reference: Path | None) -> int:
    """Print the counts of quotes checked and of each failure; 1 if there is any."""
    texts = {path.stem: load_document(path).text for path in files}
    originals = (
        {info.id: load_document(path, info).text for path, info in read_manifest(reference)}
        if reference
        else {}
    )
    checked = 0
    failures: dict[str, list[str]] = {"not in passage": [], "not in document": [], "line wrap inside": []}
    for path in sorted(report.rglob("report.json")):
        for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
            for citation in record.get("citations", []):
                quote, doc_id = citation["quote"], citation["doc_id"]
                checked += 1
                # a holdout set's items are not to be read: its failures are counted, never shown
                shown = "holdout" not in path.parent.name
                where = f"{path.parent.name}/{record['id']} [{citation['n']}] {quote[:40]!r}" if shown else ""
                if quote not in citation["text"]:
                    failures["not in passage"].append(where)
                if doc_id in texts and quote not in texts[doc_id]:
                    failures["not in document"].append(where)
                if wrapped(quote, originals.get(doc_id, "")):
                    failures["line wrap inside"].append(where)
    print(f"{checked} quotes checked in {report}")
    for name, found in failures.items():
        print(f"  {name}: {len(found)}")
        for where in [w for w in found if w][:5]:
            print(f"    {where}")
    return 1 if any(failures.values()) or not checked else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    given = Path(args.pop(args.index("--reference") + 1)) if "--reference" in args[:-1] else None
    args = [a for a in args if a != "--reference"]
    if len(args) < 2:
        sys.exit(__doc__)
    sys.exit(main(Path(args[0]), [Path(p) for p in args[1:]], given))
