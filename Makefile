# The two commands a learner needs: `make lab` and `make test`.
# Both create .venv on first use with CPU-only PyTorch (no multi-GB CUDA download), then the package.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
STAMP := $(VENV)/.bertedu-setup
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
export PYTHONHASHSEED := 0

.PHONY: setup lab test unit notebooks course bench vocab pretrain lint clean

setup: $(STAMP)

# Idempotent: runs again only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# CPU PyTorch first: a local CPU wheel if pip's find-links has one, else PyTorch's CPU-only index.
	@$(PY) -c "import torch" 2>/dev/null || \
	  { $(PY) -m pip install -q --no-deps --no-index "torch==$(TORCH_VERSION)" 2>/dev/null && \
	    $(PY) -m pip install -q "torch==$(TORCH_VERSION)"; } || \
	  $(PY) -m pip install "torch==$(TORCH_VERSION)" --index-url $(TORCH_CPU_INDEX) --extra-index-url https://pypi.org/simple
	$(PY) -m pip install -q -e ".[dev,viz]"
	@touch $(STAMP)

# JupyterLab on notebooks/, as root (--allow-root) or not; prints the URL with its token.
lab: setup
	$(PY) -m bertedu lab --notebooks notebooks

# Lint, unit tests, then every notebook under nbval (BERTEDU_SMOKE=1 shrinks sizes and steps).
test: setup lint unit notebooks

unit: setup
	$(PY) -m pytest -q tests

notebooks: setup
	BERTEDU_SMOKE=1 MPLBACKEND=agg $(PY) -m pytest -q --nbval-lax -p no:randomly $(NOTEBOOKS)

# Execute every notebook in place, full size, so the committed outputs are fresh.
course: setup
	for nb in $(NOTEBOOKS); do \
	  $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=900 "$$nb" || exit 1; \
	done

bench: setup
	$(PY) benchmarks/run_all.py

# Reproduces the course's WordPiece vocabulary data/vocab.txt (deterministic).
vocab: setup
	$(PY) -m bertedu vocab --vocab-size 4000 --output data/vocab.txt

# Reproduces the course checkpoint data/course-bert (fixed seed) into runs/course-bert: BERT-mini on
# data/pretraining/*.txt.gz, 25,000 updates of 256 pairs. About 8 minutes on an H200 (with
# --dataloader-num-workers 10 --bf16 there); not timed on a 2-core CPU, where it would take many hours:
# run it in the background, it is resumable (make pretrain RESUME=1). --marker-rate 0: the shipped run
# predates the marker phase (bertedu/pretraining/marker.py), which its 25,000 updates do not need.
PRETRAIN_OUTPUT ?= runs/course-bert
pretrain: setup
	$(PY) -m bertedu pretrain --corpus $(sort $(wildcard data/pretraining/*.txt.gz)) --config mini \
	  --vocab-size 8192 --seq-len 128 --marker-rate 0 --batch-size 256 --lr 1e-3 --warmup-ratio 0.06 --max-steps 25000 \
	  --dupe-factor 10 --eval-every 4000 --seed 0 $(if $(RESUME),--resume) --output $(PRETRAIN_OUTPUT)

lint: setup
	$(VENV)/bin/ruff check bertedu tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
