"""One training run for tests/test_distributed.py, alone or under torchrun: a tiny BertForPreTraining
without dropout on 64 sentence pairs of one length (so every row has 3 [MASK]ed slots and a mean over
ranks equals the mean over the global batch). It writes history.json to the output folder.

    python tests/ddp_worker.py OUT --batch-size 32 [--accumulation N] [--stop-at N] [--resume] [--die-at N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

import torch

from bertedu import distributed
from bertedu.config import BertConfig
from bertedu.pretraining.collator import DataCollatorForPretraining
from bertedu.pretraining.instances import TrainingInstance
from bertedu.pretraining.models import BertForPreTraining
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.trainer import Trainer, TrainingArguments

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [f"w{i}" for i in range(40)]
TINY = {"vocab_size": len(SPECIALS) + len(WORDS), "hidden_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32,
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
STEPS = 20


def instances(count: int = 64) -> list[TrainingInstance]:
    rng = random.Random(0)
    pairs = []
    for index in range(count):
        a, b = [rng.choice(WORDS) for _ in range(9)], [rng.choice(WORDS) for _ in range(8)]
        pairs.append(TrainingInstance(["[CLS]", *a, "[SEP]", *b, "[SEP]"], [0] * 11 + [1] * 9,
                                      index % 2 == 0, 0, range(0, 1), 1, range(0, 1)))
    return pairs


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--accumulation", type=int, default=1)
    parser.add_argument("--stop-at", type=int)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--die-at", type=int)
    args = parser.parse_args(argv)
    tokenizer = BertTokenizer({word: index for index, word in enumerate(SPECIALS + WORDS)})
    torch.manual_seed(0)
    model = BertForPreTraining(BertConfig(**TINY))
    training_args = TrainingArguments(output_dir=args.output, learning_rate=1e-3, warmup_steps=2,
                                      max_steps=STEPS, batch_size=args.batch_size, progress_bar=False,
                                      gradient_accumulation_steps=args.accumulation,
                                      device="cpu")
    trainer = Trainer(model, training_args, instances(), DataCollatorForPretraining(tokenizer, seed=0))
    if args.stop_at:
        trainer.max_steps = args.stop_at  # the schedule still runs to STEPS: an interrupted run
    if args.die_at:
        step = trainer.training_step
        trainer.training_step = lambda: os._exit(1) if distributed.rank() == 1 and trainer.step == args.die_at else step()
    history = trainer.train(resume=args.resume)
    if distributed.is_main_process():
        (Path(args.output) / "history.json").write_text(json.dumps(history))
    return history


if __name__ == "__main__":
    main()
