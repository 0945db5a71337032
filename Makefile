# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCALE ?= small
SEED ?= 20261124
DEMO := data/demo/$(SCALE)
# the same region's previous month (taxpayers gone, moved, new): the demo warehouse's first run, so the
# map's 批次变化 layer and /analysis's 批次对比 have two runs to compare
PREVIOUS := data/demo/$(SCALE)-previous
WAREHOUSE := data/warehouse

.PHONY: run test test-slow install demo etl serve browser clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(DEMO)/input/manifest.toml: | $(STAMP)
	$(VENV)/bin/taxmap generate --scale $(SCALE) --seed $(SEED) --out $(DEMO)

$(PREVIOUS)/manifest.toml: $(DEMO)/input/manifest.toml
	$(VENV)/bin/taxmap variant --input $(DEMO)/input --out $(PREVIOUS) --seed $(SEED)

demo: $(DEMO)/input/manifest.toml $(PREVIOUS)/manifest.toml

etl: demo
	test -f $(WAREHOUSE)/warehouse.duckdb || $(VENV)/bin/taxmap etl --input $(PREVIOUS) --out $(WAREHOUSE)
	$(VENV)/bin/taxmap etl --input $(DEMO)/input --out $(WAREHOUSE)

serve: etl
	TAXMAP_WAREHOUSE_DIR=$(WAREHOUSE) $(VENV)/bin/taxmap users demo
	TAXMAP_WAREHOUSE_DIR=$(WAREHOUSE) $(VENV)/bin/taxmap tasks demo
	@echo "open http://127.0.0.1:8050 and sign in with one of the logins above"
	$(VENV)/bin/taxmap serve --warehouse $(WAREHOUSE)

run: serve

# Browser tests drive Debian's Chromium; install it when we can (root + apt), else they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and CJK fonts for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium missing and not installable here: browser tests will be skipped"; fi; }

test: install browser
	$(VENV)/bin/pytest

# the tests marked slow (kill -9 during a run, Spark on a street, …): not part of CI
test-slow: install
	$(VENV)/bin/pytest -m slow

$(VENV)/.installed-bench: pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: install $(VENV)/.installed-bench
	$(PY) bench/etl_scale.py
	$(PY) bench/linkage_baseline.py
	$(PY) bench/map_latency.py

clean:
	rm -rf $(VENV) data/demo $(WAREHOUSE) bench/out
