# Two commands for a new user: `make run` starts the local stack, `make test` proves it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= dev
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run reset test pytest lint typecheck unit package cfn-lint deploy destroy staff-token verify-sender bench fuzz clean \
	report-recompute browser

# uv installs the same versions as pip from the same constraints, in about 10 s instead of 50 (pip stays, upgraded:
# `chalice package` uses it); pip installs them itself if uv cannot be installed or cannot install them.
$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	( $(PY) -m pip install -q uv && $(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]' ) \
		|| $(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The local stack; its data stays in LOCAL_STATE_DIR (default .local-state/) across restarts.
run: $(STAMP)
	$(PY) -m infra.local_stack

# Empties LOCAL_STATE_DIR: the next `make run` starts empty (refused while a stack is using it).
reset: $(STAMP)
	$(PY) -m infra.local_state reset

# ruff and mypy run beside the suite: pytest keeps two cores only about 75% busy (the local stacks wait on their
# emulator and on real time), so they cost no wall time. cfn-lint goes first: its `chalice package` and the deploy
# rehearsal's would both fill chalice's dependency cache in .chalice/deployments on a fresh clone.
test: $(STAMP) browser cfn-lint
	$(MAKE) --no-print-directory -j3 lint typecheck pytest

# Three workers on two cores: with two, the cores stood half idle while local stacks waited on real time (scan
# intervals, timers, the browser); 5 min 30 s instead of 7 min 33 s on this machine. The minutes-long load test is
# collected first (tests/conftest.py), so it runs beside the rest instead of after it, and `worksteal` lets the
# other workers take the tests queued behind it (5 min 15 s).
pytest: $(STAMP)
	$(PY) -m pytest -q -n 3 --dist worksteal

# The console's browser tests drive Debian's chromium (CHROMIUM; Playwright never downloads a browser here) and
# need a Chinese font for the Chinese pages: both installed with apt-get when missing (as root, or through sudo).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
browser:
	@if [ -x "$(CHROMIUM)" ] && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	echo "installing chromium and a Chinese font for the browser tests (apt-get)"; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

package: $(STAMP)
	rm -rf build/$(STAGE)
	$(VENV)/bin/chalice package --stage $(STAGE) --merge-template infra/resources.yaml build/$(STAGE)
	@echo "deployable template: build/$(STAGE)/sam.yaml"

cfn-lint: $(STAMP)
	$(MAKE) --no-print-directory package STAGE=prod >/dev/null
	$(VENV)/bin/cfn-lint build/prod/sam.yaml

# Real AWS (credentials of the account to deploy to): settings in deploy/$(STAGE).env (see deploy/example.env and
# README "Deploy"). The settings are checked first: nothing is packaged or sent while one is missing or wrong.
DEPLOY_SETTINGS ?= deploy/$(STAGE).env
DEPLOY := $(PY) -m infra.deploy
deploy: $(STAMP)
	$(DEPLOY) check --stage $(STAGE) --settings $(DEPLOY_SETTINGS)
	$(MAKE) --no-print-directory package STAGE=$(STAGE)
	$(DEPLOY) deploy --stage $(STAGE) --settings $(DEPLOY_SETTINGS) --template build/$(STAGE)/sam.yaml

# Deletes the stack; the table and the app's secret stay unless DELETE_DATA=yes.
destroy: $(STAMP)
	$(DEPLOY) destroy --stage $(STAGE) --settings $(DEPLOY_SETTINGS) $(if $(filter yes,$(DELETE_DATA)),--delete-data)

staff-token: $(STAMP)
	$(DEPLOY) staff-token

verify-sender: $(STAMP)
	$(DEPLOY) verify-sender --stage $(STAGE) --settings $(DEPLOY_SETTINGS)

bench: $(STAMP)
	$(PY) -m bench

# Schemathesis against /openapi.json on a local stack it starts: `make test` runs the same test with a small seeded
# budget; this one, FUZZ_EXAMPLES per operation (default 100) and a random seed (FUZZ_SEED=<n> replays a run).
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_MIN_REQUESTS=1000 $(PY) -m pytest -q tests/e2e/test_fuzz.py

clean:
	rm -rf build outbox .mypy_cache .ruff_cache

# Rebuild a month's report counters from the audit trail: make report-recompute MONTH=2026-11
# (against the table the environment names; for the local stack: AWS_ENDPOINT_URL=http://127.0.0.1:5000)
report-recompute: $(STAMP)
	@test -n "$(MONTH)" || (echo "usage: make report-recompute MONTH=YYYY-MM" && exit 2)
	$(PY) -m chalicelib.cli recompute $(MONTH)
