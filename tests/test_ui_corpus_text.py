"""The page's words come from what is indexed: choices, examples, welcome, header, footer, title, warm-up."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from ingest.index import Indexer
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import Corpus, LiveCorpus
from qa.periods import plans
from qa.retrieve import HybridRetriever
from qa.script import to_simplified
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.period_index import NEXT_ID, NEXT_TITLE, next_plan, two_period_corpus
from tests.ui_index import plans_chain
from ui.chat import ChatService
from ui.corpus_text import ALL, manifest_examples, page_text
from ui.feedback import FeedbackStore
from ui.limits import RateLimiter

UI = Path(__file__).resolve().parent.parent / "ui"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return two_period_corpus(tmp_path_factory.mktemp("page-periods"))


def test_every_plan_is_named_from_the_index(chain: QAChain) -> None:
    corpus = chain.corpus
    page = page_text(corpus)
    districts = {d.doc_id: d for d in corpus.districts}
    assert page.choices[0] == ("全部", ALL)
    assert [value for _, value in page.choices[1:]] == list(districts)
    for label, doc_id in page.choices[1:]:
        assert label in districts[doc_id].aliases and len(label) < len(districts[doc_id].name)
    for plan in plans(corpus):
        assert to_simplified(plan.title) in page.footer
        assert plan.district in page.header and plan.district in page.welcome and plan.district in page.title
    assert "“十四五”" in page.title and "“十四五”" in page.welcome


def test_generated_examples_ask_about_each_plans_own_sections_and_get_answers(chain: QAChain) -> None:
    corpus = chain.corpus
    page = page_text(corpus)  # no examples given: every one is built from the plans
    names = {p.doc_id: to_simplified(p.district) for p in plans(corpus)}
    for doc_id, name in names.items():
        asked = page.examples[doc_id]
        assert len(asked) == 3 and len(set(asked)) == 3
        headings = {
            to_simplified(h) for c in corpus.chunks.values() if c.doc_id == doc_id for h in c.section_path
        }
        for question in asked:
            simplified = to_simplified(question)
            assert simplified.startswith(name)
            assert any(re.sub(r"^\S*[章节]\s*", "", h) in simplified for h in headings), question
            assert not chain.ask(question).refused, question
    overview = page.examples[ALL]
    assert any(all(n in to_simplified(q) for n in names.values()) for q in overview)  # a comparison
    assert page.warm_up == overview[0]


def test_examples_a_manifest_gives_win(chain: QAChain) -> None:
    given = manifest_examples(BUNDLED_PLANS)
    manifest = json.loads((BUNDLED_PLANS / "manifest.json").read_text(encoding="utf-8"))
    assert given == {e["id"]: e["examples"] for e in manifest if e.get("examples")}
    page = page_text(chain.corpus, {"liwan": ["一个给定的问题？"]})
    assert page.examples["liwan"] == ["一个给定的问题？"]
    assert page.examples["conghua"] == page_text(chain.corpus).examples["conghua"]


def test_a_manifest_without_examples_or_unreadable_gives_none(tmp_path: Path) -> None:
    assert manifest_examples(tmp_path) == {}
    (tmp_path / "manifest.json").write_text('[{"id": "x", "examples": "not a list"}, 3]', encoding="utf-8")
    assert manifest_examples(tmp_path) == {}
    assert manifest_examples(None) == {}


def test_a_district_with_two_plans_gets_a_choice_per_period_and_a_comparison(two_periods: Corpus) -> None:
    page = page_text(two_periods, today=date(2027, 1, 1))
    labels = dict((value, label) for label, value in page.choices)
    assert labels[NEXT_ID].endswith("十五五") and labels["conghua"].endswith("十四五")
    assert labels["liwan"] == "荔湾"  # one plan: no period in its label
    assert "“十四五”" in page.welcome and NEXT_TITLE in page.footer
    assert any("十四五" in q and "十五五" in q and "变化" in q for q in page.examples[ALL])
    chain = QAChain(
        HybridRetriever(source=two_periods, embeddings=BigramEmbeddings()), today=lambda: date(2027, 1, 1)
    )
    assert not chain.ask(page.examples[NEXT_ID][0]).refused


def test_the_page_follows_an_ingest(tmp_path: Path) -> None:
    store = ChunkStore(open_client(tmp_path / "index"), "plans", embedding_model="bigram")
    indexer = Indexer(store, BigramEmbeddings(), tmp_path / "index")
    indexer.ingest(read_manifest(BUNDLED_PLANS), progress=False)
    live = LiveCorpus(store, tmp_path / "index")
    chain = QAChain(HybridRetriever(source=live, embeddings=BigramEmbeddings()))
    service = ChatService(chain, FeedbackStore(tmp_path / "f.sqlite3"), RateLimiter(per_minute=10))
    before = service.page()
    assert [value for _, value in before.choices] == [ALL, "conghua", "liwan"]
    assert service.page() is before  # built once per snapshot
    indexer.ingest([*read_manifest(BUNDLED_PLANS), next_plan(tmp_path)], progress=False)
    after = service.page()
    assert [value for _, value in after.choices] == [ALL, "conghua", NEXT_ID, "liwan"]
    assert NEXT_TITLE in after.footer and NEXT_TITLE not in before.footer


def test_an_empty_index_still_gives_a_page() -> None:
    page = page_text(None)
    assert page.choices == [("全部", ALL)] and page.title == "规划问答" and page.warm_up == ""
    assert page.examples_for("anything") == []


def test_no_district_of_the_index_is_written_into_the_ui_code(chain: QAChain) -> None:
    names = {a for d in chain.corpus.districts for a in d.aliases if len(a) >= 2}
    names |= {d.doc_id for d in chain.corpus.districts}
    found = [
        f"{path.name}: {name}"
        for path in UI.rglob("*.py")
        for name in names
        if name.lower() in path.read_text(encoding="utf-8").lower()
    ]
    assert found == []
