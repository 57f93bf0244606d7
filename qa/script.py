"""Simplified/Traditional Chinese handling with OpenCC: normalise, detect, convert."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from qa.types import Script

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert any Chinese text to Simplified (what indexing and matching use)."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Convert Simplified text to Traditional characters."""
    return _converter("s2tw").convert(text) if text else text


def detect_script(text: str) -> Script:
    """Tell whether a text is Simplified, Traditional, English or neither."""
    cjk = _CJK.findall(text)
    if not cjk:
        return "en" if _LATIN.search(text) else "unknown"
    han = "".join(cjk)
    traditional_only = sum(a != b for a, b in zip(han, to_simplified(han), strict=False))
    simplified_only = sum(a != b for a, b in zip(han, to_traditional(han), strict=False))
    if traditional_only > simplified_only:
        return "zh-Hant"
    if len(_LATIN.findall(text)) > 3 * len(cjk):
        return "en"
    return "zh-Hans"


def to_script(text: str, script: Script) -> str:
    """Render our own prose in the asker's script (quotes are never passed through here)."""
    if script == "zh-Hant":
        return to_traditional(text)
    return to_simplified(text) if script == "zh-Hans" else text
