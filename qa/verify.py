"""Check an answer against its sources before it is shown: markers, quotes, numbers, markup, prompt echoes.

A generated answer (one checked against the prompt it came from) is held to more: every sentence of the
model's own words carries its [n] and shares enough wording with the source it cites.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa.grounding import MIN_SUPPORT, grounded, letters, paraphrases, support
from qa.prompts import PART_NOT_FOUND
from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")
QUOTE = re.compile(r"「([^」]{1,400})」")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Markup and links an answer could carry to whoever renders it: HTML tags, Markdown links and images, URLs.
MARKUP = re.compile(
    r"<\s*/?\s*[a-z][^<>]*>|!?\[[^\]]*\]\([^)]*\)|\b(?:javascript|vbscript)\s*:|\bdata:[a-z]+/|https?://|www\.",
    re.I,
)
# Control, format (zero-width, bidi, Unicode tags), unpaired surrogate and private-use characters: invisible
# or unencodable, they can hide instructions, reorder what is shown or crash the UTF-8 output.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co"})
# A run this long of the system prompt's letters in an answer means the model is repeating its instructions.
ECHO_WINDOW = 12
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines splits on
# Where a generated sentence ends: a terminator (its [n] and closing quotes stay with it), or a line break
# unless the line is a lead-in ending with a colon ("规划原文：" introduces the quote on the next line).
_SENTENCE_END = re.compile(
    r"(?:[。！？!?]+|\.(?=\s))[”’\"』）)]*(?:\s*\[\d{1,3}\])*[。；，,.;]?"
    r"|(?<![:：])[ \t]*(?:\r\n|[\n\r\u2028\u2029])"
)


# The chain's note on a part of a question the plans do not cover: it repeats the asker's words (figures too).
_PART_NOTE = re.compile(
    "|".join(re.escape(t).replace(re.escape("{part}"), "[^\\n]*") for t in PART_NOT_FOUND.values())
)


@dataclass(frozen=True, slots=True)
class Verified:
    """The answer text that passed, the citations it uses, and what was flagged or dropped."""

    text: str
    citations: tuple[Citation, ...]
    flags: tuple[str, ...]


def verify(text: str, sources: Sequence[Chunk], *, first_n: int = 1, prompt: str = "") -> Verified:
    """Keep claims whose [n] exist and whose quotes and numbers appear in the cited sources.

    With the prompt template a model answered, the text is the model's: claims repeating or paraphrasing the
    prompt are dropped (and so is the whole answer when the claims left still repeat it together), and so is
    every sentence without its own [n] or sharing too little wording with the source it cites.
    """
    by_n = {first_n + i: chunk for i, chunk in enumerate(sources)}
    flags: list[str] = []
    kept: list[str] = []
    used: dict[int, str] = {}
    for start, end in _claims(text):
        claim = text[start:end]
        if prompt and echoes(claim, prompt):
            flags.append("dropped a claim repeating the system prompt")  # flags may be logged: no excerpt
            continue
        cited = [int(m) for m in MARKER.findall(QUOTE.sub("", claim))]  # a quoted "[6]" is plan text
        unknown = [n for n in cited if n not in by_n]
        if unknown:
            flags.append(f"dropped a claim citing unknown source(s) {unknown}: {claim[:60]}")
            continue
        plain = _unmarked(claim)
        # Markup only inside a verbatim 「quote」: a model obeying a planted instruction could otherwise
        # smuggle a tracking image or a script to whoever renders the answer.
        if MARKUP.search(QUOTE.sub("", plain)):
            flags.append(f"dropped a claim with markup or links outside a quote: {plain.strip()[:60]}")
            continue
        if prompt:  # a model's sentence before the one its [n] ends, or after the last [n], is uncited
            *uncited, claim = _sentences(claim) if cited else [*_sentences(claim), ""]
            flags.extend(f"dropped an uncited sentence: {s.strip()[:60]}" for s in uncited if _wordy(s))
            if not _wordy(claim):
                continue
            plain = _unmarked(claim)
        if not cited:
            if _PART_NOTE.fullmatch(plain.strip()):  # it echoes the asker's words and claims nothing
                kept.append(claim)
            elif NUMBER.search(plain) or QUOTE.search(claim):
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
        if prompt:
            own = QUOTE.sub("", plain)  # the model's own words: a verbatim quote proves nothing about them
            source = to_simplified("".join(c.title + c.norm_path + c.text for c in chunks))
            if paraphrases(own, prompt, source):
                flags.append("dropped a claim paraphrasing the system prompt")
                continue
            weak = not grounded(own, source)
        else:
            shared = support(plain, cited_norm)
            weak = shared is not None and shared < MIN_SUPPORT
        if weak:  # "已被攻破[1]": a real [n] on words not from it
            flags.append(f"dropped a claim sharing too little wording with its sources: {claim[:60]}")
            continue
        for n in cited:
            quotes = [q for q in QUOTE.findall(claim) if q in by_n[n].text]
            used.setdefault(n, quotes[0] if quotes else best_quote(by_n[n], plain))
        kept.append(claim)
    if prompt and echoes("".join(kept), prompt):
        return Verified("", (), (*flags, "dropped the answer: together its claims repeat the system prompt"))
    citations = tuple(Citation(n=n, chunk=by_n[n], quote=used[n]) for n in sorted(used))
    return Verified("".join(kept).strip(), citations, tuple(flags))


def printable(text: str) -> str:
    """Text without hidden characters (controls, zero-width, bidi, tags, surrogates), line breaks as \\n."""
    if text.isprintable():
        return text
    return "\n".join(
        "".join(c for c in line if c == "\t" or unicodedata.category(c) not in _HIDDEN)
        for line in _LINE_BREAK.split(text)
    )


@lru_cache(maxsize=8)
def _runs(prompt: str, window: int) -> frozenset[str]:
    parts = re.split(r"\{\w+\}", prompt)  # the {fields} are filled with text that may be shown (the refusal)
    return frozenset(p[i : i + window] for p in map(letters, parts) for i in range(len(p) - window + 1))


def echoes(text: str, prompt: str, window: int = ECHO_WINDOW) -> bool:
    """Whether text repeats `window` letters in a row of a prompt template's fixed wording ([n] ignored)."""
    runs = _runs(prompt, window)
    found = letters(MARKER.sub("", text))
    return any(found[i : i + window] in runs for i in range(len(found) - window + 1))


