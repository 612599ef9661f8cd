# Two commands on a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export PEERLESS_ENV ?= development

.PHONY: run test install migrate seed-demo bench fault soak screenshots clean train-safety

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(VENV)/bin/flask --app wsgi db upgrade

run: migrate  ## serve the API on http://127.0.0.1:$(PORT) (docs at /docs), draining pushes in-process
	PUSH_WORKER_IN_PROCESS=true $(VENV)/bin/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

# Tests run in TEST_WORKERS processes (pytest-xdist): every test has its own database, temp files and
# Redis key prefix, so they share nothing. TEST_WORKERS=0 runs them in this process (for a debugger).
TEST_WORKERS ?= 2
test: install  ## the whole suite; exit code 5 (no tests ran) fails like any other
	PEERLESS_ENV=testing $(PY) -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

screenshots: install  ## photograph each console page in headless Chromium into docs/screenshots/
	PEERLESS_ENV=testing PEERLESS_SCREENSHOTS=1 $(PY) -m pytest tests/console/test_browser.py -k every_page $(PYTEST_ARGS)

bench: install  ## run every benchmark under bench/ and rewrite docs/performance.md
	$(PY) bench/run_all.py $(BENCH_ARGS)

# Installs matrix-synapse from PyPI into a venv of its own under /tmp/peerless-bench (never .venv).
.PHONY: bench-synapse
bench-synapse: install  ## message sends, Peerless against Matrix Synapse in the same run (installs Synapse into /tmp/peerless-bench); rewrites its docs/performance.md section
	$(PY) bench/synapse.py $(BENCH_ARGS)

# Need PostgreSQL and Redis (DATABASE_URL, REDIS_URL; `bash .ci/services.sh start` gives both on 127.0.0.1).
fault: install  ## fault and load test: SIGKILL an API process and a push worker under load, then verify (~3 min)
	$(PY) bench/fault_load.py $(FAULT_ARGS)

soak: install  ## the same test for 10 minutes: memory and latency over time, into docs/performance.md
	$(PY) bench/fault_load.py --soak --write-doc $(FAULT_ARGS)

train-safety: install  ## retrain the safety model from tests/safety/corpus (train; thresholds on dev) into services/safety/model/
	$(PY) -m services.safety.train

.PHONY: client client-check
client: install  ## regenerate the TypeScript client (clients/typescript: openapi.json, src/schema.d.ts)
	PYTHON=$(PY) bash clients/typescript/scripts/generate.sh

client-check: install  ## fail when the committed TypeScript client no longer matches the OpenAPI document
	PYTHON=$(PY) bash clients/typescript/scripts/generate.sh --check

.PHONY: client-test
client-test: install  ## the TypeScript client's CI: client-check, typecheck, unit and journey tests against a live API (SQLite, or DATABASE_URL/REDIS_URL)
	PYTHON=$(PY) bash clients/typescript/ci.sh

seed-demo: migrate
	$(VENV)/bin/flask --app wsgi seed-demo

clean:
	rm -rf $(VENV) instance .pytest_cache
