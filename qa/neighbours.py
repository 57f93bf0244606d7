"""Plan words for a question word the plans never use, found by its spelling or by the embedding model.

Spelled alike (used by `qa.understand`): a plan word writing the question word with one more character
inside it (骨科 → 骨伤科, 手艺 → 手工艺). Measured against HEAD 9be8d81 on the five eval sets: resident
0.774 → 0.780 (rd-219), qa, qa_holdout, resident_holdout and resident_val unchanged.

Nearest by embedding (`WordNeighbours`, opt-in, not wired by `qa.build`): the plan words whose e5 vectors
are nearest the question word's (小孩 → 儿童, 厂房 → 工厂; 煤气 → 燃气 is only 0.93), the plans' vocabulary
embedded once per corpus (a file made by `python -m qa.neighbours`, 6,110 words in 3 min, 4.3 MB as
float16; or in a background thread). As alternatives for nouns the lexicon, 词林 and spelling leave without
one, floor 0.94 (chosen on qa + resident: 0.92 and below let near-misses through), against the same HEAD:
resident 0.774 → 0.786, resident_holdout 0.705 → 0.731 (answerable refused 11.5% → 9.0%), resident_val
0.564 → 0.577 (21.8% → 20.5%), but resident_val's unanswerable refused 81.8% → 72.7% (77.3% when the
neighbour must share a character with the word, 72.7% with that and answerability refitted; 68.2% for any
question word, not only nouns). An embedding cannot tell the same thing (骨科/骨伤科) from a sibling
(学费/资助, 区长/区级): both sit at 0.94-0.96, and neither the cosine nor CSLS's hub correction parts them.
A near-miss question then finds its missing thing under a sibling's name, so it is not enabled; it stays for
a reader that can weigh such a match apart from an exact one (an answerability signal of its own).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.keywords import is_word, word_tag

Embed = Callable[[str], Sequence[float]]  # a query's vector (e5: "query: " prefixed by the embedder)

FLOOR = 0.94  # cosine a plan word needs to stand in for a question word (see the module docstring)
TOP = 3  # plan words kept per question word
TERM_MEMORY = 4096  # question words whose vectors are kept
MATCH = 0.999  # cosine at which the shipped vector of a probe word shows the file was made by this model
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# jieba's tags of nouns that name a place or a person: another place is no neighbour of the one asked about.
_NAME_TAGS = frozenset("ns nr nrt nrfg".split())


def looks_for_neighbours(word: str) -> bool:
    """Whether a question word is one neighbours are looked for: a dictionary noun (煤气, 骨科, 老人家), not
    a place or a person, a verb or a fragment jieba guessed (区以, 那片). A verb or a guessed fragment
    lands near look-alikes (联手 → 联社, 那片 → 南片), and what the plans lack is a thing, as absence judges.
    """
    tag = word_tag(word)
    return is_word(word) and tag.startswith("n") and tag not in _NAME_TAGS


def spelled_alike(word: str, vocabulary: Mapping[str, float]) -> set[str]:
    """Plan words that write a question word with one more character inside it (骨科 → 骨伤科, 手艺 →
    手工艺): the same first and last character, the word's characters in order."""
    if not _WORD.fullmatch(word):
        return set()
    longer = _by_ends(vocabulary).get((word[0], word[-1], len(word) + 1), ())
    return {w for w in longer if _inside(word, w)}


_ENDS: list[tuple[Mapping[str, float], dict[tuple[str, str, int], list[str]]]] = []  # the last vocabulary's


def _by_ends(vocabulary: Mapping[str, float]) -> dict[tuple[str, str, int], list[str]]:
    """The plan words by first character, last character and length (built once per corpus vocabulary)."""
    last = _ENDS[0] if _ENDS else None
    if last is not None and last[0] is vocabulary:
        return last[1]
    found: dict[tuple[str, str, int], list[str]] = {}
    for w in plan_vocabulary(vocabulary):
        found.setdefault((w[0], w[-1], len(w)), []).append(w)
    _ENDS[:] = [(vocabulary, found)]
    return found


def _inside(word: str, longer: str) -> bool:
    """Whether `longer` is `word` with one character inserted."""
    return any(longer[:i] + longer[i + 1 :] == word for i in range(1, len(longer) - 1))


def plan_vocabulary(vocabulary: Iterable[str]) -> list[str]:
    """The plan words neighbours are drawn from: runs of two or more Han characters."""
    return sorted(w for w in vocabulary if _WORD.fullmatch(w))


