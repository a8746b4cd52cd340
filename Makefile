# PromptGen: `make run` serves the demo, `make test` checks everything. Both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := .promptgen/demo.db
export PROMPTGEN_DATABASE_URL ?= sqlite:///$(DEMO_DB)

.PHONY: install web web-test types types-check chromium postgres screenshots run demo test lint format typecheck pytest \
	security audit intent-model router-model grounding-model catalog clean
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WEB_STAMP := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/package.json

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --editable '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The chat page (Vite + React), built into web/dist, which the server serves at /.
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

web-test: $(WEB_STAMP)
	cd web && npm run typecheck && npm test

# The web client's types: web/openapi.json exported from the server's pydantic models, then
# web/src/api/schema.d.ts generated from it (openapi-typescript). Run after changing the API.
types: install $(WEB_STAMP)
	$(BIN)/python scripts/export_openapi.py web/openapi.json
	cd web && npm run types

# Both regenerated into a temporary folder and compared with the committed files.
types-check: install $(WEB_STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(BIN)/python scripts/export_openapi.py "$$tmp/openapi.json" && \
	  (cd web && npx --no-install openapi-typescript "$$tmp/openapi.json" --output "$$tmp/schema.d.ts" >/dev/null) && \
	  if cmp -s "$$tmp/openapi.json" web/openapi.json && cmp -s "$$tmp/schema.d.ts" web/src/api/schema.d.ts; \
	  then echo "web types are current"; \
	  else diff -u web/openapi.json "$$tmp/openapi.json" | head -40; \
	    diff -u web/src/api/schema.d.ts "$$tmp/schema.d.ts" | head -40; \
	    echo "web types are stale: run make types" >&2; exit 1; fi

# Debian's Chromium for the browser tests (Playwright drives it; browser downloads do not work here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; }

# PostgreSQL 15 for the tests that run the Library on PostgreSQL (tests/pg.py starts its own server).
postgres:
	@test -x /usr/lib/postgresql/15/bin/initdb || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends postgresql-15; }

# Refresh the README's screenshots from the browser tests.
screenshots: install web chromium
	PROMPTGEN_SCREENSHOT_DIR=docs/images $(BIN)/pytest tests/e2e -q

HOST ?= 127.0.0.1
PORT ?= 8000

# Build the demo Library from docs/ and serve the API (and the web page) on http://$(HOST):$(PORT).
run: install web
	$(BIN)/promptgen ingest docs --prune
	$(BIN)/promptgen serve --host $(HOST) --port $(PORT)

# The spec's three drafts from the CLI, against the demo Library.
demo: install
	$(BIN)/promptgen ingest docs --prune
	$(BIN)/promptgen precompute "library integration context"
	$(BIN)/promptgen precompute "random unindexed query"
	$(BIN)/promptgen precompute "implement authentication"

test: install lint typecheck security types-check web-test pytest

lint: install
	$(BIN)/ruff check src tests scripts bench training evaluation
	$(BIN)/ruff format --check src tests scripts bench training evaluation

format: install
	$(BIN)/ruff check --fix src tests scripts bench training evaluation
	$(BIN)/ruff format src tests scripts bench training evaluation

typecheck: install
	$(BIN)/mypy

# Static security checks of src/ (bandit): any finding fails. A false positive carries
# `# nosec BXXX  # why` on its line. For each part of a string on such a line that it checks,
# bandit warns "nosec encountered ... but no failed test": that noise is dropped, nothing else.
security: install
	@out=$$($(BIN)/bandit -r src -q 2>&1); rc=$$?; \
	  printf '%s\n' "$$out" | grep -v -e 'but no failed test' -e '^$$' || true; \
	  if [ $$rc -eq 0 ]; then echo "bandit: no issues in src"; fi; exit $$rc

# Known vulnerabilities of the pinned packages (pip-audit; not part of `make test`: it needs the
# network). Where its database cannot be reached it says NOT CHECKED and fails (exit 2): an
# audit that looked nothing up is never reported as a pass.
audit: install
	$(BIN)/python scripts/audit.py

pytest: install web chromium postgres
	$(BIN)/pytest

# The shipped models (src/promptgen/models/<name>/, each with its MANIFEST.json) are rebuilt
# offline by the code under training/ (scikit-learn, a dev dependency), run from here.
# Rebuild the shipped intent model from our own prompts and the permissively licensed sets.
SHARED_INTENT ?= ../shared/data/intent
intent-model: install
	$(BIN)/python -m training.intent.train training/intent/data/*.jsonl \
	  $(SHARED_INTENT)/gsm8k_test.jsonl $(SHARED_INTENT)/mmlu_routellm.jsonl \
	  $(SHARED_INTENT)/mbpp_test.jsonl $(SHARED_INTENT)/arena_hard_v2.jsonl \
	  $(SHARED_INTENT)/selfinstruct_seed_tasks.jsonl --max-per-label 3000 \
	  --exclude evaluation/real_prompts/labels.jsonl --relabel training/intent/relabelled.jsonl \
	  --out src/promptgen/models/intent/model.npz

# Rebuild the shipped router from RouteLLM's per-prompt answers (Apache-2.0); --evaluate first
# prints the held-out-half and k-fold CV figures quoted in docs/quality.md.
SHARED_ROUTING ?= ../shared/data/routing
router-model: install
	$(BIN)/python -m training.router.train $(SHARED_ROUTING) --evaluate \
	  --out src/promptgen/models/router/model.npz

# Refit the Refusal Contract on the refusal sets (docs/grounding.md); about 25 s.
SHARED_DATA ?= ../shared/data
grounding-model: install
	$(BIN)/python -m training.grounding.fit $(SHARED_DATA)

catalog: install
	$(BIN)/python scripts/build_catalog.py ../shared/data/pricing/model_prices_upstream_only.json --date 2026-11-26

clean:
	rm -rf $(VENV) .promptgen .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist

# Benchmark (not part of `make test`): a generated Library (cached under .promptgen/bench), the
# real server under open-loop load, in-process latency; writes bench/results/bench-<time>.json.
# A dev tool outside the installed package (bench/promptgen_bench, run as python -m promptgen_bench).
# See docs/performance.md. Example: make bench BENCH_ARGS="--chunks 10000 --duration 5"
BENCH_ARGS ?= --chunks 100000 --compare 10000
.PHONY: bench soak
bench: install
	PYTHONPATH=bench $(BIN)/python -m promptgen_bench $(BENCH_ARGS)

# Soak (not part of `make test`): 10 minutes of steady load on the 100k-chunk Library with 2
# workers, latency and server RSS every 10 s; writes bench/results/soak-<time>.json.
SOAK_ARGS ?= --chunks 100000 --workers 2 --rate 200 --minutes 10
soak: install
	PYTHONPATH=bench $(BIN)/python -m promptgen_bench.soak $(SOAK_ARGS)

# Fuzzing (not part of `make test`, whose pytest runs a 50-case-per-operation slice): about
# 100,000 schemathesis cases (10,000 per operation and mode) over the API in-process, against a
# real SQLite Library in a temporary folder (tests/server/test_fuzz.py). See docs/operations.md.
# Example: make fuzz FUZZ_EXAMPLES=400 FUZZ_SEED=7
FUZZ_EXAMPLES ?= 10000
FUZZ_SEED ?= 20261126
.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest tests/server/test_fuzz.py \
	  -k test_operation -p no:cacheprovider -o addopts= -v
