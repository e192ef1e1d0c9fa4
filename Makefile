# provisor: the two commands a newcomer runs are `make run` and `make test` (see README.md).
# Exit codes: 0 success; non-zero when a step fails (the failing step's own code).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= provisor-out

.PHONY: run test bench venv system-deps docs clean fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## run: set up and run the main job on the built-in default policy, writing ./provisor-out/
run: $(STAMP)
	$(BIN)/provisor plan -o $(OUT) --force

## system-deps: Debian's prometheus package (promtool and the server) and chromium (the report's
## browser test) for the tests
system-deps: chromium
	@if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then \
	  echo "prometheus: $$(promtool --version 2>&1 | head -n1)"; \
	else \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing Debian's prometheus package (promtool, prometheus)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends prometheus; \
	fi

## chromium: Debian's chromium for the report's headless browser test
.PHONY: chromium
chromium:
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "chromium: $$(chromium --version 2>/dev/null | head -n1)"; \
	else \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing Debian's chromium package (the report's browser test)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium; \
	fi

## test: set up everything the tests need and run the suite
test: $(STAMP) system-deps
	$(BIN)/pytest

## fuzz: the fuzz tests (pytest -m fuzz: everything under tests/fuzz/ and every test marked
## fuzz) with a long budget; `make test` runs them too, bounded. FUZZ_EXAMPLES sets the
## examples per test (env PROVISOR_FUZZ_EXAMPLES).
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP) system-deps
	PROVISOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -m fuzz -p no:cacheprovider tests

## lint: type-check the package (mypy, config in pyproject.toml) and run ruff's pyflakes rules
.PHONY: lint
lint: $(STAMP)
	$(BIN)/mypy src/provisor
	$(BIN)/ruff check src --select F

## bench: speed and memory benchmarks, printing ratios against baselines measured in the same run
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sim.py

clean:
	rm -rf $(VENV) $(OUT) build dist src/*.egg-info

## docs: regenerate docs/rules/ from the rule docstrings and docs/runbooks/ from provisor.render.runbooks
docs: $(STAMP)
	$(BIN)/python tools/gen_rule_docs.py
	$(BIN)/python tools/gen_runbooks.py
	$(BIN)/python -m provisor.sim.workload > docs/workload.schema.json
