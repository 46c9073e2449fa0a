"""``python -m bertedu translate``: BERT2BERT on the course's English-to-German task, warm vs cold.

    python -m bertedu translate                       # data/course-bert-tiny, a few minutes on 2 cores
    python -m bertedu translate --model DIR --steps 2000 --beams 4

Trains two encoder-decoders for the same number of updates on the same pairs: one whose encoder and
decoder both start from the BERT checkpoint folder ``--model`` (Rothe et al. 2020; only the
cross-attention is new), one from random weights. Prints the dev BLEU of each (sacreBLEU) and a few
translations. The pairs come from ``bertedu.translation.corpus`` (deterministic from ``--seed``).
``BERTEDU_SMOKE=1`` shrinks everything to seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..course import DATA_DIR, smoke
from ..hf import load_config
from ..tokenizer import BertTokenizer
from ..trainer import TrainingArguments
from ..translation.corpus import train_dev_split, translation_pairs
from ..translation.run import cold_start, train_translation, translate, warm_start


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=str(DATA_DIR / "course-bert-tiny"), metavar="DIR",
                        help="BERT checkpoint folder with vocab.txt (default: data/course-bert-tiny)")
    parser.add_argument("--pairs", type=int, default=smoke(4000, 120),
                        help="sentence pairs to generate, dev set included (default 4000)")
    parser.add_argument("--dev", type=int, default=smoke(300, 20), help="of which dev pairs (default 300)")
    parser.add_argument("--steps", type=int, default=smoke(600, 4), help="updates per model (default 600)")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per update (default 32)")
    parser.add_argument("--lr", type=float, default=5e-4, help="peak learning rate (default 5e-4)")
    parser.add_argument("--max-length", type=int, default=48,
                        help="max word pieces of a source, a target and a translation (default 48)")
    parser.add_argument("--beams", type=int, default=1, help="beam size for the examples (default 1: greedy)")
    parser.add_argument("--examples", type=int, default=5, help="dev translations to print (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the pairs, the init and the order")


def run(args: argparse.Namespace) -> int:
    if not (Path(args.model) / "config.json").is_file():
        raise FileNotFoundError(f"--model {args.model}: no config.json there; pass a BERT checkpoint folder")
    if args.beams < 1 or args.examples < 0:
        raise ValueError(f"--beams must be >= 1 and --examples >= 0, got {args.beams} and {args.examples}")
    tokenizer = BertTokenizer.from_pretrained(args.model)
    train_pairs, dev_pairs = train_dev_split(translation_pairs(args.pairs, args.seed), args.dev)
    training_args = TrainingArguments(learning_rate=args.lr, max_steps=args.steps, batch_size=args.batch_size,
                                      warmup_ratio=0.1, seed=args.seed, progress_bar=False)
    print(f"{len(train_pairs)} training pairs, {len(dev_pairs)} dev pairs; {args.steps} updates of "
          f"{args.batch_size} for each model")
    warm, info = warm_start(args.model, tokenizer)
    print(f"warm start from {args.model}: {len(info['decoder'].missing_keys)} decoder tensors newly "
          f"initialized (the cross-attention: {_summary(info['decoder'].missing_keys)})")
    models = {"warm-started": warm, "random init": cold_start(load_config(args.model), tokenizer, args.seed)}
    results = {}
    for name, model in models.items():
        start = time.monotonic()
        results[name] = train_translation(model, tokenizer, train_pairs, dev_pairs, training_args,
                                          args.max_length)
        loss = results[name].history["train"][-1]["loss"]
        print(f"{name}: dev BLEU {results[name].bleu:.1f} (final training loss {loss:.3f}, "
              f"{time.monotonic() - start:.0f} s)")
    sources = [source for source, _ in dev_pairs[:args.examples]]
    beam_outputs = {name: translate(model, tokenizer, sources, args.max_length, args.beams)
                    for name, model in models.items()}
    for i, (source, target) in enumerate(dev_pairs[:args.examples]):
        print(f"\nsource:       {source}\nreference:    {target}")
        for name in models:
            print(f"{name + ':':<13} {beam_outputs[name][i]}")
    return 0


def _summary(names: list[str]) -> str:
    layers = sorted({name.split(".layer.")[1].split(".")[0] for name in names if ".layer." in name})
    return f"crossattention of layers {', '.join(layers)}" if layers else "none"
