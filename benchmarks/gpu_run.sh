#!/usr/bin/env bash
# One GPU session's worth of benchmarks/throughput.py: BERT-base, seq 128, batch 256, bf16 autocast +
# TF32 + fused AdamW, first eager, then torch.compile'd (if time allows). About 2 minutes on an H200.
#
#     OUT=/some/folder bash benchmarks/gpu_run.sh      # from the repository root
#
# Writes $OUT/throughput_eager.json, $OUT/throughput_compile.json, their merge $OUT/throughput.json,
# and $OUT/gpu_run.log (everything printed). Each run has its own time limit, so a hang or a slow
# compilation costs that run only.
set -x
export PYTHONUNBUFFERED=1 PYTHONPATH=. TOKENIZERS_PARALLELISM=false
OUT=${OUT:-out}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_run.log") 2>&1

nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,power.limit --format=csv || true
$PYTHON -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"

COMMON=(--config base --seq-len 128 --batch-size 256 --bf16 --tf32 --fused-adamw --steps 10 --repeats 5 --warmup 3)
timeout 150 $PYTHON benchmarks/throughput.py "${COMMON[@]}" --json "$OUT/throughput_eager.json"
echo "eager exit code $?"
# torch.compile: the first step of each of the three models compiles (tens of seconds each).
timeout 240 $PYTHON benchmarks/throughput.py "${COMMON[@]}" --compile --warmup 4 --json "$OUT/throughput_compile.json"
echo "compile exit code $?"

$PYTHON - "$OUT" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
runs = {p.stem.removeprefix("throughput_"): json.loads(p.read_text()) for p in sorted(out.glob("throughput_*.json"))}
(out / "throughput.json").write_text(json.dumps(runs, indent=2) + "\n")
print("merged", sorted(runs), "into", out / "throughput.json")
PY
