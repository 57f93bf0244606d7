# The developer loop: `make check` before every commit; `make test` runs everything CI runs.
PY ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: check test fast slow fmt

check: ## format, lint, types and the fast tests
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -m "not slow"

# pytest exits 5 when it collects no test; that is not a failure of the code under test.
test: ## every test, the slow real-model ones included
	$(PY) -m pytest -q || [ $$? -eq 5 ]

fast: ## the fast tests only
	$(PY) -m pytest -q -m "not slow"

slow: ## the slow tests only (real models, subprocess crashes)
	$(PY) -m pytest -q -m slow

fmt: ## format and apply safe lint fixes
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
