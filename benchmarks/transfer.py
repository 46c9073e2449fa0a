"""Does pretraining pay off? The course checkpoint vs the same architecture from random init.

BERT's promise (paper section 5, "Ablation studies", and figure 1): a model pretrained on unlabelled
text needs fewer labelled examples and reaches more than one trained from scratch. Measured here on
real data, the same way for both models:

- SST-2 (sentiment, GLUE): train subsets of 100, 300, 1,000 and 3,000 sentences drawn with each
  seed from GLUE's train file; accuracy on the 872-sentence GLUE dev set; 3 seeds each; beside the
  majority class. Each model gets its own learning rate, tuned once on a held-out split of the
  training data (never on the dev set that is reported).
- CoNLL-2003 NER: entity F1 on the test file after training on a few subset sizes.
- SQuAD 2.0 (the subset in shared/datasets): questions of the first articles for training, the
  last article's for evaluation; F1 beside the always-"no answer" baseline.

The recipe is the paper's fine-tuning one (AdamW, warmup 10 %, linear decay, batch 32) with at least
``--min-updates`` updates, so that a 100-sentence run is not over after 10 updates.

    python benchmarks/transfer.py --checkpoint data/course-bert --json runs/transfer.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bertedu.finetuning.run import finetune, finetuning_arguments, get_task  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"


def updates_for(size: int, batch_size: int, epochs: float, min_updates: int) -> int:
    return max(min_updates, math.ceil(size / batch_size * epochs))


def run_one(task, checkpoint, train, evaluation, lr, seed, pretrained, args) -> dict:
    training = finetuning_arguments(learning_rate=lr, batch_size=args.batch_size, seed=seed,
                                    max_steps=updates_for(len(train), args.batch_size, args.epochs,
                                                          args.min_updates),
                                    progress_bar=False)
    start = time.perf_counter()
    max_length = task.max_length if task.name == "squad" else args.max_length
    result = finetune(task, checkpoint, train, evaluation, training, max_length, pretrained=pretrained)
    return {**{k: v for k, v in result.metrics.items() if isinstance(v, (int, float))},
            "seconds": time.perf_counter() - start}


def tune_lr(task, checkpoint, examples, pretrained, args) -> float:
    """The learning rate with the best held-out score on a split of the training data (seed 0)."""
    rng = random.Random(1234)
    pool = rng.sample(examples, min(len(examples), args.tune_size + 1000))
    train, held_out = pool[:args.tune_size], pool[args.tune_size:]
    metric = task.metrics[-1]
    scores = {lr: run_one(task, checkpoint, train, held_out, lr, 0, pretrained, args)[metric]
              for lr in args.lrs}
    best = max(scores, key=scores.get)
    print(f"  tuned lr ({'pretrained' if pretrained else 'random init'}): "
          + ", ".join(f"{lr:g}: {score:.3f}" for lr, score in scores.items()) + f" -> {best:g}", flush=True)
    return best


def sst2(args) -> dict:
    task = get_task("sst2")
    train_all = task.read(args.sst2 / "train.tsv")
    dev = task.read(args.sst2 / "test.tsv")  # shared/datasets: test.tsv is GLUE's 872-sentence dev set
    majority = max(sum(label for _, label in dev), sum(1 - label for _, label in dev)) / len(dev)
    lrs = {pretrained: (args.lr if args.lr else tune_lr(task, args.checkpoint, train_all, pretrained, args))
           for pretrained in (True, False)}
    rows = []
    for size in args.sizes:
        scores = {True: [], False: []}
        for seed in args.seeds:
            train = random.Random(seed).sample(train_all, size)
            for pretrained in (True, False):
                metrics = run_one(task, args.checkpoint, train, dev, lrs[pretrained], seed, pretrained, args)
                scores[pretrained].append(metrics["accuracy"])
        rows.append({"size": size, "pretrained": scores[True], "random_init": scores[False]})
        print(f"  SST-2 {size:>5}: pretrained {statistics.mean(scores[True]):.3f}, "
              f"random init {statistics.mean(scores[False]):.3f}", flush=True)
    return {"task": "sst2", "metric": "accuracy", "eval_size": len(dev), "majority": majority,
            "lr": {"pretrained": lrs[True], "random_init": lrs[False]}, "rows": rows}


def conll(args) -> dict:
    task = get_task("conll")
    train_all = task.read(args.conll / "train.txt")
    test = task.read(args.conll / "test.txt")
    rows = []
    for size in args.ner_sizes:
        scores = {True: [], False: []}
        for seed in args.seeds[:args.ner_seeds]:
            train = random.Random(seed).sample(train_all, size)
            for pretrained in (True, False):
                scores[pretrained].append(run_one(task, args.checkpoint, train, test, args.ner_lr, seed,
                                                  pretrained, args)["f1"])
        rows.append({"size": size, "pretrained": scores[True], "random_init": scores[False]})
        print(f"  CoNLL {size:>5}: pretrained F1 {statistics.mean(scores[True]):.3f}, "
              f"random init {statistics.mean(scores[False]):.3f}", flush=True)
    return {"task": "conll", "metric": "f1", "eval_size": len(test), "majority": 0.0, "rows": rows}


def squad(args) -> dict:
    task = get_task("squad", max_length=args.squad_max_length)
    examples = task.read(args.squad)
    split = int(len(examples) * 0.8)  # the file lists articles in order: the last ones are held out
    train, test = examples[:split], examples[split:]
    no_answer = 100.0 * sum(not example.answers for example in test) / len(test)  # F1 of always ""
    if len(args.squad_lr) not in (1, 2):
        raise SystemExit(f"--squad-lr takes one rate (both models) or two (pretrained, random init), "
                         f"got {len(args.squad_lr)}")
    lrs = {True: args.squad_lr[0], False: args.squad_lr[-1]}
    scores = {True: [], False: []}
    for seed in args.seeds[:args.ner_seeds]:
        for pretrained in (True, False):
            scores[pretrained].append(run_one(task, args.checkpoint, train, test, lrs[pretrained], seed,
                                              pretrained, args)["f1"])
    print(f"  SQuAD: pretrained F1 {statistics.mean(scores[True]):.1f}, random init "
          f"{statistics.mean(scores[False]):.1f}, always no answer {no_answer:.1f}", flush=True)
    return {"task": "squad", "metric": "f1", "eval_size": len(test), "majority": no_answer,
            "lr": {"pretrained": lrs[True], "random_init": lrs[False]},
            "rows": [{"size": len(train), "pretrained": scores[True], "random_init": scores[False]}]}


def mean_and_spread(values: list[float], scale: float) -> tuple[float, str]:
    mean = scale * statistics.mean(values)
    return mean, f"{mean:.1f}" + (f" ± {scale * statistics.stdev(values):.1f}" if len(values) > 1 else "")


def table(results: list[dict]) -> str:
    """Markdown: mean (± standard deviation over seeds) in percent; SQuAD's F1 is already in percent."""
    lines = ["| task | train size | pretrained | random init | difference | baseline |",
             "|---|---|---|---|---|---|"]
    for result in results:
        scale = 1.0 if result["task"] == "squad" else 100.0
        for row in result["rows"]:
            (p, p_text), (r, r_text) = (mean_and_spread(row[k], scale) for k in ("pretrained", "random_init"))
            lines.append(f"| {result['task']} ({result['metric']}) | {row['size']:,} | {p_text} | {r_text} | "
                         f"{p - r:+.1f} | {scale * result['majority']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "data" / "course-bert")
    parser.add_argument("--sst2", type=Path, default=DATASETS / "sst-2")
    parser.add_argument("--conll", type=Path, default=DATASETS / "conll2003")
    parser.add_argument("--squad", type=Path, default=DATASETS / "squad" / "dev-subset-v2.0.json")
    parser.add_argument("--tasks", nargs="+", default=["sst2", "conll", "squad"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--ner-sizes", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ner-seeds", type=int, default=1, help="seeds for NER and SQuAD (default 1)")
    parser.add_argument("--lrs", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3], help="grid for tuning")
    parser.add_argument("--lr", type=float, help="skip tuning: this learning rate for both models")
    parser.add_argument("--ner-lr", type=float, default=5e-4)
    parser.add_argument("--squad-lr", type=float, nargs="+", default=[1e-3, 3e-4],
                        help="one rate for both models, or two: pretrained, random init (default 1e-3 "
                        "3e-4: the lowest held-out loss of each on lesson 10's training questions, "
                        "squad_sample_lr_25k_cpu.json)")
    parser.add_argument("--tune-size", type=int, default=1000)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--min-updates", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--squad-max-length", type=int, default=256)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (args.checkpoint / "config.json").is_file():
        raise SystemExit(f"no checkpoint at {args.checkpoint}: run `make pretrain` or pass --checkpoint")
    runners = {"sst2": sst2, "conll": conll, "squad": squad}
    results = []
    for name in args.tasks:
        print(f"{name}:", flush=True)
        results.append(runners[name](args))
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"checkpoint": str(args.checkpoint), "results": results}, indent=2))


if __name__ == "__main__":
    main()
