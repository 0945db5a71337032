# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCALE ?= small
SEED ?= 20261124
DEMO := data/demo/$(SCALE)
WAREHOUSE := data/warehouse

.PHONY: run test install demo etl serve browser clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(DEMO)/input/manifest.toml: | $(STAMP)
	$(VENV)/bin/taxmap generate --scale $(SCALE) --seed $(SEED) --out $(DEMO)

demo: $(DEMO)/input/manifest.toml

etl: demo
	$(VENV)/bin/taxmap etl --input $(DEMO)/input --out $(WAREHOUSE)

serve: etl
	$(VENV)/bin/taxmap serve --warehouse $(WAREHOUSE)

run: serve

test: install
	$(VENV)/bin/pytest

bench: install
	$(PY) bench/etl_scale.py

clean:
	rm -rf $(VENV) data/demo $(WAREHOUSE) bench/out
