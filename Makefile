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

# The suite runs in a machine time zone far from Shanghai's (UTC+14): nothing may depend on it.
# `make pytest TEST_TZ=Pacific/Pago_Pago` (UTC-11) must pass too.
TEST_TZ ?= Pacific/Kiritimati

# two workers for the two cores; tests of one file stay on one worker so session fixtures are shared
pytest: bootstrap
	TZ=$(TEST_TZ) $(UV) pytest -q -n 2 --dist loadfile --durations=15

test: lint typecheck pytest
