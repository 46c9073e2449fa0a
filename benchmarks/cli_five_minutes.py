"""Issue 11's criterion: ``python -m bertedu pretrain`` for 5 minutes on WikiText-2, scored at [MASK].

Runs the issue's command (``--corpus wikitext-2/test.txt --corpus-format wikitext --config tiny
--max-minutes 5 --seed S``) with the CLI's defaults, or with ``--variant NAME ARGS`` for a control,
one run at a time (each alone on the machine: the clock ends the run, so a busy machine gives it
fewer updates); then scores each folder with ``mlm_eval.py`` on WikiText-2's valid file in windows
of 64 and of 128 pieces (a model trained on pairs of 64 has no trained position beyond 64), and
appends one JSON row per run to ``--results``. A folder that already holds a model is only scored.

    python benchmarks/cli_five_minutes.py --wikitext ../shared/datasets/wikitext-2 --seeds 0 1 \\
        --variant defaults --variant "no_marker --marker-rate 0"
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mlm_eval  # noqa: E402

WINDOWS = (64, 128)


def run(folder: Path, corpus: Path, seed: int, extra: list[str], minutes: float) -> None:
    command = [sys.executable, "-m", "bertedu", "pretrain", "--corpus", str(corpus), "--corpus-format", "wikitext",
               "--config", "tiny", "--max-minutes", str(minutes), "--seed", str(seed), "--no-progress-bar",
               "--output", str(folder), "--overwrite", *extra]
    print(" ".join(command), flush=True)
    subprocess.run(command, check=True)


def score(folder: Path, wikitext: Path) -> dict:
    arguments = json.loads((folder / "training_args.json").read_text())
    history = json.loads((folder / "history.json").read_text())
    final = history["eval"][-1]
    row = {"folder": str(folder), "updates": final["step"], "train_seconds": final["train_seconds"],
           "seq_len": arguments["max_seq_length"], "marker_rate": arguments.get("marker_rate", 0.0),
           "marker_end_step": arguments.get("marker_end_step"),
           "own_held_out": {k: final[k] for k in ("mlm_accuracy", "mlm_loss", "mlm_baseline_accuracy",
                                                  "mlm_unigram_loss", "nsp_accuracy", "nsp_majority_accuracy")}}
    for length in WINDOWS:
        result = mlm_eval.evaluate_folder(folder, wikitext / "valid.txt", wikitext / "test.txt", max_length=length)
        row[f"valid_windows{length}"] = {k: result[k] for k in ("mlm_accuracy", "mlm_loss", "most_frequent_accuracy",
                                                               "unigram_loss", "masked_positions")}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wikitext", type=Path, required=True, help="folder with test.txt and valid.txt")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variant", action="append", metavar="'NAME [CLI ARGS]'",
                        help="a run's name and its arguments beyond the issue's command, repeatable "
                             "(default: 'defaults', the CLI's defaults)")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--runs", type=Path, default=Path("runs/cli_five_minutes"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/cli_five_minutes_cpu.jsonl"))
    args = parser.parse_args()
    variants = [shlex.split(variant) for variant in args.variant or ["defaults"]]
    for name, *extra in variants:
        for seed in args.seeds:
            folder = args.runs / f"{name}_s{seed}"
            if not (folder / "model.safetensors").is_file():
                run(folder, args.wikitext / "test.txt", seed, extra, args.minutes)
            row = {"variant": name, "extra_args": extra, "seed": seed, **score(folder, args.wikitext)}
            print(json.dumps(row), flush=True)
            with args.results.open("a", encoding="utf-8") as file:
                file.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
