"""👍/👎 feedback on answers, kept in SQLite (one vote per answer per session) and exported as CSV."""

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
    district TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    answer_key TEXT
)
"""
# Columns added since the first release, for feedback files written before them.
_ADDED = {"session": "TEXT NOT NULL DEFAULT ''", "answer_key": "TEXT"}
# One row per answer per session: a second vote on the same answer replaces the first (NULL keys never clash).
_ONE_VOTE = "CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_vote ON feedback (session, answer_key)"
# OWASP's CSV-injection rule: a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FeedbackStore:
    """One SQLite file of votes; each call opens its own connection, so handler threads can share it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._migrated = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            if not self._migrated:
                conn.execute(_SCHEMA)
                have = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
                for column, kind in _ADDED.items():
                    if column not in have:
                        conn.execute(f"ALTER TABLE feedback ADD COLUMN {column} {kind}")
                conn.execute(_ONE_VOTE)
                self._migrated = True
            yield conn

    def record(
        self,
        answer: Answer,
        liked: bool,
        district: str | None = None,
        comment: str = "",
        session: str = "",
        key: str | None = None,
    ) -> int:
        """Store a vote on an answer with its question, text and citations; return the row id.

        With a key (the answer's identity in its session) a later vote on the same answer replaces this
        one in place, keeping its row id and comment.
        """
        citations = [{k: v for k, v in citation_json(c).items() if k != "text"} for c in answer.citations]
        with self._connect() as conn:
            (row_id,) = conn.execute(
                "INSERT INTO feedback (created, vote, comment, question, answer, citations, backend,"
                " district, session, answer_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (session, answer_key) DO UPDATE SET vote = excluded.vote,"
                " created = excluded.created RETURNING id",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    1 if liked else -1,
                    comment.strip(),
                    answer.question,
                    answer.text,
                    json.dumps(citations, ensure_ascii=False),
                    answer.backend,
                    district or "",
                    session,
                    key,
                ),
            ).fetchone()
            return int(row_id)

    def withdraw(self, session: str, key: str) -> bool:
        """Remove a session's vote on an answer (its 👍 or 👎 clicked off); False when there was none."""
        with self._connect() as conn:
            cursor = conn.execute("DELETE FROM feedback WHERE session = ? AND answer_key = ?", (session, key))
            return cursor.rowcount == 1

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
            writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
        return len(rows)


def spreadsheet_safe(cell: object) -> object:
    """A text cell trimmed, then quoted with a leading ' if a spreadsheet would run it as a formula.

    Trimming comes first, so a tab before a formula ("\\t=1+1") cannot hide it: the cell becomes "'=1+1".
    Numbers (the id, the vote) are left as they are.
    """
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    return "'" + text if text.startswith(FORMULA_START) else text
