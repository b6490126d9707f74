# The two commands a new machine needs: `make run` and `make test`. Both install what they use, idempotently.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.zkclear-installed
NATIVE_SRC := $(wildcard native/src/*.c native/src/*.h native/include/*.h) native/build.py
NATIVE_SO  := native/.built
# Two workers (pytest-xdist): the suite is written to run in parallel; PYTEST_ARGS= runs it serially.
PYTEST_ARGS ?= -n 2

.PHONY: install run test lint fmt bench clean native

install: $(STAMP) $(NATIVE_SO) node_modules/.package-lock.json

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel cffi

$(STAMP): $(PY) pyproject.toml setup.py constraints.txt
	$(PY) -m pip install -q -c constraints.txt setuptools wheel cffi
	$(PY) -m pip install -q --no-build-isolation -c constraints.txt -e '.[dev]'
	touch $@

# The editable install compiles the C core once; this rebuilds it in place whenever a C source changes.
$(NATIVE_SO): $(STAMP) $(NATIVE_SRC)
	$(PY) setup.py -q build_ext --inplace
	touch $@

native: $(NATIVE_SO)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

run: install
	$(VENV)/bin/zkclear devnet

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/native.py

clean:
	rm -rf $(VENV) node_modules build *.egg-info native/*.so native/.built native/_zkclear_native.c
