"""A question log seeded with a week of residents' questions, for the dashboard's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from qa.types import Answer, Chunk, Citation, Hit
from ui.questionlog import DAY_SECONDS, QuestionLog

FIRST_DAY = date(2026, 11, 20)
FOREST = ("conghua", ("第五章 生态", "第一节 森林"))
METRO = ("liwan", ("第三章 交通", "第二节 轨道交通"))
SCHOOLS = ("liwan", ("第六章 民生", "第一节 教育"))
HOSPITALS = ("conghua", ("第六章 民生", "第二节 医疗"))
EVIL = '=HYPERLINK("http://evil.example","点我")'
# (day offset, question, district, refused, sections (cited when answered, nearest when refused), ms)
SEED: tuple[tuple[int, str, str | None, bool, tuple[tuple[str, tuple[str, ...]], ...], float], ...] = (
    (0, "从化区森林覆盖率目标是多少？", "conghua", False, (FOREST,), 40.0),
    (0, "从化森林覆盖率要达到多少", None, False, (FOREST,), 35.0),
    (1, "從化區森林覆蓋率是多少？", None, False, (FOREST,), 52.0),
    (1, "荔湾区地铁线路有哪些规划？", "liwan", False, (METRO, SCHOOLS), 61.0),
    (2, "荔湾地铁什么时候通车", "liwan", False, (METRO,), 1800.0),
    (2, "荔湾区新建几所幼儿园？", "liwan", True, (SCHOOLS, METRO), 30.0),
    (4, "荔湾区的幼儿园学位够不够", None, True, (SCHOOLS,), 28.0),
    (4, "从化区有没有三甲医院规划", "conghua", True, (HOSPITALS,), 45.0),
    (5, EVIL, None, True, (), 12.0),
    (6, "荔湾区小学学位怎么增加？", "liwan", False, (SCHOOLS,), 2500.0),
)


def chunk(doc: str, path: tuple[str, ...]) -> Chunk:
    """A passage under a section of a plan."""
    text = f"{path[-1]}的规划内容。"
    return Chunk(
        id=f"{doc}-{'-'.join(path)}",
        doc_id=doc,
        title=f"{doc} 规划",
        district=doc,
        section_path=path,
        line_start=1,
        line_end=1,
        char_start=0,
        char_end=len(text),
        text=text,
        norm=text,
        norm_path=" > ".join(path),
    )


def answer(
    question: str, refused: bool, sections: tuple[tuple[str, tuple[str, ...]], ...], ms: float
) -> Answer:
    """The chain's answer or refusal with these cited (or, refused, nearest) sections."""
    chunks = [chunk(doc, path) for doc, path in sections]
    return Answer(
        question=question,
        text="未找到" if refused else "答案[1]",
        refused=refused,
        backend="extractive",
        citations=() if refused else tuple(Citation(i + 1, c, c.text) for i, c in enumerate(chunks)),
        retrieved=tuple(Hit(c, 1.0 / (i + 1)) for i, c in enumerate(chunks)),
        timings_ms={"retrieve": ms / 2, "answer": ms / 2, "total": ms},
        probability=0.2 if refused else 0.9,
    )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def noon(day: date) -> float:
    """Seconds since the epoch at noon UTC of a day."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


def seed(path: Path, first: date = FIRST_DAY) -> QuestionLog:
    """The SEED questions, asked at noon UTC on their days from `first`, in a log that keeps them."""
    clock = Clock(noon(first))
    log = QuestionLog(path, days=None, clock=clock, tz=UTC)
    for offset, question, district, refused, sections, ms in SEED:
        clock.now = noon(first) + offset * DAY_SECONDS
        log.record(answer(question, refused, sections, ms), district, session=f"session-{offset}")
    return log
