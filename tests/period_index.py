"""The bundled 十四五 plans with a made-up 十五五 plan of one of their districts (never in data/plans)."""

from __future__ import annotations

from pathlib import Path

from ingest.index import Indexer
from ingest.load import read_manifest
from qa.corpus import Corpus
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from qa.types import DocumentInfo
from tests.fakes import BigramEmbeddings

NEXT_ID = "conghua-15"
NEXT_TITLE = "广州市从化区国民经济和社会发展第十五个五年规划纲要"
NEXT_PLAN = f"""{NEXT_TITLE}
第一章 “十五五”时期发展总体要求
第一节 主要目标
“十五五”时期，地区生产总值年均增长5.5%左右，数字经济核心产业增加值占地区生产总值比重达到12%。
到2030年，森林覆盖率稳定在70.5%以上，城镇居民人均可支配收入达到9.8万元。
第二章 培育发展新质生产力
第一节 发展低空经济
建设从化低空经济产业园，到2030年低空经济产业规模达到120亿元，开通低空物流航线20条。
第二节 推进温泉旅游提质
推动温泉旅游与康养产业融合发展，建成国家级旅游度假区2个。
"""


def next_plan(root: Path) -> tuple[Path, DocumentInfo]:
    """The made-up 十五五 plan written into a folder, with its description."""
    plan = root / "next-plan.txt"
    plan.write_text(NEXT_PLAN, encoding="utf-8")
    return plan, DocumentInfo(NEXT_ID, NEXT_TITLE, "从化区", "zh-Hans", "2026—2030")


def two_period_corpus(root: Path) -> Corpus:
    """A real index (bigram embedder) of the bundled plans and the made-up 十五五 plan."""
    store = ChunkStore(open_client(root / "index"), "plans", embedding_model="bigram")
    sources = [*read_manifest(BUNDLED_PLANS), next_plan(root)]
    Indexer(store, BigramEmbeddings(), root / "index").ingest(sources, progress=False)
    return Corpus.open(store, root / "index")