def _unmarked(claim: str) -> str:
    """A claim without its [n] markers (a [n] inside a 「quote」 belongs to the quoted text)."""
    parts = re.split(r"(「[^」]{1,400}」)", claim)
    return "".join(p if QUOTE.fullmatch(p) else MARKER.sub("", p) for p in parts)


def _claims(text: str) -> list[tuple[int, int]]:
    """Spans that each end with their run of [n] markers (and the punctuation right after it)."""
    out: list[tuple[int, int]] = []
    pos = 0
    quoted = [m.span() for m in QUOTE.finditer(text)]
    for match in re.finditer(r"(?:\s*\[\d{1,3}\])+[。；，,.;]?", text):
        if any(start < match.start() < end for start, end in quoted):
            continue  # a "[6]" inside a quoted passage does not end a claim
        out.append((pos, match.end()))
        pos = match.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def _sentences(text: str) -> list[str]:
    """A generated claim cut into its sentences (each with the space before it); quotes are never cut."""
    quoted = [m.span() for m in QUOTE.finditer(text)]
    pieces: list[str] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        if any(start < match.start() < end for start, end in quoted):
            continue
        pieces.append(text[pos : match.end()])
        pos = match.end()
    pieces.append(text[pos:])
    sentences: list[str] = []
    carried = ""  # a line break or a stray mark joins the sentence after it
    for piece in pieces:
        if _wordy(piece):
            sentences.append(carried + piece)
            carried = ""
        else:
            carried += piece
    if sentences:
        sentences[-1] += carried
    return sentences or [carried]


def _wordy(text: str) -> bool:
    return bool(letters(MARKER.sub("", text)))


def best_quote(chunk: Chunk, claim: str) -> str:
    """The chunk sentence sharing the most characters with a claim (a verbatim span for the sources panel)."""
    claim_chars = set(to_simplified(claim))
    spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
    start, end = max(spans, key=lambda s: len(claim_chars & set(to_simplified(chunk.text[s[0] : s[1]]))))
    return chunk.text[start:end]
