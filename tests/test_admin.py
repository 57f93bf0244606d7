"""The admin app on a real server: /admin behind its own login, absent without PLANQA_ADMIN_AUTH, and never
part of the public app's API; its login throttled like the page's; the corpus tab's events wired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
from gradio_client import Client
from pydantic import SecretStr

from ingest.index import Indexer
from ingest.manage import ManagedCorpus
from qa.chain import QAChain
from qa.settings import Settings
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.test_manage import BASE
from tests.test_ui_app import free_port
from tests.ui_index import plans_chain
from ui.admin import AdminPage, admin_app, build_admin
from ui.app import create, launch
from ui.tabs.corpus import upload

ADMIN = ("boss", "pa55-word")
# Every way into a Gradio app: its page config, API description, queue, direct calls and uploads.
GUARDED = [
    ("GET", "config"),
    ("GET", "gradio_api/info"),
    ("POST", "gradio_api/queue/join"),
    ("POST", "gradio_api/call/lambda"),
    ("POST", "gradio_api/upload"),
    ("GET", "gradio_api/file=/etc/hostname"),
]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def admin_page(root: Path) -> AdminPage:
    store = ChunkStore(open_client(root / "index"), "plans", embedding_model="bigram")
    corpus = ManagedCorpus(
        Indexer(store, BigramEmbeddings(), root / "index"), root / "uploads", max_bytes=1 << 20
    )
    return AdminPage(corpus, max_files=3)


def serve(chain: QAChain, settings: Settings, admin: gr.Blocks | None) -> tuple[gr.Blocks, str]:
    demo = create(chain, settings)
    url = launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True, admin=admin)
    return demo, url.rstrip("/")


@pytest.fixture(scope="module")
def server(chain: QAChain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("admin")
    user, password = ADMIN
    settings = Settings(feedback_db=root / "f.sqlite3", admin_auth=SecretStr(f"{user}:{password},other:x"))
    demo, url = serve(chain, settings, build_admin(admin_page(root)))
    yield url
    demo.close()


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_nothing_under_admin_answers_without_the_admin_login(server: str, method: str, path: str) -> None:
    reply = httpx.request(method, f"{server}/admin/{path}", json={"data": [], "fn_index": 0})
    assert reply.status_code == 401, reply.text


def test_the_admin_page_shows_only_a_login_form_to_strangers(server: str) -> None:
    page = httpx.get(f"{server}/admin/", follow_redirects=True)
    assert page.status_code == 200
    assert "上传并索引" not in page.text and "文档库" not in page.text  # the layout comes with the config


def test_wrong_passwords_and_the_public_login_do_not_open_admin(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        assert http.post("/admin/login", data={"username": ADMIN[0], "password": "guess"}).status_code == 400
        assert http.post("/admin/login", data={"username": "other", "password": ADMIN[1]}).status_code == 400
        assert http.get("/admin/config").status_code == 401


def test_the_admin_login_opens_the_corpus_tab(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        assert http.post(
            "/admin/login", data=dict(zip(("username", "password"), ADMIN, strict=True))
        ).is_success
        config = http.get("/admin/config")
        assert "上传并索引" in http.get("/admin/").text  # what a stranger's copy of the page lacks
        assert config.status_code == 200 and "上传并索引" in config.text and "已索引文档" in config.text
        info: dict[str, Any] = http.get("/admin/gradio_api/info").json()
    # The corpus-changing events are private even to the admin's API listing.
    assert not any("add" in name or "drop" in name for name in info["named_endpoints"])


def test_admin_functions_are_not_on_the_public_app(server: str) -> None:
    api: dict[str, Any] = Client(server, verbose=False).view_api(return_format="dict", print_info=False)
    assert "/ask" in api["named_endpoints"] and not api["unnamed_endpoints"]
    public = httpx.get(f"{server}/config").json()
    labels = {str(c.get("props", {}).get("value")) for c in public["components"]}
    assert "上传并索引" not in labels
    assert httpx.post(f"{server}/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 403


def test_failed_admin_logins_are_throttled_by_address(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        form = {"username": ADMIN[0], "password": "wrong"}
        headers = {"X-Forwarded-For": "203.0.113.40"}  # ignored: no trusted proxies, the peer is 127.0.0.1
        codes = [http.post("/admin/login", data=form, headers=headers).status_code for _ in range(12)]
        assert codes.count(429) >= 5 and set(codes) <= {400, 429}, codes
        locked = http.post("/admin/login", data=dict(zip(("username", "password"), ADMIN, strict=True)))
        assert locked.status_code == 429 and "登录失败次数过多" in locked.json()["detail"]


def test_without_admin_auth_there_is_no_admin_page(chain: QAChain, tmp_path: Path) -> None:
    settings = Settings(feedback_db=tmp_path / "f.sqlite3")
    assert admin_app(settings, tmp_path / "index") is None
    demo, url = serve(chain, settings, build_admin(admin_page(tmp_path)))  # given, but no login: not served
    try:
        for path in ("/admin", "/admin/", "/admin/config", "/admin/login"):
            method = "POST" if path.endswith("login") else "GET"
            assert httpx.request(method, url + path).status_code == 404, path
    finally:
        demo.close()


def test_an_upload_of_too_many_files_indexes_none(tmp_path: Path) -> None:
    page = admin_page(tmp_path)  # at most 3 files per upload
    files = []
    for n in range(4):
        path = tmp_path / "in" / str(n) / f"plan{n}.txt"
        path.parent.mkdir(parents=True)
        path.write_text(BASE.replace("青梅区", f"青梅{n}区"), encoding="utf-8")
        files.append(str(path))
    outcomes, note = upload(page, files)
    assert outcomes == [] and "最多上传 3 个" in note and page.corpus.documents() == []
    outcomes, note = upload(page, files[:3])
    assert [o.ok for o in outcomes] == [True, True, True] and "已索引 3 个文件" in note
    assert {r.doc_id for r in page.corpus.documents()} == {"plan0", "plan1", "plan2"}
