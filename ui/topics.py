"""The content words of a resident's question: what the dashboard counts as its topics."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from types import ModuleType

from qa.script import to_simplified

# Words every resident's question has (question words, fillers, the name of the thing asked about): a topic
# made of them says nothing. Simplified, as questions are compared after conversion; Cantonese included.
STOPWORDS = frozenset(
    """什么 哪些 哪个 哪里 哪儿 如何 怎么 怎样 怎么样 多少 几个 是否 有没有 是不是 请问 关于 有关 方面 情况
    时候 主要 问题 规划 计划 纲要 十四五 十三五 期间 我们 你们 现在 目前 今年 明年 未来 可以 能够 需要
    一下 一些 这个 那个 这些 那些 还有 以及 什么样 具体 内容 提出 提到 点样 乜嘢 边个 边度 系咪 有冇
    区里 本区 what which how where when does did do is are the a an of in on for to and or plan plans
    district http https www com""".split()
)
MAX_WORDS = 20  # a question's words kept in the log: a long paste is not twenty topics
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z-]{2,}")
_UNITS = frozenset("区县市镇")  # a place's one-character administrative unit
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")
_ASKING = re.compile(r"^几|^什么|(.)[不没]\1")  # 几所, 什么时候, 够不够, 有没有: the asking, not the topic


def _placed(tokens: list[str]) -> list[str]:
    """Tokens with a place name rejoined to its one-character unit (某某 + 区 → 某某区).

    Opening an index teaches jieba the plans' short district names (qa.keywords.teach), and jieba's dictionary
    is the process's: once taught it cuts 某某区 in two. The log's topics must not depend on whether an index
    was opened first in the process, so the name and its unit are read as one word either way.
    """
    joined: list[str] = []
    for token in tokens:
        if token in _UNITS and joined and _HAN_NAME.fullmatch(joined[-1]) and joined[-1] not in STOPWORDS:
            joined[-1] += token
        else:
            joined.append(token)
    return joined


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def words(question: str) -> tuple[str, ...]:
    """The content words of a question in order, once each (Simplified, lower-case; no stop words, digits)."""
    tokens = _placed(_jieba().lcut(to_simplified(question).lower()))
    kept = (t for t in tokens if _WORD.fullmatch(t) and not _ASKING.search(t) and t not in STOPWORDS)
    return tuple(dict.fromkeys(kept))[:MAX_WORDS]
