"""The question's words as evidence reads them: its content terms and their weights, the words that only
frame it, and what it asks for (哪些医院: 医院)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from qa.ask import is_unit, parse_ask
from qa.corpus import Corpus
from qa.keywords import specificity, tokenize, word_tag, words
from qa.script import to_simplified
from qa.types import Script

_GENERIC = frozenset("规划 计划 区 湾区 十四五 提出 提到 主要 内容 方面 要求 what plan district".split())
# How the question's words weigh when sentences are scored (not the coverage the answerability model reads):
HEAD_WEIGHT = 2.0  # the words naming what is asked for (哪些医院, 多少家医疗机构, 文化片区是哪些)
CARRIED_WEIGHT = 0.5  # a follow-up's words carried over from the turn before: the topic, not the question
FRAME_FILE = Path(__file__).with_name("data") / "question_frame.txt"
# jieba's tags of words that frame a question (pronouns, adverbs, conjunctions, prepositions, particles,
# numerals, measure, direction, time and place words): 自己, 目前, 以后, 区里 name no topic.
_FRAME_TAGS = frozenset("r d c p u m q f t s y e o".split())
COMMON_CHAR = 20000  # a one-character word jieba counts more than this (要, 会, 来, 让) frames a question
_ASKED_AFTER = re.compile(
    r"(?:哪些|哪几|哪|什么|啥|多少|几)[个项类所家条座种张名位台处片大间批]?([\u4e00-\u9fffa-z0-9]{1,8})"
)
_ASKED_BEFORE = re.compile(
    r"([\u4e00-\u9fffa-z0-9]{2,8}?)(?:都|分别|主要|具体)?(?:是|有|包括)(?:哪些|什么|啥|哪几)"
)
_HEAD_STOP = re.compile(r"[吗呢在是了].*")
_WHETHER_TAIL = re.compile(r"(?:有没有|有无|会不会有|是否有|有冇)([^，,。？?！!]{1,12})")
_MODIFIER_TAGS = frozenset("v a ad vd an".split())
_NOUN_TAGS = frozenset("n nr ns nt nz ng nrt nrfg s j l vn".split())


def question_terms(corpus: Corpus, question: str, script: Script = "zh-Hans") -> dict[str, float]:
    """Content tokens of a question with IDF weights (district names and filler dropped).

    For English questions only words found in the plans count: the rest is the English wording itself.
    """
    aliases = {a for d in corpus.districts for a in d.aliases}
    top = max(corpus.idf.values(), default=1.0)
    terms = {}
    for token in tokenize(question):
        if token in _GENERIC or token in aliases or (script == "en" and token not in corpus.idf):
            continue
        # A word the plans never use weighs by how specific it is in Chinese at large: 火星 much, 以后 little.
        weight = corpus.idf[token] if token in corpus.idf else top * specificity(token)
        if weight > 0:
            terms[token] = weight
    return terms


_QUESTION_WORD = re.compile(r"几|多少|哪|什么|怎|\d")
_ASKING = re.compile(r"几|多少|哪|什么|怎|啥")


@cache
def asking(word: str) -> bool:
    """Whether a word asks (哪些, 多少, 什么): it frames a question yet says what kind of answer it wants."""
    return _ASKING.search(word) is not None


def frame_words(path: Path = FRAME_FILE) -> frozenset[str]:
    """The framing words of the data file (one a line, '#' comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def frames(word: str) -> bool:
    """Whether a question word only frames the question (自己, 没有, 以后, 要) rather than names its topic."""
    if _ASKING.search(word) or word in frame_words():
        return True
    if len(word) == 1 and "\u4e00" <= word <= "\u9fff":
        import jieba

        jieba.dt.check_initialized()  # the same dictionary search cuts questions with
        return int(jieba.dt.FREQ.get(word, 0)) > COMMON_CHAR
    return word_tag(word) in _FRAME_TAGS


def asked_words(question: str) -> str:
    """The words naming what a question asks for: after 哪些/多少家 (哪些医院), else before 是哪些."""
    q = to_simplified(question).lower()
    found = [_HEAD_STOP.sub("", m.group(1)) for m in _ASKED_AFTER.finditer(q)]
    found = [f for f in found if f]
    if not found:
        found = [m.group(1) for m in _ASKED_BEFORE.finditer(q)]
    return " ".join(found)


def asked_kind(question: str) -> str:
    """The kind of thing a question asks for: the last noun of its asked words (小镇 of 哪些特色小镇, 镇 of
    由哪几个镇组成), or of what it asks whether there is (场地 of 有没有可以入驻的孵化场地)."""
    head = asked_words(question)
    if not head and (tail := _WHETHER_TAIL.search(to_simplified(question).lower())):
        head = _HEAD_STOP.sub("", tail.group(1))
    cut = [w for w in words(head) if w.strip() and w not in frame_words() and not _ASKING.search(w)]
    nouns = [w for w in cut if word_tag(w) in _NOUN_TAGS]  # 场地 (a place word) is a kind; 组成 is not
    untagged = [w for w in cut if not word_tag(w) and not frames(w)]  # 镇 of 哪几个镇组成, cbd
    return (nouns or untagged or [""])[-1]


def weigh(
    corpus: Corpus, question: str, script: Script = "zh-Hans", asked: str | None = None
) -> dict[str, float]:
    """The question's words as sentence scoring weighs them.

    Framing words out, the words naming what is asked for up, a follow-up's carried-over topic down
    (`asked` is the follow-up as the resident typed it).
    """
    terms = question_terms(corpus, question, script)
    if script == "en":
        return terms
    own = to_simplified(asked).lower() if asked else None
    head = asked_words(question if own is None else own)
    whether = parse_ask(question).whether  # the standalone question: a follow-up asks what it carries
    weights: dict[str, float] = {}
    for t, w in terms.items():
        if frames(t) and not t.isdigit():
            continue
        if (
            whether and word_tag(t) == "a"
        ):  # 方便吗？ judges; a plan states what is done about the thing named
            continue
        if t in head and not is_unit(t) and word_tag(t) not in _MODIFIER_TAGS:
            w *= HEAD_WEIGHT  # what is asked for, not how it is described (好玩的 of 好玩的特色小镇)
        if own is not None and t not in own:
            w *= CARRIED_WEIGHT
        weights[t] = w
    return weights or terms


def focus_terms(corpus: Corpus, question: str, script: Script, n: int = 2) -> tuple[str, ...]:
    """The question's most specific words found in the plans (highest IDF; question words and numbers out)."""
    if script == "en":
        return ()  # dictionary terms of an English question are too loose to insist on
    terms = question_terms(corpus, question, script)
    known = [
        t
        for t in terms
        if t in corpus.idf
        and len(t) >= 2
        and not _QUESTION_WORD.search(t)
        and not frames(t)  # 具体, 没有: no topic
        and not is_unit(t)  # 多少亿元: the kind of figure, not what it is of
    ]
    return tuple(sorted(known, key=lambda t: -terms[t])[:n])
