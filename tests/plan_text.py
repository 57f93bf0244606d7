"""Hypothesis strategies for plan-like text: headings, tables of contents, glossaries and odd characters."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HAN = "发展经济规划建设区域城市产业创新生态环境保护数字治理數字經濟規劃建設區域產業創新發展環境"
PUNCT = "。！？；…，、：:,.!?;”’」』）)]（(“《》·—-"
SPACES = " \t\u3000\u00a0"
ODD = "\u200b\u200d\ufeff\u2028\u0085😀🏙️|&<>"
CONTROLS = "\x01\x07\x0b\x0c\x1c\x1f\x7f"
CHARS = st.one_of(
    st.sampled_from(HAN * 6 + PUNCT * 2 + "abcXYZ0123456789" + SPACES + ODD + CONTROLS),
    st.characters(codec="utf-8"),  # any code point a file may hold (no lone surrogates)
)
WORDS = st.text(CHARS, max_size=30)
HEADING = st.builds(
    "{}{}{}".format,
    st.sampled_from(
        "第一篇 第二章 第十二章 第3章 第三节 第三節 一、 十一、 （一） (二) 1. 12、 3． "
        "专栏 專欄3 附件 附件2 附件1:".split()
    ),
    st.sampled_from(["", " ", "\u3000", "\t"]),
    WORDS,
)
LINE = st.one_of(
    WORDS,
    HEADING,
    st.builds(  # a table-of-contents entry: dot leaders and a page number
        "{}{}{}".format,
        HEADING,
        st.sampled_from(["", "……", "....", " · · ", "—— ", "\t"]),
        st.integers(0, 300).map(str) | st.just(""),
    ),
    st.sampled_from("目录 目 錄 目次 名词解释 名 詞 解 釋 附件2:名词解释 附件2：名詞解釋".split(" ")),
    st.builds(
        "{}{}{}".format, st.text(HAN + "ABC“”()", min_size=1, max_size=12), st.sampled_from(":："), WORDS
    ),
    st.builds("{}{}".format, st.sampled_from(["注：", "說明:", "2.", "3、"]), WORDS),
    st.lists(WORDS, min_size=2, max_size=4).map(" | ".join),  # a table row
    st.sampled_from(["", " ", "\t", "\u3000 "]),
    st.text(st.sampled_from(HAN + " \tabc"), min_size=300, max_size=1500),  # long, no punctuation
)
TEXTS = st.builds(
    lambda lines, ends: "".join(line + end for line, end in zip(lines, ends, strict=False)),
    st.lists(LINE, max_size=40),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=40, max_size=40),
)
BOM = "\ufeff"


def budget(n: int) -> settings:
    """Settings for n examples under the CI profile, scaled by the loaded profile's max_examples."""
    scale = settings().max_examples / 100
    return settings(
        max_examples=max(1, round(n * scale)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
