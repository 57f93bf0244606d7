"""The corpus staff manage: uploads kept in one folder; every indexed document listed, removed, re-read.

Built on the Indexer and the store alone, so the admin page and `planqa docs` do the same thing. An upload is
checked (suffix, sniffed content, size), staged, ingested with the documents already indexed kept, and only
then moved into the folder: a file that fails leaves the folder and the index as they were. A small ledger
in the folder records what each upload became (indexed or failed, and when).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.index import Indexer, IngestReport
from ingest.load import infer_info, read_manifest
from ingest.uploads import check_upload, safe_name
from qa.keywords import KeywordIndex
from qa.store import ChunkCollection, StoreError
from qa.types import DocumentInfo

LEDGER = ".ledger.json"
STAGING = ".incoming"
INDEXED, FAILED, INDEXING = "indexed", "failed", "indexing"
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One document as the admin page and `planqa docs list` show it."""

    doc_id: str
    title: str
    district: str
    period: str
    chunks: int
    status: str  # indexed, failed or indexing
    error: str = ""
    indexed_at: str = ""  # ISO time of the upload that indexed it; "" for documents ingested otherwise
    file: str = ""  # its file in the upload folder, "" when it came from elsewhere

    def to_json(self) -> dict[str, object]:
        """The `planqa docs list --json` object."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one uploaded file."""

    name: str
    doc_id: str
    ok: bool
    message: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ManagedCorpus:
    """The documents of one index and the folder of uploaded files; one change at a time."""

    def __init__(
        self, indexer: Indexer, folder: Path, *, plans_dir: Path | None = None, max_bytes: int
    ) -> None:
        """plans_dir: where documents not uploaded here may be re-read from (its manifest.json)."""
        self.indexer = indexer
        self.folder = folder
        self.plans_dir = plans_dir
        self.max_bytes = max_bytes
        self._busy = threading.Lock()

    # The ledger: {doc_id: {"file", "status", "error", "time"}}, rewritten whole (atomically) on each change.
    def _ledger(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads((self.folder / LEDGER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): dict(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save_ledger(self, ledger: dict[str, dict[str, str]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        part = self.folder / f"{LEDGER}.part"
        part.write_text(json.dumps(ledger, ensure_ascii=False, indent=1), encoding="utf-8")
        part.replace(self.folder / LEDGER)

    def documents(self) -> list[DocumentRow]:
        """Every indexed document (title, district, period as its chunks carry them), then failed uploads."""
        current = self.indexer.store.current()
        counts: dict[str, int] = {}
        first: dict[str, str] = {}
        for doc_id, chunk_id in self._id_docs(current):
            counts[doc_id] = counts.get(doc_id, 0) + 1
            first.setdefault(doc_id, chunk_id)
        samples = {c.doc_id: c for c, _ in current.records(sorted(first.values()), vectors=False)}
        ledger = self._ledger()
        rows = []
        for doc_id in sorted(counts):
            chunk, entry = samples.get(doc_id), ledger.get(doc_id, {})
            status = INDEXING if entry.get("status") == INDEXING else INDEXED
            rows.append(
                DocumentRow(
                    doc_id=doc_id,
                    title=chunk.title if chunk else doc_id,
                    district=chunk.district if chunk else "",
                    period=chunk.period if chunk else "",
                    chunks=counts[doc_id],
                    status=status,
                    error=entry.get("error", ""),
                    indexed_at=entry.get("time", ""),
                    file=entry.get("file", ""),
                )
            )
        for doc_id, entry in sorted(ledger.items()):
            if doc_id not in counts:
                status = entry.get("status", FAILED)
                if status == INDEXING and not self._busy.locked():  # a run that was killed part-way
                    status, entry = FAILED, {**entry, "error": "上传未完成 interrupted; upload it again"}
                rows.append(
                    DocumentRow(
                        doc_id, entry.get("file", doc_id), "", "", 0, status, entry.get("error", ""),
                        entry.get("time", ""), entry.get("file", ""),
                    )
                )  # fmt: skip
        return rows

    def _id_docs(self, current: ChunkCollection) -> Iterable[tuple[str, str]]:
        """(document id, chunk id) of the published chunks: from the saved keyword index when it is here.

        Reading every chunk's metadata from Chroma took 25 s at 39,600 chunks (200 plans); the keyword
        index saved beside the generation holds the same pairs and loads in a fraction of that.
        """
        pointer = self.indexer.store.pointer()
        saved = KeywordIndex.load(self.indexer.index_dir, pointer.fingerprint) if pointer else None
        if saved is None:  # a replica without it, or an index from before generations
            return current.id_docs()
        return zip((str(d) for d in saved.doc_ids), saved.ids, strict=True)

    def add(self, files: Sequence[tuple[str, Path]], progress: Progress | None = None) -> list[Outcome]:
        """Check, stage and ingest uploads (name as uploaded, where it is now) in one new generation."""
        report = progress or (lambda _f, _m: None)
        with self._busy:
            outcomes: list[Outcome] = []
            staged: dict[Path, tuple[str, str]] = {}  # staged path -> (doc id, stored name)
            indexed = self.indexer.store.doc_ids()
            ledger = self._ledger()
            for name, path in files:
                stored = safe_name(name)
                doc_id = infer_info(Path(stored), "").id if stored else ""
                reason = self._refusal(name, stored, path, doc_id, indexed, ledger, staged)
                if reason:
                    outcomes.append(Outcome(name, doc_id, False, reason))
                    continue
                target = self.folder / STAGING / stored
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                staged[target] = (doc_id, stored)
                ledger[doc_id] = {**ledger.get(doc_id, {}), "file": stored, "status": INDEXING}
                outcomes.append(Outcome(name, doc_id, True, ""))
            if staged:
                self._save_ledger(ledger)
                result = self._ingest_staged(staged, report)
                outcomes = [result.get(o.doc_id, o) if o.ok else o for o in outcomes]
            report(1.0, "完成 done")
            return outcomes

    def _refusal(
        self,
        name: str,
        stored: str,
        path: Path,
        doc_id: str,
        indexed: set[str],
        ledger: dict[str, dict[str, str]],
        staged: dict[Path, tuple[str, str]],
    ) -> str:
        """Why an uploaded file is not staged ("" when it is): its name, its content, its document id."""
        if not stored:
            return "无效文件名 bad file name"
        reason = check_upload(stored, path, self.max_bytes)
        if reason:
            return reason
        if doc_id in indexed and ledger.get(doc_id, {}).get("file") != stored:
            return f"文档编号 {doc_id} 已被其他文档使用 the id is taken; rename the file"
        if any(d == doc_id for d, _ in staged.values()):
            return f"文档编号 {doc_id} 在本次上传中重复 two files here have the same id"
        return ""

    def _ingest_staged(self, staged: dict[Path, tuple[str, str]], report: Progress) -> dict[str, Outcome]:
        total = len(staged)
        done = 0

        def loaded(path: Path, chunks: int) -> None:
            nonlocal done
            done += 1
            report(0.8 * done / total, f"已读取 read {path.name} ({chunks} 个片段 chunks)")

        report(0.0, f"正在读取 reading {total} 个文件 files")
        try:
            ingest = self.indexer.ingest([(path, None) for path in staged], progress=False, on_loaded=loaded)
        except (StoreError, OSError) as exc:  # the store failed: every staged file says so, nothing moves
            ingest = IngestReport(0, 0, 0, 0, 0)
            errors = {str(p): f"索引失败 indexing failed: {exc}" for p in staged}
        else:
            errors = {f.path: f.error for f in ingest.failed}
        ledger = self._ledger()
        outcomes: dict[str, Outcome] = {}
        for path, (doc_id, stored) in staged.items():
            before = {k: v for k, v in ledger.get(doc_id, {}).items() if k != "status"}
            if str(path) in errors:
                kept = " 原有版本仍保留 the earlier version stays indexed" if before.get("time") else ""
                outcomes[doc_id] = Outcome(stored, doc_id, False, errors[str(path)] + kept)
                ledger[doc_id] = {**before, "status": INDEXED} if before.get("time") else {
                    "file": stored, "status": FAILED, "error": errors[str(path)], "time": _now()
                }  # fmt: skip
                path.unlink(missing_ok=True)
            else:
                path.replace(self.folder / stored)
                ledger[doc_id] = {"file": stored, "status": INDEXED, "error": "", "time": _now()}
                outcomes[doc_id] = Outcome(stored, doc_id, True, "已索引 indexed")
        self._save_ledger(ledger)
        return outcomes

    def remove(self, doc_id: str) -> bool:
        """Take a document out of the index and its uploaded file out of the folder; False when unknown."""
        with self._busy:
            ledger = self._ledger()
            indexed = doc_id in self.indexer.store.doc_ids()
            if not indexed and doc_id not in ledger:
                return False
            if indexed:
                self.indexer.remove([doc_id])
            entry = ledger.pop(doc_id, {})
            if entry.get("file"):
                (self.folder / safe_name(entry["file"])).unlink(missing_ok=True)
            self._save_ledger(ledger)
            return True

    def source(self, doc_id: str) -> tuple[Path, DocumentInfo | None] | None:
        """Where a document can be read again: its uploaded file, or its plans-folder manifest entry."""
        entry = self._ledger().get(doc_id, {})
        if entry.get("file") and (self.folder / entry["file"]).is_file():
            return self.folder / entry["file"], None
        if self.plans_dir and (self.plans_dir / "manifest.json").is_file():
            for path, info in read_manifest(self.plans_dir):
                if info.id == doc_id:
                    return path, info
        return None

    def reindex(self, doc_id: str) -> IngestReport | None:
        """Read a document again from its file (a new generation only if its chunks change); None: no file."""
        with self._busy:
            found = self.source(doc_id)
            if found is None:
                return None
            report = self.indexer.ingest([found], progress=False)
            if not report.failed and found[0].parent == self.folder:
                ledger = self._ledger()
                ledger[doc_id] = {"file": found[0].name, "status": INDEXED, "error": "", "time": _now()}
                self._save_ledger(ledger)
            return report
