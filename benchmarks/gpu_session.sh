#!/usr/bin/env bash
# One rented GPU session (an H200 here): pretrain the course checkpoint, measure its transfer on SST-2,
# and measure training throughput/MFU against transformers. Every step has its own time limit, so a
# failure or a slow step costs that step only; everything printed goes to $OUT/session.log.
#
#     OUT=/some/folder SST2=.gpu_data/sst-2 bash benchmarks/gpu_session.sh     # from the repository root
set -x
export PYTHONUNBUFFERED=1 PYTHONPATH=. TOKENIZERS_PARALLELISM=true
OUT=${OUT:-out}
PYTHON=${PYTHON:-python3}
SST2=${SST2:-../shared/datasets/sst-2}
mkdir -p "$OUT"
exec > >(tee "$OUT/session.log") 2>&1
nvidia-smi --query-gpu=name,memory.total --format=csv || true
$PYTHON -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, torch.cuda.get_device_name())"

# 1. The GPU path on a few steps of the small course corpus: bf16 if it works, else float32 + TF32.
BF16=--bf16
timeout 60 $PYTHON -m bertedu pretrain --config tiny --max-steps 5 --eval-every 5 --bf16 --no-progress-bar \
  --output /tmp/smoke || BF16=""

# 2. The course checkpoint (make pretrain's recipe): BERT-mini on the pretraining corpus.
timeout 390 $PYTHON -m bertedu pretrain --corpus data/pretraining/movie_reviews.txt.gz data/pretraining/speeches.txt.gz \
  --config mini --vocab-size 8192 --seq-len 128 --batch-size 128 --lr 1e-3 --warmup-ratio 0.06 \
  --max-steps 20000 --max-minutes 4.5 --eval-every 1000 $BF16 --seed 0 --no-progress-bar --output /tmp/course-bert
echo "pretrain exit code $?"
tar -C /tmp --exclude=course-bert/checkpoint -cf /tmp/course-bert.tar course-bert && \
  split -b 15M -d /tmp/course-bert.tar "$OUT/course-bert.tar.part"

# 3. Transfer: the checkpoint vs random init on SST-2 subsets (learning rates tuned on a split of train).
timeout 150 $PYTHON benchmarks/transfer.py --checkpoint /tmp/course-bert --sst2 "$SST2" --tasks sst2 \
  --json "$OUT/transfer.json"
echo "transfer exit code $?"

# 4. Throughput and MFU, BERT-base at sequence 128, bf16 + TF32 + fused AdamW, against transformers.
timeout 75 $PYTHON benchmarks/throughput.py --config base --seq-len 128 --batch-size 256 --bf16 --tf32 \
  --fused-adamw --steps 10 --repeats 3 --warmup 3 --json "$OUT/throughput.json"
echo "throughput exit code $?"
