"""The opt-in question log: what was asked and how it went, in SQLite, for the staff dashboard.

Never stored: client addresses, user agents, or the browser's session id as it is. A session is a keyed hash
under a key made at start-up and kept only in memory, so rows of one visit group together, yet nothing in
the file links back to a session id once the process has ended.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from qa.script import detect_script
from qa.types import Answer
from ui.feedback import spreadsheet_safe
from ui.topics import words

QUESTION_CHARS = 500  # the chain's default question limit: longer text is not a question anyone asked
SECTION_CHARS = 200
MAX_CITED = 5
MAX_NEAREST = 3  # as many as a refusal names
MAX_ROWS = 200_000  # ~50 MB at residents' question lengths (measured), ~350 MB at 500 characters each
DAY_SECONDS = 86_400
COLUMNS = tuple(
    "id time day session source question district script"
    " refused probability cited nearest latency_ms backend words".split()
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    day TEXT NOT NULL,
    session TEXT NOT NULL,
    source TEXT NOT NULL,
    question TEXT NOT NULL,
    district TEXT NOT NULL,
    script TEXT NOT NULL,
    refused INTEGER NOT NULL,
    probability REAL,
    cited TEXT NOT NULL,
    nearest TEXT NOT NULL,
    latency_ms REAL,
    backend TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS questions_day ON questions (day);
CREATE INDEX IF NOT EXISTS questions_time ON questions (time);
"""
Section = tuple[str, str]  # (document id, section path)
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One answered question as the log keeps it."""

    id: int
    time: float  # seconds since the epoch
    day: str  # the local date it was asked, YYYY-MM-DD
    session: str
    source: str  # chat (the page) or api
    question: str
    district: str  # the plan chosen, "" for all
    script: str
    refused: bool
    probability: float | None
    cited: tuple[Section, ...]
    nearest: tuple[Section, ...]  # for a refusal: the sections it named instead
    latency_ms: float | None
    backend: str
    words: tuple[str, ...] = ()  # the question's content words (ui.topics), what its topics are counted from

    def cells(self) -> tuple[object, ...]:
        """The row in COLUMNS order, sections written as 'doc: section; …', time in ISO form."""
        stamp = datetime.fromtimestamp(self.time).astimezone().isoformat(timespec="seconds")
        cited, nearest = (sections_text(s) for s in (self.cited, self.nearest))
        return (self.id, stamp, self.day, self.session, self.source, self.question, self.district,
                self.script, int(self.refused), self.probability, cited, nearest, self.latency_ms,
                self.backend, " ".join(self.words))  # fmt: skip


def sections_text(sections: Sequence[Section]) -> str:
    """Sections as one cell: 'doc: section; doc: section'."""
    return "; ".join(f"{doc}: {section}" for doc, section in sections)


def _sections(pairs: Sequence[Section], limit: int) -> str:
    kept: list[Section] = []
    for doc, section in pairs:
        pair = (doc[:SECTION_CHARS], section[:SECTION_CHARS])
        if pair not in kept:
            kept.append(pair)
        if len(kept) == limit:
            break
    return json.dumps(kept, ensure_ascii=False)


class QuestionLog:
    """One SQLite file (WAL) of answered questions; one connection behind a lock serves every thread.

    Rows older than `days` go when the log opens, then once a day: before a write or read a day after the
    last purge, and from a background thread even when nobody asks. Past `max_rows` the oldest rows go.
    """

    def __init__(
        self,
        path: Path,
        days: int | None = None,
        max_rows: int = MAX_ROWS,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
        sweep_every: float | None = DAY_SECONDS,
    ) -> None:
        self.path = path
        self.days = days
        self.max_rows = max_rows
        self.clock = clock
        self.tz = tz  # None: the server's local time decides what day a question was asked on
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; a crash loses the last rows
        # A purged question is overwritten, not left readable in free pages.
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.executescript(_SCHEMA)
        if "words" not in {r[1] for r in self._conn.execute("PRAGMA table_info(questions)")}:  # older logs
            self._conn.execute("ALTER TABLE questions ADD COLUMN words TEXT NOT NULL DEFAULT ''")
        self._purged = 0.0
        self._closed = threading.Event()
        self.purge()
        if sweep_every is not None and days is not None:
            threading.Thread(
                target=self._sweep, args=(sweep_every,), name="question-log-purge", daemon=True
            ).start()

    def _sweep(self, every: float) -> None:
        while not self._closed.wait(every):
            self.purge()

    def token(self, session: str) -> str:
        """The stored stand-in for a browser session: a keyed hash, "" for none."""
        if not session:
            return ""
        return hmac.new(self._key, session.encode(), hashlib.sha256).hexdigest()[:16]

    def day(self, when: float) -> str:
        """The date (YYYY-MM-DD) a moment falls on."""
        return datetime.fromtimestamp(when, self.tz).date().isoformat()

    def record(
        self,
        answer: Answer,
        district: str | None = None,
        session: str = "",
        source: str = "chat",
    ) -> int | None:
        """Store one answered question; return its row id (None when the log could not be written).

        A failure is logged and swallowed: the log must never cost a resident the answer.
        """
        now = self.clock()
        cited = [(c.chunk.doc_id, c.chunk.section) for c in answer.citations]
        nearest = [(h.chunk.doc_id, h.chunk.section) for h in answer.retrieved] if answer.refused else []
        total = answer.timings_ms.get("total")
        row = (
            now,
            self.day(now),
            self.token(session),
            source,
            answer.question[:QUESTION_CHARS],
            district or "",
            detect_script(answer.question),
            int(answer.refused),
            answer.probability,
            _sections(cited, MAX_CITED),
            _sections(nearest, MAX_NEAREST),
            round(total, 1) if total is not None else None,
            answer.backend,
            " ".join(words(answer.question)),
        )
        try:
            with self._lock:
                self._purge_if_due()
                cursor = self._conn.execute(
                    f"INSERT INTO questions ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * len(row))})",
                    row,
                )
                row_id = int(cursor.lastrowid or 0)
                self._conn.execute("DELETE FROM questions WHERE id <= ?", (row_id - self.max_rows,))
                return row_id
        except sqlite3.Error as exc:
            logger.warning("question not logged: %s", exc)
            return None

    def purge(self) -> int:
        """Delete rows older than the retention period; return how many went."""
        with self._lock:
            try:
                return self._purge(self.clock())
            except sqlite3.ProgrammingError:  # closed meanwhile
                return 0

    def _purge_if_due(self) -> None:
        if (now := self.clock()) - self._purged >= DAY_SECONDS:
            self._purge(now)

    def _purge(self, now: float) -> int:
        self._purged = now
        if self.days is None:
            return 0
        cursor = self._conn.execute("DELETE FROM questions WHERE time < ?", (now - self.days * DAY_SECONDS,))
        if cursor.rowcount > 0:  # the WAL still holds the purged rows as first written: fold it in, empty it
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cursor.rowcount

    def _read(self, query: str, *args: object) -> Iterator[tuple[Any, ...]]:
        """Rows of a query on a connection of its own: readers never hold up the answers being logged."""
        with self._lock:
            self._purge_if_due()
        with closing(
            sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        ) as conn:
            yield from conn.execute(query, args)

    def rows(
        self, start: date | None = None, end: date | None = None, limit: int | None = None
    ) -> list[LoggedQuestion]:
        """The questions asked from start to end (both days included; open when None), oldest first.

        With a limit, only the latest `limit` of them.
        """
        query = (
            f"SELECT {', '.join(COLUMNS)} FROM questions WHERE day BETWEEN ? AND ? ORDER BY id DESC LIMIT ?"
        )
        found = list(self._read(query, *_days(start, end), -1 if limit is None else limit))
        return [_logged(r) for r in reversed(found)]

    def count(self, start: date | None = None, end: date | None = None) -> int:
        """How many questions the log holds from start to end (all when None)."""
        return sum(self.daily(start, end).values())

    def daily(self, start: date | None = None, end: date | None = None) -> dict[tuple[str, bool], int]:
        """Questions per (day, refused) from start to end, counted by SQLite (days without any left out)."""
        query = "SELECT day, refused, count(*) FROM questions WHERE day BETWEEN ? AND ? GROUP BY day, refused"
        return {(day, bool(refused)): n for day, refused, n in self._read(query, *_days(start, end))}

    def export_csv(self, out: Path, start: date | None = None, end: date | None = None) -> int:
        """Write the questions as CSV (UTF-8 with BOM; formula-safe cells), row by row; return how many."""
        query = f"SELECT {', '.join(COLUMNS)} FROM questions WHERE day BETWEEN ? AND ? ORDER BY id"
        out.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in self._read(query, *_days(start, end)):
                writer.writerow([spreadsheet_safe(cell) for cell in _logged(row).cells()])
                count += 1
        return count

    def close(self) -> None:
        """Close the connection (the WAL is folded into the file)."""
        self._closed.set()
        with self._lock:
            self._conn.close()


def _days(start: date | None, end: date | None) -> tuple[str, str]:
    return (start.isoformat() if start else "", end.isoformat() if end else "9999-12-31")


@lru_cache(maxsize=4096)
def _pairs(text: str) -> tuple[Section, ...]:
    """Sections from their JSON (cached: most questions cite the same few sections)."""
    return tuple((doc, section) for doc, section in json.loads(text))


def _logged(row: tuple[Any, ...]) -> LoggedQuestion:
    """A row as SQLite returns it (ints, floats, text, NULL as None) in COLUMNS order."""
    (id_, when, day, session, source, question, district, script, refused, probability, cited, nearest,
     latency, backend, said) = row  # fmt: skip
    return LoggedQuestion(
        id_, when, day, session, source, question, district, script, bool(refused), probability,
        _pairs(cited), _pairs(nearest),
        latency, backend, tuple(said.split()),
    )  # fmt: skip
