# textrnn — make install; make test; make pretrained; make bench
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TEXTRNN_CORPORA ?= $(abspath ../shared/corpora)
export TEXTRNN_CORPORA

ifeq ($(VENV),)
BIN :=
else
BIN := $(VENV)/bin/
endif

.PHONY: install test bench pretrained clean

install:
ifneq ($(VENV),)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
endif
	$(BIN)python -m pip install -q "$(TORCH)"   # first and pinned: an unpinned torch pulls GBs of CUDA
	$(BIN)python -m pip install -q -e ".[dev]"
	@# a Korean font for the pictures of `textrnn inspect` (Hangul tokens on the axes); optional
	@fc-list 2>/dev/null | grep -qi nanum || (command -v apt-get >/dev/null && (apt-get install -y -q fonts-nanum || \
		(apt-get update -q && apt-get install -y -q fonts-nanum)) >/dev/null 2>&1) || \
		echo "note: no Korean font installed (Debian: apt-get install fonts-nanum): Hangul in inspect pictures will be boxes"

test:
	$(BIN)python -m pytest -q

# Rebuild the shipped models from the shared corpora (see docs/BENCHMARKS.md for times and scores).
pretrained:
	$(BIN)python tools/build_pretrained.py embeddings bilm spam sentiment-domains-wide sentiment-rules sentiment ner pos shakespeare wikitext2 de-en-base de-en-coverage de-en en-de embeddings-ko pos-ko sentiment-ko segmenter

# Rewrites the tables in docs/BENCHMARKS.md; scikit-learn is for the baselines only.
bench:
	$(BIN)python -m pip install -q scikit-learn
	$(BIN)python tools/bench_startup.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_classify.py --cv --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_tag.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_segment.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_sentiment.py --readings --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_serve.py --soak 600 --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_lm.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_translate.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_encoder.py --quick --write docs/BENCHMARKS.md   # the full grid (~8 min): without --quick
	$(BIN)python tools/bench_bucketing.py --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_export.py --int8 --write docs/BENCHMARKS.md
	$(BIN)python tools/bench_keras.py --write docs/BENCHMARKS.md      # installs Keras into /tmp only
	$(BIN)python tools/bench_memory.py --seconds 30 --write docs/BENCHMARKS.md   # builds a 1 GB file in /tmp
	$(BIN)python tools/bench_train.py --ddp --write docs/BENCHMARKS.md

clean:
	rm -rf runs .pytest_cache
