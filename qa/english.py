"""An English question: whether a question is one, and the Chinese search terms added to it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from qa.corpus import Corpus
from qa.script import detect_script

_HAN = re.compile(r"[\u3400-\u9fff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
ENGLISH_WORDS = 3  # English words that make a question holding Chinese one asked in English
EXPANDED_MEMORY = 256  # questions expand_query added terms to, recognised when they come back
_expanded: dict[str, None] = {}


def expand_query(corpus: Corpus, question: str) -> str:
    """Add Chinese search terms to an English question (CC-CEDICT, limited to words in the plans).

    An English question holding a Chinese name ("How many beds will 某某区 have?", as a follow-up is made
    standalone) is expanded from its English words, with terms it does not already hold. Idempotent: a
    question this function expanded is left as it is, so the chain and the retriever can both call it
    without doubling the terms; so is a question that is mostly Chinese.
    """
    if detect_script(question) != "en" or question in _expanded:
        return question
    mixed = _HAN.search(question) is not None
    if mixed and len(_LATIN_WORD.findall(question)) < ENGLISH_WORDS:
        return question
    from qa.translate import english_terms

    words = _HAN_RUN.sub(" ", question) if mixed else question
    terms = english_terms(words, corpus.idf.keys(), names=corpus.names)
    if mixed:
        terms = [t for t in terms if t not in question]
    if not terms:
        return question
    expanded = f"{question} {' '.join(terms)}"
    if len(_expanded) >= EXPANDED_MEMORY:
        _expanded.clear()
    _expanded[expanded] = None
    return expanded


def english(question: str) -> bool:
    """Whether a question was asked in English (its Chinese search terms, if expanded, come after it)."""
    han = _HAN.search(question)
    head = question[: han.start()] if han else question
    return len(_LATIN_WORD.findall(head)) >= ENGLISH_WORDS


def names_asked_thing(question: str, vocabulary: Mapping[str, float], text: str) -> bool:
    """Whether a text (Simplified, lower-case) names any thing an English question names, by any of its
    dictionary words or the plan words search was given for it.

    Which of an English word's glosses is the plans' word is unknown, so a share of the question's
    translated terms undercounts a passage on topic (childcare, children: the plans' 婴幼儿托育); that it
    names one asked thing does not.
    """
    from qa.glosses import english_concepts
    from qa.translate import plan_words

    for concept in english_concepts(question):
        words = set(concept.spellings) | {w for w in plan_words(concept.word, vocabulary) if len(w) >= 2}
        if any(w in text for w in words):
            return True
    return False
