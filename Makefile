# zhifa: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv run --frozen
PY_PACKAGES := zhifa generator dashboards cli ingestion dagster_defs api expectations tests

.PHONY: bootstrap demo test lint typecheck pytest

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(UV) zhifa demo

lint: bootstrap
	$(UV) ruff check .
	$(UV) ruff format --check .
	$(UV) lint-imports

typecheck: bootstrap
	$(UV) mypy $(PY_PACKAGES)

# two workers for the two cores; tests of one file stay on one worker so session fixtures are shared
pytest: bootstrap
	$(UV) pytest -q -n 2 --dist loadfile

test: lint typecheck pytest
