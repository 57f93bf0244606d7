"""Fit how retrieval fuses its ranked lists on the tuning sets (no holdout); write qa/data/retrieval.json.

    python -m eval.fit_retrieval --index DIR [--qa FILE ...] [--out FILE]  # default: eval/roles.py sets

Every item is read by the chain as it answers (understanding, routing, one search per part and per plan of
a comparison); each search's ranked lists (chunk vectors, keywords, closest sentences) are recorded once and
then fused again under every weighting of a grid, and the item's passages ranked as the chain lists them
(the parts' hits interleaved) are scored on its gold evidence: recall@5 + MRR, as eval/metrics.py matches
evidence. Chinese and English questions have weights of their own (an English question's keywords are
dictionary guesses) and share the RRF offset k.

The weights are chosen by cross-validation grouped by gold passage (items whose evidence lies in the same
chunk are in one fold), so the figure printed says how a fit does on passages it was not fitted on, the
case of residents' questions about parts of the plans no tuning question reads. The constants the fit
replaces, and the best fit without the sentence list, are measured in the same run on the same items.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from eval.dataset import Item, load_items
from eval.metrics import recall_at, reciprocal_rank
from eval.roles import TUNING_SETS, never_fitted
from eval.systems import chunk_passage
from qa.chain import interleave
from qa.corpus import Corpus
from qa.english import english
from qa.fusion import FUSION_FILE, Fusion, Rankings
from qa.retrieve import HybridRetriever
from qa.script import to_simplified
from qa.types import Hit

RRF_KS = (1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 60.0)
KEYWORD = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
SENTENCE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
FOLDS, REPEATS = 5, 10
SEED = 11


class Recording(HybridRetriever):
    """A retriever that keeps the arguments of each search and the ranked lists each one found, so the
    same searches can be fused again under other weights without searching again."""

    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _lists: dict[tuple[bytes, tuple[str, ...] | None, str], Rankings] = PrivateAttr(default_factory=dict)

    def search(
        self,
        question: str,
        k: int | None = None,
        district: str | None = None,
        corpus: Corpus | None = None,
        **kwargs: Any,
    ) -> list[Hit]:
        """Search as the chain asked, keeping what it asked."""
        self._calls.append({"question": question, "k": k, "corpus": corpus, **kwargs})
        return super().search(question, k, district, corpus, **kwargs)

    def rankings(
        self, corpus: Corpus, vector: list[float], doc_ids: tuple[str, ...] | None, words: str
    ) -> Rankings:
        """The lists found for these arguments before, else found now."""
        key = (np.asarray(vector, dtype=np.float32).tobytes(), doc_ids, words)
        if key not in self._lists:
            self._lists[key] = super().rankings(corpus, vector, doc_ids, words)
        return self._lists[key]

    def take_calls(self) -> list[dict[str, Any]]:
        """The searches made since the last take."""
        calls, self._calls = self._calls, []
        return calls


@dataclass(frozen=True, slots=True)
class Case:
    """One answerable tuning item: its searches, its language for weighting, and its gold passage group."""

    item: Item
    calls: tuple[dict[str, Any], ...]
    english: bool
    group: str


def score(retriever: Recording, case: Case, fusion: Fusion) -> tuple[float, float]:
    """recall@5 and reciprocal rank of an item's gold evidence with its searches fused this way."""
    retriever.fusion = fusion
    hits = interleave([retriever.search(**call) for call in case.calls])
    retriever.take_calls()
    passages = [chunk_passage(h.chunk).match for h in hits]
    return recall_at(case.item, passages, 5), reciprocal_rank(case.item, passages)


def record(chain: Any, retriever: Recording, items: Sequence[Item], corpus: Corpus) -> list[Case]:
    """Read each answerable item with the chain, keeping its searches and the chunk holding its evidence."""
    passages = sorted((c.id, chunk_passage(c).match) for c in corpus.chunks.values())
    cases: list[Case] = []
    for item in items:
        if not item.answerable or not item.evidence:
            continue
        retriever.take_calls()
        chain.read(item.question, tuple((q, "") for q in item.history))
        calls = tuple(retriever.take_calls())
        if not calls:
            continue
        wanted = item.evidence[0]
        holder = next((cid for cid, text in passages if to_simplified(wanted) in text), f"item:{item.id}")
        cases.append(Case(item, calls, any(english(c["question"]) for c in calls), holder))
    return cases


def grid(base: Fusion, english_side: bool) -> list[Fusion]:
    """Every weighting tried for one language (the other language's weights as in `base`)."""
    out = []
    for k, keyword, sentence in product(RRF_KS, KEYWORD, SENTENCE):
        if english_side:
            out.append(replace(base, rrf_k=k, keyword_en=keyword, sentence_en=sentence))
        else:
            out.append(replace(base, rrf_k=k, keyword=keyword, sentence=sentence))
    return out


def table(retriever: Recording, cases: Sequence[Case], fusions: Sequence[Fusion]) -> np.ndarray:
    """recall@5 and RR of each case under each fusion: shape (cases, fusions, 2)."""
    out = np.zeros((len(cases), len(fusions), 2))
    for j, fusion in enumerate(fusions):
        for i, case in enumerate(cases):
            out[i, j] = score(retriever, case, fusion)
    return out


