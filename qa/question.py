"""A question before retrieval: its text cleaned, and a follow-up made standalone from the turn before."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from qa.corpus import Corpus
from qa.script import to_simplified
from qa.verify import printable

Turn = tuple[str, str]  # (question, answer) of an earlier exchange
_FOLLOW_UP_FILLER = re.compile(
    r"[那呢吗嗎么麼的和与與及呀啊吧？?，,。.!！\s]|那么|那麼|还有|還有|怎么样|怎麼樣"
    r"|what about|and|how about",
    re.I,
)


def clean_question(text: str) -> str:
    """Drop control, zero-width, bidi, tag and unpaired surrogate characters and squeeze whitespace."""
    return " ".join(printable(text or "").split())


def has_words(text: str) -> bool:
    """Whether a text holds a letter or digit of any script (not only punctuation, symbols or emoji)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def carry_context(corpus: Corpus, question: str, history: Sequence[Turn]) -> str:
    """Without an LLM, make a follow-up standalone by carrying the previous turn's district and topic."""
    if not history:
        return question
    previous = to_simplified(history[-1][0])
    text = to_simplified(question).lower()
    now = [d for d in corpus.districts if any(a in text for a in d.aliases)]
    before = [d for d in corpus.districts if any(a in previous.lower() for a in d.aliases)]
    rest = _FOLLOW_UP_FILLER.sub("", text)
    for alias in sorted((a for d in now for a in d.aliases), key=len, reverse=True):
        rest = rest.replace(alias, "")
    if now and len(rest) <= 2 and before:  # "那荔湾呢？" → the previous question, about the other district
        swapped = previous
        for old in before:
            swapped = swapped.replace(old.name, now[0].name)
            swapped = swapped.replace(old.name[:-1], now[0].name[:-1])  # 从化区 → 荔湾区, then 从化 → 荔湾
        return swapped
    if not now and before:  # "2025年的目标呢？" → keep the district of the previous turn
        return f"{before[0].name} {question}"
    return question
