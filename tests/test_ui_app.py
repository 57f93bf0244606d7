"""The app served on 127.0.0.1 and called through gradio_client: the /ask and /brief API, login."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client
from pydantic import SecretStr

from qa.chain import QAChain
from qa.serialize import answer_json
from qa.settings import REPO_ROOT, Settings
from tests.ui_index import plans_chain
from ui.app import create, launch, parse_auth

GDP = "从化区2020年的地区生产总值是多少？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def serve(chain: QAChain, settings: Settings) -> tuple[gr.Blocks, str]:
    demo = create(chain, settings)
    return demo, launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True)


@pytest.fixture(scope="module")
def app(chain: QAChain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(feedback_db=tmp_path_factory.mktemp("fb") / "f.sqlite3", rate_limit_per_minute=50)
    demo, url = serve(chain, settings)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(app: str) -> Client:
    return Client(app, verbose=False)


def test_only_ask_and_brief_are_public(client: Client) -> None:
    api: dict[str, Any] = client.view_api(return_format="dict", print_info=False)
    assert sorted(api["named_endpoints"]) == ["/ask", "/brief"]
    assert not api["unnamed_endpoints"]


def test_ask_returns_the_cli_json_object(client: Client, chain: QAChain) -> None:
    got = client.predict(question=GDP, district="conghua", api_name="/ask")
    want = answer_json(chain.ask(GDP, district="conghua"))
    assert got.keys() == want.keys()
    assert got["citations"] == want["citations"] and got["answer"] == want["answer"]
    assert "386.31亿元" in got["answer"] and got["refused"] is False


def test_ask_takes_history_for_follow_ups(client: Client) -> None:
    first = client.predict(question=GDP, api_name="/ask")
    follow = client.predict(question="那荔湾呢？", history=[[GDP, first["answer"]]], api_name="/ask")
    assert follow["citations"] and {c["doc_id"] for c in follow["citations"]} == {"liwan"}


def test_malformed_history_is_ignored_not_an_error(client: Client) -> None:
    got = client.predict(question=GDP, history=[["x"], [None], "turn", []], api_name="/ask")
    assert "386.31亿元" in got["answer"] and got["refused"] is False


def test_brief_returns_markdown_and_cited_points(client: Client) -> None:
    got = client.predict(topic="生态环境保护", districts=["liwan"], api_name="/brief")
    assert got["markdown"].startswith("# 简报：生态环境保护")
    assert [d["doc_id"] for d in got["districts"]] == ["liwan"]
    named = client.predict(topic="生态环境保护", districts=["荔灣區"], api_name="/brief")  # a name
    assert [d["doc_id"] for d in named["districts"]] == ["liwan"]
    point = got["districts"][0]["key_points"][0]
    assert point["text"] and point["section"] and point["line"] > 0
    empty = client.predict(topic="  ", api_name="/brief")
    assert empty["error"] and not empty["districts"]


def test_login_is_required_when_auth_is_set(chain: QAChain, tmp_path: Path) -> None:
    settings = Settings(feedback_db=tmp_path / "f.sqlite3", auth=SecretStr("staff:s3cret"))
    demo, url = serve(chain, settings)
    try:
        with pytest.raises(ValueError):
            Client(url, verbose=False)
        got = Client(url, auth=("staff", "s3cret"), verbose=False).predict(question=GDP, api_name="/ask")
        assert got["citations"]
    finally:
        demo.close()


def test_auth_setting_parses_to_gradio_pairs() -> None:
    assert parse_auth(None) is None and parse_auth("nonsense") is None
    assert parse_auth("a:1, b:x:y") == [("a", "1"), ("b", "x:y")]


def as_in_a_terminal() -> None:
    """Let Ctrl+C (SIGINT) stop the child even when the test runs in a background job, which ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_chat_command_ingests_an_empty_index_then_serves_on_localhost(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PLANQA_FEEDBACK_DB": str(tmp_path / "f.sqlite3")}
    index = tmp_path / "index"
    command = [sys.executable, "-m", "ui.cli", "chat", "--port", str(port), "--index", str(index)]
    log = tmp_path / "chat.log"
    with log.open("w") as err:
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=err, stderr=subprocess.STDOUT, preexec_fn=as_in_a_terminal
        )
        try:
            deadline = time.monotonic() + 300
            while "规划问答已启动" not in log.read_text(encoding="utf-8"):
                assert server.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
                time.sleep(0.5)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
                assert "规划问答" in page.read().decode()
            got = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question=GDP, api_name="/ask")
            assert "386.31亿元" in got["answer"]
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert "索引为空" in text and f"http://127.0.0.1:{port}/" in text


def test_everything_that_runs_the_retriever_shares_one_concurrency_limit(
    chain: QAChain, tmp_path: Path
) -> None:
    demo = create(chain, Settings(feedback_db=tmp_path / "f.sqlite3", concurrency_limit=3))
    limited = {
        f.api_name for f in demo.fns.values() if (f.concurrency_id, f.concurrency_limit) == ("chain", 3)
    }
    assert {"ask", "brief", "make_brief", "respond"} <= limited
    assert {f.api_name for f in demo.fns.values() if f.api_visibility == "public"} == {"ask", "brief"}
