"""Evaluation: a QA set in, retrieval, answer, citation, refusal, script and latency metrics out."""
