"""Check an answer against its sources before it is shown: markers, quotes and numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")
QUOTE = re.compile(r"「([^」]{1,400})」")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class Verified:
    """The answer text that passed, the citations it uses, and what was flagged or dropped."""

    text: str
    citations: tuple[Citation, ...]
    flags: tuple[str, ...]


def verify(text: str, sources: Sequence[Chunk], *, first_n: int = 1) -> Verified:
    """Keep claims whose [n] exist and whose quotes and numbers appear in the cited sources."""
    by_n = {first_n + i: chunk for i, chunk in enumerate(sources)}
    flags: list[str] = []
    kept: list[str] = []
    used: dict[int, str] = {}
    for start, end in _claims(text):
        claim = text[start:end]
        cited = [int(m) for m in MARKER.findall(claim)]
        unknown = [n for n in cited if n not in by_n]
        if unknown:
            flags.append(f"dropped a claim citing unknown source(s) {unknown}: {claim[:60]}")
            continue
        plain = MARKER.sub("", claim)
        if not cited:
            if NUMBER.search(plain) or QUOTE.search(claim):
                flags.append(f"dropped an uncited claim with figures or quotes: {plain.strip()[:60]}")
            else:
                kept.append(claim)  # framing words ("规划原文：", "未提及") need no source
            continue
        chunks = [by_n[n] for n in cited]
        bad_quote = next((q for q in QUOTE.findall(claim) if not any(q in c.text for c in chunks)), None)
        if bad_quote is not None:
            flags.append(f"dropped a claim whose quote is not verbatim in its source: {bad_quote[:40]}")
            continue
        cited_norm = to_simplified("".join(c.norm_path + c.text for c in chunks))
        missing = [x for x in NUMBER.findall(plain) if x not in cited_norm]
        if missing:
            flags.append(f"dropped a claim with numbers not in its cited sources {missing}: {claim[:60]}")
            continue
        for n in cited:
            quotes = [q for q in QUOTE.findall(claim) if q in by_n[n].text]
            used.setdefault(n, quotes[0] if quotes else best_quote(by_n[n], plain))
        kept.append(claim)
    citations = tuple(Citation(n=n, chunk=by_n[n], quote=used[n]) for n in sorted(used))
    return Verified("".join(kept).strip(), citations, tuple(flags))


def _claims(text: str) -> list[tuple[int, int]]:
    """Spans that each end with their run of [n] markers (and the punctuation right after it)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for match in re.finditer(r"(?:\s*\[\d{1,3}\])+[。；，,.;]?", text):
        out.append((pos, match.end()))
        pos = match.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def best_quote(chunk: Chunk, claim: str) -> str:
    """The chunk sentence sharing the most characters with a claim (a verbatim span for the sources panel)."""
    claim_chars = set(to_simplified(claim))
    spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
    start, end = max(spans, key=lambda s: len(claim_chars & set(to_simplified(chunk.text[s[0] : s[1]]))))
    return chunk.text[start:end]
