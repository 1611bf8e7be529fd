# Fairlx: `make run` to use it, `make test` to check it. Everything else is a step of those two.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

DIST := src/fairlx/web/static/dist
MANIFEST := $(DIST)/manifest.json
NPM_STAMP := frontend/node_modules/.installed
ASSET_SOURCES := $(shell find frontend/src src/fairlx -path '*/dist' -prune -o \( -name '*.css' -o -name '*.js' -o -name '*.html' -o -name '*.svg' \) -print) \
                 frontend/build.mjs frontend/package-lock.json

.PHONY: run serve migrate install install-dev assets lint format test test-fast bench check clean

## run: install everything, build the assets, migrate the embedded database and serve on http://$(HOST):$(PORT)
run: install assets migrate serve

serve:
	$(BIN)/fairlx serve --host $(HOST) --port $(PORT)

migrate:
	$(BIN)/fairlx migrate

check:
	$(BIN)/fairlx check

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

## install: the app's Python dependencies, exactly as locked (keeps test tools if present)
install: $(UV)
	$(UV) sync --frozen --no-dev --inexact --quiet

## install-dev: the app's and the test tools' Python dependencies, exactly as locked
install-dev: $(UV)
	$(UV) sync --frozen --quiet

$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## assets: build the front-end into content-hashed files (only when a source changed)
assets: $(MANIFEST)

$(MANIFEST): $(NPM_STAMP) $(ASSET_SOURCES)
	cd frontend && npm run --silent build

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## test: install what the tests need, lint, and run the whole suite on both legs (browser and system tests included)
test: install-dev assets lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS) || { status=$$?; [ $$status -eq 5 ] && echo "pytest collected no tests" >&2; exit $$status; }

## test-fast: the suite without the slow multi-process tests
test-fast: install-dev assets
	$(BIN)/pytest -n 2 -m "not system" $(PYTEST_ARGS)

## bench: benchmarks, each figure beside a ceiling measured in the same run
bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(DIST) frontend/node_modules $(TOOLS) $(VENV) .mypy_cache .ruff_cache test-artifacts
