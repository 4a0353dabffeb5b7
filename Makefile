# Two commands: `make run` (set-up + the whole stack) and `make test` (set-up + the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: setup uv deps infra topics run test lint typecheck unit bench-pipeline bench-saga stop status clean

setup: deps infra topics ## everything a fresh machine needs, idempotent

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv

deps: uv
	uv sync --frozen --quiet

infra:
	$(PYTHON) infra/stack.py up

topics: deps
	uv run --frozen python -m arcadia_platform.topics_admin

run: setup ## the whole stack in the foreground; Ctrl-C stops everything
	uv run --frozen python tools/run_stack.py

test: setup lint ## the whole suite against real Kafka and PostgreSQL
	uv run --frozen pytest

lint: deps
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy
	uv run --frozen python -m arcadia_contracts.schema --check

bench-pipeline: setup ## outbox -> Kafka -> inbox throughput and latency
	uv run --frozen python -m benchmarks.pipeline

bench-saga: setup ## provisioning sagas/s and request-to-active latency, whole stack
	uv run --frozen python -m benchmarks.saga

stop:
	$(PYTHON) infra/stack.py down

status:
	$(PYTHON) infra/stack.py status

clean: stop
	rm -rf .local
