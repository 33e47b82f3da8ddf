# Footnote: `make run` sets up and starts the web chat over sources/; `make test` sets up and tests.
VENV ?= .venv
PY := $(VENV)/bin/python
FOOTNOTE := $(VENV)/bin/footnote
SYSTEM_PYTHON ?= python3

.PHONY: install browser linux-doc run test bench bench-scale train clean

install: $(VENV)/.installed

# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build. setuptools' notice that every
# editable install prints ("Editable installation… be careful with folders…") is silenced; its warnings are not.
$(VENV)/.installed: pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install -q -e ".[dev,training]" torch==2.13.0
	touch $@

# Debian's Chromium drives the browser tests (Playwright's own browser download is not possible offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

# Debian's kernel documentation, the corpus of `make bench-scale`.
linux-doc:
	@test -d /usr/share/doc/linux-doc-6.1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q linux-doc-6.1; }

run: install
	$(FOOTNOTE) ingest
	$(FOOTNOTE) serve

test: install browser
	$(PY) -m pytest -q -p no:cacheprovider

# Footnote vs the llama-index peer (bench/results/latest.{json,md}), then the web page's first answer,
# then docs/performance.md rendered from both.
bench: install browser
	$(PY) bench/run.py
	$(PY) bench/ui_first_answer.py --out bench/results/ui_first_answer.json
	$(PY) bench/robustness.py --out bench/results/robustness.json
	$(PY) bench/performance_page.py

# How costs grow from 1k to 100k passages of real documentation, beside the llama-index pipeline
# (bench/results/scale.json), then docs/performance.md; SIZES=1000,10000 for a shorter run.
bench-scale: install linux-doc
	$(PY) bench/scale.py $(if $(SIZES),--sizes $(SIZES))
	$(PY) bench/performance_page.py

# Rebuild every shipped weight file from the dev splits in ../shared/evalsets (training/__main__.py lists the steps).
train: install
	$(PY) -m training

clean:
	rm -rf .footnote
