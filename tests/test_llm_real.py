"""The chat-model plumbing against the real packaged gemma3-270m: in-process and behind llama_cpp.server."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langchain_community.chat_models import ChatLlamaCpp
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from qa.llm import build_chat_model, packaged_gguf

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# gemma3-270m is a base model: at temperature 0 it continues this for hundreds of tokens, so a short
# completion can only come from the token limit.
PROMPT = "Paris is a city"
SHORT = 8
LONG = 32
SERVER_START_SECONDS = 120


def _text(chunks: list[AIMessageChunk]) -> str:
    """Join the text of streamed chunks."""
    return "".join(chunk.text for chunk in chunks)


def _merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """Add streamed chunks up into one message, metadata included."""
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    return merged


def _completion_tokens(model: BaseChatModel) -> tuple[int, str]:
    """Generate once without streaming; return the server-reported completion tokens and finish reason."""
    result = model.generate([[HumanMessage(PROMPT)]])
    generation = result.generations[0][0]
    assert result.llm_output is not None
    assert generation.generation_info is not None
    return result.llm_output["token_usage"]["completion_tokens"], generation.generation_info["finish_reason"]


@pytest.fixture(scope="module")
def gguf() -> Path:
    """Return the packaged gemma3-270m GGUF, assembled into the cache."""
    return packaged_gguf()


def test_packaged_gguf_is_reused_and_repaired(tmp_path: Path) -> None:
    path = packaged_gguf(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    inode = path.stat().st_ino

    packaged_gguf.cache_clear()
    assert packaged_gguf(tmp_path).stat().st_ino == inode  # a good file is reused, not rewritten

    path.write_bytes(b"truncated")
    packaged_gguf.cache_clear()
    assert hashlib.sha256(packaged_gguf(tmp_path).read_bytes()).hexdigest() == digest
    assert list(tmp_path.iterdir()) == [path]  # no partial file left behind


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown generative backend 'extractive'"):
        build_chat_model("extractive", max_tokens=SHORT, temperature=0.0)


def test_openai_backend_needs_a_base_url() -> None:
    with pytest.raises(ValueError, match="base URL"):
        build_chat_model("openai", model="m", max_tokens=SHORT, temperature=0.0)


# --- llama.cpp in-process -------------------------------------------------------------------------------


def test_llamacpp_invoke_returns_text(gguf: Path) -> None:
    model = build_chat_model("llamacpp", model_path=gguf, max_tokens=LONG, temperature=0.0)
    reply = model.invoke(PROMPT)
    assert isinstance(reply, AIMessage)
    assert reply.text.strip()


def test_llamacpp_streams_several_chunks(gguf: Path) -> None:
    model = build_chat_model("llamacpp", model_path=gguf, max_tokens=LONG, temperature=0.0)
    chunks = list(model.stream(PROMPT))
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    assert len([chunk for chunk in chunks if chunk.text]) >= 2
    assert _text(chunks).strip()


def test_llamacpp_max_tokens_bounds_generation() -> None:
    short = build_chat_model("llamacpp", max_tokens=SHORT, temperature=0.0, streaming=False)
    long = build_chat_model("llamacpp", max_tokens=LONG, temperature=0.0, streaming=False)
    assert isinstance(short, ChatLlamaCpp) and isinstance(long, ChatLlamaCpp)
    assert short.client is long.client  # the packaged GGUF is loaded once

    short_reply, long_reply = short.invoke(PROMPT), long.invoke(PROMPT)
    assert short_reply.response_metadata["finish_reason"] == "length"
    assert 0 < len(short.client.tokenize(short_reply.text.encode(), add_bos=False)) <= SHORT
    assert long_reply.text.startswith(short_reply.text)  # greedy decoding, so only the limit differs
    assert len(long_reply.text) > len(short_reply.text)


def test_llamacpp_max_tokens_bounds_streaming(gguf: Path) -> None:
    model = build_chat_model("llamacpp", model_path=gguf, max_tokens=SHORT, temperature=0.0)
    chunks = list(model.stream(PROMPT))
    assert 1 <= len([chunk for chunk in chunks if chunk.text]) <= SHORT  # llama.cpp streams a token a chunk
    assert _merge(chunks).response_metadata.get("finish_reason") == "length"


# --- llama_cpp.server through the OpenAI-compatible backend ---------------------------------------------


def _free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Run llama_cpp.server on the packaged GGUF on loopback; yield its base URL and model id."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        model_id = _wait_for_models(base_url, process, log_path)
        yield base_url, model_id
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_models(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> str:
    """Poll /v1/models until the server answers; return the id of the model it serves."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            response = httpx.get(f"{base_url}/models", timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.25)
            continue
        if response.status_code == 200:
            return str(response.json()["data"][0]["id"])
        time.sleep(0.25)
    pytest.fail(f"llama_cpp.server did not answer within {SERVER_START_SECONDS}s:\n{_tail(log_path)}")


def _tail(log_path: Path) -> str:
    """Return the end of the server log, for a failure message."""
    return log_path.read_text(errors="replace")[-2000:]


def _openai(server: tuple[str, str], max_tokens: int, *, streaming: bool = True) -> BaseChatModel:
    """Build the OpenAI-compatible backend against the test server."""
    base_url, model_id = server
    return build_chat_model(
        "openai",
        base_url=base_url,
        model=model_id,
        api_key="none",
        max_tokens=max_tokens,
        temperature=0.0,
        streaming=streaming,
    )


def test_openai_invoke_returns_text(server: tuple[str, str]) -> None:
    reply = _openai(server, LONG, streaming=False).invoke(PROMPT)
    assert isinstance(reply, AIMessage)
    assert reply.text.strip()
    assert reply.usage_metadata is not None
    assert 0 < reply.usage_metadata["output_tokens"] <= LONG


def test_openai_streams_several_chunks(server: tuple[str, str]) -> None:
    chunks = list(_openai(server, LONG).stream(PROMPT))
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    assert len([chunk for chunk in chunks if chunk.text]) >= 3
    assert _text(chunks).strip()


def test_openai_max_tokens_bounds_generation(server: tuple[str, str]) -> None:
    assert _completion_tokens(_openai(server, SHORT, streaming=False)) == (SHORT, "length")
    assert _completion_tokens(_openai(server, LONG, streaming=False))[0] > SHORT


def test_openai_max_tokens_bounds_streaming(server: tuple[str, str]) -> None:
    chunks = list(_openai(server, SHORT).stream(PROMPT))
    assert 1 <= len([chunk for chunk in chunks if chunk.text]) <= SHORT
    assert _merge(chunks).response_metadata.get("finish_reason") == "length"
