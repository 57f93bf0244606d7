"""Sentence boundaries for Chinese (and English) text."""

from __future__ import annotations

import re

# A sentence runs to its terminator plus any closing quotes or brackets.
SENTENCE = re.compile(r"[^。！？；!?;…]*(?:[。！？；!?;]|…+)+[”’」』）)\]]*|[^。！？；!?;…]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, surrounding whitespace trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    for match in SENTENCE.finditer(text):
        chunk = match.group()
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            spans.append((match.start() + lead, match.start() + trail))
    return spans
