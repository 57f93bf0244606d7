"""Where else a question could be asked: in another district's plan, or one topic at a time.

A word of the question "belongs" to a plan when that plan's text has it often and the chosen plan never
does (a landmark such as 白鹅潭); a broad question lists topics (交通、教育、医疗都有什么规划). Both are read
from the indexed text and the question's own wording, never from a list in code.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import jieba

from qa.corpus import Corpus, District
from qa.question import parts
from qa.script import to_simplified

_HAN_ONLY = re.compile(r"[\u3400-\u9fff]+")
MIN_OWNED = 3  # times a word occurs in another plan before it is taken as that plan's
# A broad question: a list of topics, then 都/分别 and what is asked of each (有什么规划, 有哪些举措 …).
_ASKED_OF_EACH = re.compile(
    r"(?:等?方面)?(?:都|分别|各自|各)?(?:有什么|有哪些|有啥|有何|是什么|是怎样|怎么样|如何|怎样|哪些)"
)
_ALL_OF_THEM = re.compile(r"^(?:等?方面)?都")
_LEAD_IN = re.compile(r"^(?:等?方面)?(?:都|分别|各自|各)")
_JOINER = re.compile(r"以及|、|和|与|及|跟|，|,")
MAX_TOPIC = 12  # characters of one listed topic


@dataclass(frozen=True, slots=True)
class Switch:
    """Another district whose plan alone holds words of the question: ask again with it chosen."""

    doc_id: str
    district: str  # Simplified name, as the plan gives it
    names: tuple[str, ...]  # the question's words found only in that plan (Simplified)


_TEXTS: weakref.WeakKeyDictionary[Corpus, dict[str, str]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def plan_texts(corpus: Corpus) -> dict[str, str]:
    """Each plan's Simplified text and headings, joined once per snapshot (a new snapshot gets its own)."""
    with _LOCK:
        known = _TEXTS.get(corpus)
        if known is None:
            texts: dict[str, list[str]] = {}
            for chunk in sorted(corpus.chunks.values(), key=lambda c: (c.doc_id, c.line_start)):
                texts.setdefault(chunk.doc_id, []).append(f"{chunk.norm_path}\n{chunk.norm}")
            known = _TEXTS[corpus] = {d: "\n".join(t) for d, t in texts.items()}
        return known


def _district(corpus: Corpus, value: str) -> District | None:
    value = to_simplified(value).lower()
    return next((d for d in corpus.districts if value in {d.doc_id, d.name, *d.aliases}), None)


def elsewhere(corpus: Corpus, question: str, district: str | None) -> tuple[Switch, ...]:
    """Districts left out of the chosen scope whose plan alone holds some of the question's words.

    A question naming the chosen district stays there; one naming another district is offered it. Else a
    word "belongs" to another plan when it occurs there often (a landmark such as 白鹅潭, a project) and
    never in the chosen plan; words are whole jieba words or runs of them, so no chance pair of characters
    across two words moves a question.
    """
    chosen = _district(corpus, district) if district else None
    if chosen is None:
        return ()
    text = to_simplified(question).lower()
    if _names(chosen, text):
        return ()
    texts = plan_texts(corpus)
    mine = [texts.get(d.doc_id, "") for d in corpus.districts if d.name == chosen.name]
    offers: dict[str, Switch] = {}
    for other in corpus.districts:
        if other.name == chosen.name or other.name in offers or other.doc_id not in texts:
            continue
        named = _names(other, text)
        words = named or _owned(text, texts[other.doc_id], mine)
        if words:
            offers[other.name] = Switch(other.doc_id, other.name, words)
    return tuple(offers.values())


def _names(district: District, text: str) -> tuple[str, ...]:
    return tuple(a for a in district.aliases if a in text)[:1]  # aliases run longest first


def _owned(text: str, theirs: str, mine: Sequence[str]) -> tuple[str, ...]:
    """The longest runs of whole words of a question often in `theirs` and never in `mine`."""
    words = [w for w in jieba.lcut(text) if w.strip()]
    found: list[str] = []
    for i in range(len(words)):
        best = ""
        for j in range(i + 1, len(words) + 1):
            run = "".join(words[i:j])
            if not _HAN_ONLY.fullmatch(run) or theirs.count(run) < MIN_OWNED:
                break
            if len(run) >= 2 and not any(run in m for m in mine):
                best = run
        if best:
            found.append(best)
    kept = [w for w in dict.fromkeys(found) if not any(w != o and w in o for o in found)]
    # Rarest in general Chinese first (jieba's dictionary frequency): a name before a common word.
    return tuple(sorted(kept, key=lambda w: (jieba.get_FREQ(w) or 0, -len(w))))


def broad_parts(corpus: Corpus, question: str) -> tuple[str, ...]:
    """A broad question's topics as one question each (交通、教育、医疗都有什么规划 → 交通有什么规划？…).

    What comes before the first topic (某某区的, 我想知道) goes with every part. A list of districts is
    not broad: the chain answers it per district.
    """
    aliases = {a for d in corpus.districts for a in d.aliases}
    for piece in parts(question):
        text = to_simplified(piece).strip().rstrip("？?。.！!")
        asked = _ASKED_OF_EACH.search(text)
        if asked is None:
            continue
        head, tail = text[: asked.start()], text[asked.start() :]
        topics = [t.strip() for t in _JOINER.split(head)]
        if len(topics) < 2 or not all(1 < len(t) <= MAX_TOPIC for t in topics[1:]) or not topics[0]:
            continue
        if not (len(topics) > 2 or _ALL_OF_THEM.match(tail)):
            continue  # "生态保护和修复有哪些举措" is one topic; a list needs three items or 都
        lead, topics[0] = _lead(topics[0], min(len(t) for t in topics[1:]))
        if not topics[0] or any(t.lower() in aliases for t in topics):
            continue
        ask = _LEAD_IN.sub("", tail)
        return tuple(f"{lead}{t}{ask}？" for t in topics)
    return ()


def _lead(first: str, shortest: int) -> tuple[str, str]:
    """Split the first listed item into what leads up to the list and the topic itself (by jieba words)."""
    words = jieba.lcut(first)
    topic = ""
    while words and len(topic) < shortest:
        topic = words.pop() + topic
    return "".join(words), topic
