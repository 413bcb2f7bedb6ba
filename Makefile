# MusicHub: `make run` starts a development server with a demo account; `make serve` the production
# process set; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# `make serve`: where every process writes its Prometheus counters, added up by /metrics (core/metrics.py).
PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/.prometheus

.PHONY: install run manage serve test chromium lint format lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

# A development checkout: DEBUG on, so a secret key is generated for you (.dev-secret-key).
.env:
	printf '# Development settings (see .env.sample for every knob).\nDEBUG=true\n' > .env

install: $(VENV)/.installed .env

# The browser tests drive a Chromium that is already here (Playwright never downloads a browser):
# CHROMIUM_PATH, by default Debian's /usr/bin/chromium. When that is missing, `make test` installs
# Debian's chromium with apt-get, as root or through sudo (the CJK font draws the Japanese and Chinese
# titles of the sandbox's history in the screenshots). Without apt: install any Chromium or Chrome
# yourself and run `make test CHROMIUM_PATH=/path/to/chromium`.
CHROMIUM_PATH ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

chromium:
	@if [ -x "$(CHROMIUM_PATH)" ]; then :; \
	elif [ "$(CHROMIUM_PATH)" != /usr/bin/chromium ]; then \
		echo "CHROMIUM_PATH=$(CHROMIUM_PATH) is not an executable Chromium." >&2; exit 1; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests ($(if $(SUDO),with sudo,as root))."; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	else \
		echo "No Chromium at /usr/bin/chromium and no apt-get: install Chromium (or Chrome), then" >&2; \
		echo "run: make test CHROMIUM_PATH=/path/to/chromium" >&2; exit 1; \
	fi

run: install
	HOST=$(HOST) PORT=$(PORT) ./scripts/run_dev.sh

# A manage.py command beside `make run`, with the settings it gives the server (the sandbox's URLs and
# keys): `make manage CMD="validate_credentials"`. SANDBOX=off uses .env alone.
manage: install
	./scripts/demo_manage.sh $(CMD)

# Production: checks the settings (DEBUG off, SECRET_KEY, PostgreSQL DATABASE_URL, REDIS_URL), migrates
# and collects static files (core/preflight.py), then runs the Procfile under honcho: gunicorn with
# uvicorn workers (HTTP + WebSockets on WEB_BIND), the Celery worker and beat. `--env /dev/null`:
# honcho's .env would override the real environment; Django reads .env itself, the environment winning.
# Not `install`: that writes a development .env (DEBUG=true) when there is none.
serve: $(VENV)/.installed
	$(BIN)/python -m core.preflight
	mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)" && find "$(PROMETHEUS_MULTIPROC_DIR)" -maxdepth 1 -name '*.db' -delete
	PROMETHEUS_MULTIPROC_DIR="$(PROMETHEUS_MULTIPROC_DIR)" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start --env /dev/null --procfile Procfile

test: install chromium
	CHROMIUM_PATH="$(CHROMIUM_PATH)" $(BIN)/pytest

# Style (ruff), the architecture contracts (import-linter: [tool.importlinter] in pyproject.toml) and
# types (mypy with the Django and DRF stubs: [tool.mypy]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin requirements*.txt from requirements*.in (needs pip-tools in the venv).
lock: install
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements.in -o requirements.txt
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
