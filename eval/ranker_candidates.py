"""Read each answerable tuning item as the chain does; label its candidate sentences by its gold evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.dataset import Item
from qa.ask import parse_ask
from qa.chain import QAChain
from qa.evidence import Sentence, features
from qa.script import to_simplified

WINDOWS = (5, 8, 10)  # passages read for candidates (the chain retrieves 10)
MIN_SENTENCE = 4  # a shorter "sentence" (a numbering, a bracket) lies inside any evidence string


@dataclass(frozen=True, slots=True)
class Group:
    """One item's candidate sentences per window, labelled by its gold evidence."""

    key: str
    many: bool  # a list or definition question: its runner-ups are chosen with close_many
    side: bool  # one side of a comparison (left out when the runner-up shares are chosen)
    by_window: dict[int, tuple[list[Sentence], np.ndarray]]  # window → (sentences, labels)


def holds_gold(sentence: str, gold: Sequence[str], must: Sequence[str] = ()) -> bool:
    """Whether a sentence holds a gold evidence string, or lies inside one, and says one of the things a
    right answer must include (all Simplified): a long sentence holding the evidence among much else (a
    table's caption with its rows) is not the quote that answers."""
    inner = sentence.strip("。；;，, \n")
    evidence = any(g in sentence or (len(inner) >= MIN_SENTENCE and inner in g) for g in gold)
    return evidence and (not must or any(m in sentence for m in must))


def collect(chain: QAChain, items: Sequence[Item], name: str) -> list[Group]:
    """The labelled candidates of every answerable item, read as the chain reads it: a comparison's
    sides one group each (its top 3 passages in that plan, as qa.compare reads a side)."""
    corpus = chain.corpus
    out: list[Group] = []
    for item in items:
        if not item.answerable:
            continue
        parts = chain.read(item.question, tuple((q, "") for q in item.history))
        query = parts[0].draft.query if parts else None  # the first part is what the evidence is for
        if query is None:
            continue
        gold = [to_simplified(e) for e in item.evidence]
        must = [to_simplified(m) for m in item.must_include]
        hits = list(parts[0].hits)
        docs = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        if item.type == "compare" and len(docs) > 1:
            sides = [[h for h in hits if h.chunk.doc_id == d][:3] for d in docs]
            for side in sides:
                found = features(
                    corpus,
                    query.text,
                    side,
                    script=query.script,
                    alternatives=query.alternatives,
                    similarity=query.similarity,
                )
                labelled = (found, _labels(found, gold, must))
                out.append(Group(f"{name}:{item.id}", False, True, {n: labelled for n in WINDOWS}))
            continue
        windows: dict[int, tuple[list[Sentence], np.ndarray]] = {}
        for n in WINDOWS:
            found = features(
                corpus,
                query.text,
                hits[:n],
                n,
                query.script,
                alternatives=query.alternatives,
                similarity=query.similarity,
                asked=query.asked,
            )
            windows[n] = (found, _labels(found, gold, must))
        ask = parse_ask(query.text)
        out.append(Group(f"{name}:{item.id}", ask.listing or ask.definition, False, windows))
    return out


def _labels(found: Sequence[Sentence], gold: Sequence[str], must: Sequence[str]) -> np.ndarray:
    marks = [holds_gold(to_simplified(s.chunk.text[s.start : s.end]), gold, must) for s in found]
    return np.asarray(marks, dtype=int)
