"""Scale: the bundled plans copied under new ids until the index holds ~40,000 chunks."""

from __future__ import annotations

import json
from pathlib import Path


def copy_plans(plans_dir: Path, out: Path, copies: int) -> int:
    """Write each plan of plans_dir's manifest `copies` times under new ids, with a manifest; the count.

    Only the ids, file names and titles differ, so every chunk's text (and its embedding cache key) is the
    original's: the copies cost reading and writing, not embedding.
    """
    entries = json.loads((plans_dir / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    listed = []
    for n in range(1, copies + 1):
        for entry in entries:
            doc_id = f"{entry['id']}-{n:03d}"
            name = f"{doc_id}{Path(entry['file']).suffix}"
            (out / name).write_bytes((plans_dir / entry["file"]).read_bytes())
            listed.append({**entry, "id": doc_id, "file": name, "title": f"{entry['title']}（副本{n}）"})
    (out / "manifest.json").write_text(json.dumps(listed, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(listed)
