"""The QA set: one JSON object a line (id, doc, question, answer, must_include, evidence, section…).

Two fields are optional: `style` (how the question is worded) and `history` (the asker's earlier
questions in the same chat, oldest first).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

UNANSWERABLE_DOC = "none"
_FIELDS = ("id", "doc", "question", "answer", "must_include", "evidence", "section", "type", "lang")
PLAN_STYLE = "plan"  # worded after the plan's own text: every item of the sets without a style field
STYLES = (
    PLAN_STYLE,
    "paraphrase",
    "colloquial",
    "cantonese",
    "typo",
    "two-part",
    "follow-up",
    "english",
    "near-miss",
)


class DatasetError(ValueError):
    """A QA file that cannot be used; the message names the line."""


@dataclass(frozen=True, slots=True)
class Item:
    """One gold question: what a right answer must contain and the verbatim passages that support it."""

    id: str
    doc: str  # conghua, liwan, both, or none (unanswerable)
    question: str
    answer: str
    must_include: tuple[str, ...]  # Simplified
    evidence: tuple[str, ...]  # verbatim, in the source document's script
    section: str
    type: str
    lang: str  # zh-Hans, zh-Hant or en: the question's script
    style: str = PLAN_STYLE  # one of STYLES: how the question is worded
    history: tuple[str, ...] = ()  # earlier questions in the same chat, oldest first

    @property
    def answerable(self) -> bool:
        """Whether the plans hold an answer (unanswerable items have doc 'none')."""
        return self.doc != UNANSWERABLE_DOC


def parse_item(obj: object, where: str = "") -> Item:
    """Check one decoded JSON object and turn it into an Item."""
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}not a JSON object")
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        raise DatasetError(f"{where}missing field(s) {missing}")
    for key in ("must_include", "evidence"):
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DatasetError(f"{where}{key} must be a list of strings")
    for key in ("id", "doc", "question", "answer", "section", "type", "lang"):
        if not isinstance(obj[key], str):
            raise DatasetError(f"{where}{key} must be a string")
    if not obj["question"].strip():
        raise DatasetError(f"{where}empty question")
    style = obj.get("style", PLAN_STYLE)
    if style not in STYLES:
        raise DatasetError(f"{where}style must be one of {', '.join(STYLES)} (got {style!r})")
    history = obj.get("history", [])
    if not isinstance(history, list) or not all(isinstance(q, str) and q.strip() for q in history):
        raise DatasetError(f"{where}history must be a list of non-empty questions")
    return Item(
        id=obj["id"],
        doc=obj["doc"],
        question=obj["question"],
        answer=obj["answer"],
        must_include=tuple(obj["must_include"]),
        evidence=tuple(obj["evidence"]),
        section=obj["section"],
        type=obj["type"],
        lang=obj["lang"],
        style=style,
        history=tuple(history),
    )


def load_items(path: Path) -> list[Item]:
    """Read a QA file, or raise DatasetError saying which line is wrong."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from exc
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}: "
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"{where}invalid JSON ({exc})") from exc
        item = parse_item(obj, where)
        if item.id in seen:
            raise DatasetError(f"{where}duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise DatasetError(f"{path} holds no items")
    return items


@dataclass(frozen=True, slots=True)
class QASet:
    """A loaded QA file and the name its results go by (the file's stem: qa, resident…)."""

    name: str
    path: Path
    items: tuple[Item, ...]


def load_sets(paths: Sequence[Path]) -> list[QASet]:
    """Load several QA files; their stems name their reports, so two files may not share one."""
    sets: list[QASet] = []
    for path in paths:
        if any(s.name == path.stem for s in sets):
            raise DatasetError(f"two QA files named {path.stem!r}: give files with different names")
        sets.append(QASet(path.stem, path, tuple(load_items(path))))
    return sets
