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

.PHONY: setup uv deps infra topics browser run test test-unit lint settings-doc bench-pipeline bench-saga bench-hops bench-api bench-asgi \
	stop status clean

setup: deps infra topics ## everything a fresh machine needs, idempotent

uv: $(UV)

$(UV):
	$(PYTHON) infra/bootstrap_uv.py $(UV_HOME) $(UV_VERSION)

deps: uv
	$(UV) sync --frozen --quiet

infra:
	$(PYTHON) infra/stack.py up

# Debian's Chromium, for the browser tests (Playwright drives it; it downloads no browser).
# `make test` needs it, `make run` does not.
browser:
	$(PYTHON) infra/stack.py chromium-install

topics: deps
	$(UV) run --frozen python -m arcadia_platform.topics_admin

run: setup ## the whole stack in the foreground; Ctrl-C stops everything
	ARCADIA_ENV=development $(UV) run --frozen python tools/run_stack.py

test: setup browser lint ## the whole suite against real Kafka and PostgreSQL
	$(UV) run --frozen pytest

# The unit tier: every test whose fixtures reach neither Kafka nor PostgreSQL (the root conftest
# marks them `unit`), with every address the settings and fixtures read pointing at a closed port
# (nothing listens on port 1): a test wrongly taken for a unit test is refused at once instead of
# reaching a server, and any test still running after 30 s fails. Starts no infrastructure.
CLOSED_PORT := 1
CLOSED_DATABASE_URL := postgresql://arcadia:arcadia@127.0.0.1:$(CLOSED_PORT)/postgres
# The services' own URLs are unset, so that they derive from the two closed ones.
UNIT_ENV := env $(foreach s,API BILLING PROVISIONER INVENTORY,-u ARCADIA_$(s)_DATABASE_URL \
	-u ARCADIA_$(s)_KAFKA_BOOTSTRAP_SERVERS) \
	KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$(CLOSED_PORT) DATABASE_URL=$(CLOSED_DATABASE_URL) \
	ARCADIA_KAFKA_PORT=$(CLOSED_PORT) ARCADIA_PG_PORT=$(CLOSED_PORT) ARCADIA_TEST_TIER=unit
# Most of the tier's time is spent waiting (client timeouts against cloudsim): workers overlap it.
UNIT_WORKERS ?= 4

test-unit: deps ## the pure tests only (no Kafka, no PostgreSQL), in about 30 s
	$(UNIT_ENV) $(UV) run --frozen pytest -m unit -n $(UNIT_WORKERS) --timeout 30 -q

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen python -m arcadia_contracts.schema --check
	$(UV) run --frozen python tools/settings_reference.py --check

settings-doc: deps ## regenerate docs/settings.md from the settings classes
	$(UV) run --frozen python tools/settings_reference.py

bench-pipeline: setup ## outbox -> Kafka -> inbox throughput and latency
	$(UV) run --frozen python -m benchmarks.pipeline

bench-saga: setup ## provisioning sagas/s and request-to-active latency, whole stack
	$(UV) run --frozen python -m benchmarks.saga

bench-hops: setup ## where a paced saga's latency goes: relay and consume delay of every hop
	$(UV) run --frozen python -m benchmarks.hops

bench-asgi: deps ## the gateway's HTTP stack alone: CPU us/request through ASGI vs the bare app
	$(UV) run --frozen python -m benchmarks.asgi

bench-api: setup ## gateway reads (wrk, 2 threads, 64 connections) against a bare Litestar app
	$(UV) run --frozen python -m benchmarks.api

stop:
	$(PYTHON) infra/stack.py down

status:
	$(PYTHON) infra/stack.py status

clean: ## stop, then delete .local/ and the database kept outside it (as root, /var/tmp/arcadia/...)
	$(PYTHON) infra/stack.py clean
	rm -rf .local