@dataclass(frozen=True, slots=True)
class WordVectors:
    """Unit vectors of words, one row each."""

    words: tuple[str, ...]
    vectors: np.ndarray  # float32, rows L2-normalised

    @classmethod
    def embed(cls, words: Sequence[str], embed: Embed) -> WordVectors:
        """Embed words one by one, as a question word is embedded."""
        rows = [np.asarray(embed(w), dtype=np.float32) for w in words]
        return cls(tuple(words), _unit(np.vstack(rows)) if rows else np.zeros((0, 0), np.float32))

    @classmethod
    def load(cls, path: Path) -> WordVectors:
        """Read a file written by `save`."""
        with np.load(path) as data:
            return cls(tuple(str(w) for w in data["words"]), _unit(data["vectors"].astype(np.float32)))

    def save(self, path: Path) -> None:
        """Write the words and their vectors (float16: cosines move by ~1e-4, the file is half the size)."""
        np.savez_compressed(path, words=np.array(self.words), vectors=self.vectors.astype(np.float16))


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms == 0, 1.0, norms)).astype(np.float32)


class WordNeighbours:
    """Nearest plan words of a question word, above a cosine floor."""

    def __init__(
        self,
        embed: Embed,
        shipped: Path | None = None,
        *,
        floor: float = FLOOR,
        top: int = TOP,
        background: bool = True,
    ) -> None:
        """`shipped` vectors are used only when they match `embed` (checked on one word); the words they
        lack are embedded in a background thread, or at once when `background` is False."""
        self._embed = embed
        self._shipped_path = shipped
        self._shipped: dict[str, np.ndarray] | None = None
        self.floor = floor
        self.top = top
        self.background = background
        self._terms: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # The vocabulary the neighbours are drawn from: (mapping it was built for, its words, their vectors).
        self._plan: tuple[object, tuple[str, ...], np.ndarray] | None = None

    def of(self, word: str, vocabulary: Mapping[str, float]) -> set[str]:
        """Plan words as close to `word` as the floor asks, at most `top`, best first.

        Neither the word itself nor a part of it counts: 动物 is no neighbour of 动物园 (absence weighs how
        much of a word its parts cover, and the 园 is what makes it a zoo).
        """
        if not _WORD.fullmatch(word):
            return set()
        words, vectors = self._vocabulary(vocabulary)
        if not words:
            return set()
        scores = vectors @ self._vector(word)
        best = [i for i in np.argsort(-scores)[: self.top + 1] if words[i] not in word][: self.top]
        return {words[i] for i in best if scores[i] >= self.floor}

    def _vector(self, word: str) -> np.ndarray:
        with self._lock:
            known = self._terms.get(word)
        if known is not None:
            return known
        vector = _unit(np.asarray(self._embed(word), dtype=np.float32)[None])[0]
        with self._lock:
            self._terms[word] = vector
            while len(self._terms) > TERM_MEMORY:
                self._terms.popitem(last=False)
        return vector

    def _vocabulary(self, vocabulary: Mapping[str, float]) -> tuple[tuple[str, ...], np.ndarray]:
        """The embedded plan words of this vocabulary (built once per corpus; a new corpus replaces it)."""
        plan = self._plan
        if plan is not None and plan[0] is vocabulary:
            return plan[1], plan[2]
        wanted = plan_vocabulary(vocabulary)
        shipped = self._shipped_vectors(wanted)
        have = [w for w in wanted if w in shipped]
        rows = np.vstack([shipped[w] for w in have]) if have else np.zeros((0, 0), np.float32)
        self._plan = (vocabulary, tuple(have), rows)
        missing = [w for w in wanted if w not in shipped]
        if missing:
            if self.background:
                threading.Thread(
                    target=self._add, args=(vocabulary, missing), name="word-vectors", daemon=True
                ).start()
            else:
                self._add(vocabulary, missing)
        plan = self._plan
        return plan[1], plan[2]

    def _add(self, vocabulary: Mapping[str, float], missing: Sequence[str]) -> None:
        """Embed the plan words the shipped file lacks and add them (unless the corpus moved on)."""
        found = WordVectors.embed(missing, self._embed)
        plan = self._plan
        if plan is None or plan[0] is not vocabulary:
            return
        rows = np.vstack([plan[2], found.vectors]) if len(plan[1]) else found.vectors
        self._plan = (vocabulary, plan[1] + found.words, rows)

    def _shipped_vectors(self, wanted: Sequence[str]) -> dict[str, np.ndarray]:
        """The shipped vectors, when the file exists and was made by this embedder."""
        if self._shipped is None:
            self._shipped = {}
            path = self._shipped_path
            if path is not None and path.is_file():
                saved = WordVectors.load(path)
                probe = self._vector(saved.words[0]) if saved.words else None
                same = probe is not None and probe.shape == saved.vectors[0].shape
                if same and float(saved.vectors[0] @ probe) >= MATCH:
                    self._shipped = dict(zip(saved.words, saved.vectors, strict=True))
        return self._shipped


def main(argv: Sequence[str] | None = None) -> int:
    """Embed the vocabulary of an index's plans and write the file shipped beside the bundled plans."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m qa.neighbours", description=main.__doc__)
    parser.add_argument("--index", type=Path, required=True, help="an index of the bundled plans")
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    from qa.build import open_retriever
    from qa.settings import Settings

    retriever = open_retriever(Settings(), args.index)
    words = plan_vocabulary(retriever.corpus.idf)
    WordVectors.embed(words, retriever.embed).save(args.out)
    print(f"{len(words)} words → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
