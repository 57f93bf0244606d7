"""Small fakes whose behaviour means something."""

from __future__ import annotations

import hashlib
import itertools
import math

from langchain_core.embeddings import Embeddings

from qa.script import to_simplified


class BigramEmbeddings(Embeddings):
    """Embed a text as its hashed character bigrams: texts that share wording land close together.

    Traditional and Simplified forms embed alike (the text is normalised first), so a question about
    a passage ranks that passage first. Every text embedded is recorded in `embedded`.
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.embedded: list[str] = []
        self.questions: list[str] = []
        self.calls = 0

    def vector(self, text: str) -> list[float]:
        """The normalised bigram-count vector of one text."""
        chars = [c for c in to_simplified(text).lower() if not c.isspace()]
        counts = [0.0] * self.dim
        for a, b in itertools.pairwise(chars):
            digest = hashlib.blake2b(f"{a}{b}".encode(), digest_size=4).digest()
            counts[int.from_bytes(digest, "big") % self.dim] += 1.0
        norm = math.sqrt(sum(x * x for x in counts)) or 1.0
        return [x / norm for x in counts]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, recording them."""
        self.calls += 1
        self.embedded.extend(texts)
        return [self.vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a question the same way as a passage, recording it."""
        self.questions.append(text)
        return self.vector(text)
