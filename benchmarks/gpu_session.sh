#!/usr/bin/env bash
# One lent GPU session: pretrain the course checkpoint, then measure its transfer on SST-2 against
# random initialisation. Every step has its own time limit, so a failure or a slow step costs that
# step only; everything printed goes to $OUT/session.log.
#
#     OUT=/some/folder SST2=.gpu_data/sst-2 bash benchmarks/gpu_session.sh     # from the repository root
#
# The first session (an H200, 2026-11-26, benchmarks/results/gpu_session_h200.log) masked every batch
# in the training process: 41 ms an update, most of it Python masking while the GPU waited. Since the
# second (an H100, gpu_session_h100.log) the script masks in DataLoader workers (--dataloader-num-workers),
# so the GPU trains while they prepare. The third (an H200, benchmarks/results/gpu_session_h200_25k.log) made the shipped data/course-bert:
#
#     OUT=$OUT MINUTES=8.3 STEPS=25000 DUPE=10 TRANSFER=0 SMOKE=0 bash benchmarks/gpu_session.sh
#
# (528 s in all; the transfer was then measured on a CPU, benchmarks/results/transfer_*_25k_cpu.json).
set -x
export PYTHONUNBUFFERED=1 PYTHONPATH=. TOKENIZERS_PARALLELISM=false
OUT=${OUT:-out}
PYTHON=${PYTHON:-python3}
SST2=${SST2:-../shared/datasets/sst-2}
MINUTES=${MINUTES:-5}          # pretraining budget (the clock sets warmup and decay)
STEPS=${STEPS:-}                # with it, the schedule ends at STEPS updates or at MINUTES, whichever comes first
DUPE=${DUPE:-5}                 # passes over the corpus cutting sentence pairs
WORKERS=${WORKERS:-10}
TRANSFER=${TRANSFER:-1}         # 0: pretrain only (measure the transfer on a CPU afterwards)
SMOKE=${SMOKE:-1}               # 0: skip the few-step check of workers and bf16
mkdir -p "$OUT"
exec > >(tee "$OUT/session.log") 2>&1
date
nvidia-smi --query-gpu=name,memory.total --format=csv || true
$PYTHON -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, torch.cuda.get_device_name())"

# 1. The GPU path on a few steps of the small course corpus: workers and bf16 if they work.
OPTS="--bf16 --dataloader-num-workers $WORKERS"
[ "$SMOKE" = 0 ] || timeout 60 $PYTHON -m bertedu pretrain --config tiny --max-steps 20 --eval-every 20 $OPTS --no-progress-bar \
  --output /tmp/smoke || OPTS="--bf16"

# 2. The course checkpoint: BERT-mini on the pretraining corpus, with course-bert's vocabulary.
timeout "$(awk "BEGIN { print int($MINUTES * 60 + 150) }")" $PYTHON -m bertedu pretrain \
  --corpus data/pretraining/movie_reviews.txt.gz data/pretraining/speeches.txt.gz --vocab data/course-bert \
  --config mini --seq-len 128 --batch-size 256 --lr 1e-3 --warmup-ratio 0.06 --max-minutes "$MINUTES" \
  ${STEPS:+--max-steps $STEPS} --dupe-factor "$DUPE" --eval-every 4000 $OPTS --seed 0 --no-progress-bar --output /tmp/course-bert
echo "pretrain exit code $?"
tar -C /tmp --exclude=course-bert/checkpoint -cf /tmp/course-bert.tar course-bert && \
  split -b 15M -d /tmp/course-bert.tar "$OUT/course-bert.tar.part"

date
[ "$TRANSFER" = 0 ] && exit 0
# 3. Transfer: the checkpoint vs random init on SST-2 subsets (learning rates tuned on a split of train).
timeout 170 $PYTHON benchmarks/transfer.py --checkpoint /tmp/course-bert --sst2 "$SST2" --tasks sst2 \
  --json "$OUT/transfer.json"
echo "transfer exit code $?"
