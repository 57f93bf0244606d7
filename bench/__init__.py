"""Benchmark: ingest time, query latency and chat-process memory, ours beside a naive pipeline."""
