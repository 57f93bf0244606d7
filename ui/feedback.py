"""👍/👎 feedback on answers, kept in SQLite and exported as CSV."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from qa.serialize import citation_json
from qa.types import Answer

COLUMNS = ("id", "created", "vote", "comment", "question", "answer", "citations", "backend", "district")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    vote INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    backend TEXT NOT NULL,
    district TEXT NOT NULL DEFAULT ''
)
"""


class FeedbackStore:
    """One SQLite file of votes; each call opens its own connection, so handler threads can share it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            conn.execute(_SCHEMA)
            yield conn

    def record(self, answer: Answer, liked: bool, district: str | None = None, comment: str = "") -> int:
        """Store a vote on an answer with its question, text and citations; return the row id."""
        citations = [{k: v for k, v in citation_json(c).items() if k != "text"} for c in answer.citations]
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created, vote, comment, question, answer, citations, backend,"
                " district) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    1 if liked else -1,
                    comment.strip(),
                    answer.question,
                    answer.text,
                    json.dumps(citations, ensure_ascii=False),
                    answer.backend,
                    district or "",
                ),
            )
            return int(cursor.lastrowid or 0)

    def add_comment(self, row_id: int, comment: str) -> bool:
        """Attach a comment to an earlier vote; False when there is no such vote."""
        with self._connect() as conn:
            cursor = conn.execute("UPDATE feedback SET comment = ? WHERE id = ?", (comment.strip(), row_id))
            return cursor.rowcount == 1

    def rows(self) -> list[tuple[object, ...]]:
        """Every vote, oldest first, in COLUMNS order."""
        with self._connect() as conn:
            return list(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id"))

    def export_csv(self, out: Path) -> int:
        """Write all votes as CSV (UTF-8 with BOM, so spreadsheets read the Chinese); return the count."""
        rows = self.rows()
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        return len(rows)