def choose(zh: np.ndarray, en: np.ndarray, zh_rows: np.ndarray, en_rows: np.ndarray) -> tuple[int, int]:
    """The best Chinese and English grid entries on these rows, sharing k (recall@5 + MRR summed)."""
    zh_total = zh[zh_rows].sum(axis=(0, 2)).reshape(len(RRF_KS), -1)
    en_total = en[en_rows].sum(axis=(0, 2)).reshape(len(RRF_KS), -1)
    per_k = zh_total.max(axis=1) + en_total.max(axis=1)
    k = int(np.argmax(per_k))  # the first of ties: the smallest k
    width = zh_total.shape[1]
    return k * width + int(np.argmax(zh_total[k])), k * width + int(np.argmax(en_total[k]))


def folds(groups: Sequence[str], seed: int) -> np.ndarray:
    """A fold number for each case, all cases of a group in one fold."""
    names = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[i]: n % FOLDS for n, i in enumerate(order)}
    return np.asarray([fold_of[g] for g in groups])


def cross_validated(
    zh: np.ndarray, en: np.ndarray, zh_groups: Sequence[str], en_groups: Sequence[str]
) -> tuple[float, float]:
    """recall@5 and MRR over all cases, each scored by a fit made without its gold passage's fold."""
    recall, rr = [], []
    for seed in range(SEED, SEED + REPEATS):
        # one assignment of passages to folds for both languages: a passage is unseen by both fits
        every = folds([*zh_groups, *en_groups], seed)
        zh_fold, en_fold = every[: len(zh_groups)], every[len(zh_groups) :]
        for fold in range(FOLDS):
            zi, ei = choose(zh, en, zh_fold != fold, en_fold != fold)
            for cases, fold_of, j in ((zh, zh_fold, zi), (en, en_fold, ei)):
                held = cases[fold_of == fold, j]
                recall.extend(held[:, 0])
                rr.extend(held[:, 1])
    return float(np.mean(recall)), float(np.mean(rr))


def main(argv: Sequence[str] | None = None) -> int:
    """Record the tuning items' searches, fit the fusion by grouped cross-validation, write it."""
    from qa.answerability import Answerability
    from qa.backends import ExtractiveAnswerer
    from qa.build import open_store, passage_embeddings
    from qa.chain import QAChain
    from qa.corpus import LiveCorpus
    from qa.embeddings import build_embeddings
    from qa.semantic import SentenceMatcher
    from qa.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index of the plans (planqa ingest)")
    parser.add_argument("--qa", type=Path, action="append", help="tuning QA file (repeatable)")
    parser.add_argument("--out", type=Path, default=FUSION_FILE, help="where to write the fusion")
    args = parser.parse_args(argv)
    paths = args.qa or [Path(p) for p in TUNING_SETS]
    if refused := never_fitted(paths):
        parser.error(f"holdout, validation and blind sets are never used for fitting: {', '.join(refused)}")
    settings = Settings()
    index = args.index.resolve()
    sentences = SentenceMatcher(passage_embeddings(settings, index))
    retriever = Recording(
        source=LiveCorpus(open_store(settings, index), index),
        embeddings=build_embeddings(settings.embedding_model, settings.fast_query_encoder),
        k=settings.top_k,
        sentences=sentences,
        fusion=Fusion(),
    )
    chain = QAChain(
        retriever, ExtractiveAnswerer(), answerability=Answerability({}, bias=0.0), sentences=sentences
    )
    begun = time.perf_counter()
    cases = [c for p in paths for c in record(chain, retriever, load_items(p), retriever.corpus)]
    zh_cases = [c for c in cases if not c.english]
    en_cases = [c for c in cases if c.english]
    print(
        f"{len(cases)} answerable items ({len(en_cases)} English) read in {time.perf_counter() - begun:.0f} s"
    )
    base = Fusion()
    zh_grid, en_grid = grid(base, english_side=False), grid(base, english_side=True)
    zh = table(retriever, zh_cases, zh_grid)
    en = table(retriever, en_cases, en_grid)
    zh_groups, en_groups = [c.group for c in zh_cases], [c.group for c in en_cases]
    fitted_cv = cross_validated(zh, en, zh_groups, en_groups)
    no_sentence = [j for j, f in enumerate(zh_grid) if f.sentence == 0.0]
    two_lists_cv = cross_validated(zh[:, no_sentence], en[:, no_sentence], zh_groups, en_groups)
    current = np.vstack(
        [table(retriever, zh_cases, [base])[:, 0], table(retriever, en_cases, [base])[:, 0]]
    ).mean(axis=0)
    zi, ei = choose(zh, en, np.ones(len(zh_cases), bool), np.ones(len(en_cases), bool))
    fitted = replace(zh_grid[zi], keyword_en=en_grid[ei].keyword_en, sentence_en=en_grid[ei].sentence_en)
    whole = np.vstack([zh[:, zi], en[:, ei]]).mean(axis=0)
    rows = [
        ("current constants (no sentence list)", current),
        ("refit, two lists (grouped CV)", two_lists_cv),
        ("refit, three lists (grouped CV)", fitted_cv),
        ("refit, three lists (fitted on all)", whole),
    ]
    for name, (recall, mrr) in rows:
        print(f"{name:40s} recall@5 {recall:.3f}  MRR {mrr:.3f}")
    print(f"chosen: {fitted}")
    fitted.save(
        args.out,
        {
            "fitted": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "sets": [p.name for p in paths],
            "items": {"chinese": len(zh_cases), "english": len(en_cases)},
            "cross_validation": f"{FOLDS}-fold grouped by gold passage, {REPEATS} shuffles",
            "figures": {name: {"recall@5": round(r, 4), "mrr": round(m, 4)} for name, (r, m) in rows},
        },
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
