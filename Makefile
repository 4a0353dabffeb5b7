# Two commands: `make run` (set-up + the whole stack) and `make test` (set-up + the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
# uv, pinned, in a virtual environment of its own under the ignored state folder: it needs
# nothing on PATH and works where pip refuses to install (Debian's PEP 668 Python, no pip).
UV_VERSION := 0.13.9
UV_HOME := $(CURDIR)/.local/uv
UV := $(UV_HOME)/bin/uv
# Never try to download a Python: use the machine's (3.11+).
export UV_PYTHON_DOWNLOADS := never
# Trust the machine's certificate store (a company proxy's CA included), as pip and Maven do.
export UV_SYSTEM_CERTS := 1

.PHONY: setup uv deps infra topics run test lint bench-pipeline bench-saga stop status clean

setup: deps infra topics ## everything a fresh machine needs, idempotent

uv: $(UV)

$(UV):
	$(PYTHON) infra/bootstrap_uv.py $(UV_HOME) $(UV_VERSION)

deps: uv
	$(UV) sync --frozen --quiet

infra:
	$(PYTHON) infra/stack.py up

topics: deps
	$(UV) run --frozen python -m arcadia_platform.topics_admin

run: setup ## the whole stack in the foreground; Ctrl-C stops everything
	ARCADIA_ENV=development $(UV) run --frozen python tools/run_stack.py

test: setup lint ## the whole suite against real Kafka and PostgreSQL
	$(UV) run --frozen pytest

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen python -m arcadia_contracts.schema --check

bench-pipeline: setup ## outbox -> Kafka -> inbox throughput and latency
	$(UV) run --frozen python -m benchmarks.pipeline

bench-saga: setup ## provisioning sagas/s and request-to-active latency, whole stack
	$(UV) run --frozen python -m benchmarks.saga

stop:
	$(PYTHON) infra/stack.py down

status:
	$(PYTHON) infra/stack.py status

clean: stop
	rm -rf .local
