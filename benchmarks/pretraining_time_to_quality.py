"""Time to quality: bertedu's BertForPreTraining vs transformers' in the same pretraining loop.

Same data (one set of sentence pairs, the same dynamic-masking seed), same held-out set with fixed
masks, same initial weights, same hyper-parameters and schedule, same time budget. bertedu's model
scores only the masked slots (``sparse_prediction=True``) and uses fused attention; transformers'
``BertForPreTraining`` (sdpa attention) scores every position. The two trainers take turns, one
update each, so background load hits both alike. Reported: held-out MLM accuracy and loss at the
[MASK]ed positions after each minute of training (evaluation time excluded), beside always answering
the most frequent token and the unigram loss on the same positions; updates per second and their
ratio; and how long bertedu needs to reach the [MASK] loss transformers ends with (the loss, because
it keeps moving while a small model still sits on the unigram plateau, where accuracy barely does).

    python benchmarks/pretraining_time_to_quality.py                      # course corpus, 5 min each
    python benchmarks/pretraining_time_to_quality.py --wikitext ../shared/datasets/wikitext-2
    python benchmarks/pretraining_time_to_quality.py --wikitext ../shared/datasets/wikitext-2 \
        --seq-len 64 --max-steps 3500 --marker-rate 0.15          # the CLI's recipe for 5 CPU minutes
    python benchmarks/pretraining_time_to_quality.py --minutes 0.2 --max-steps 20   # smoke test
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import torch
import transformers

from bertedu.config import BertConfig
from bertedu.corpus import course_corpus, read_corpus
from bertedu.course import DATA_DIR, set_seed
from bertedu.pretraining.collator import DataCollatorForPretraining
from bertedu.pretraining.marker import MarkedDataset, MarkerPhase
from bertedu.pretraining.models import BertForPreTraining
from bertedu.pretraining.run import prepare_pretraining_data, pretraining_metrics
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.tokenizer.vocab import train_wordpiece, write_vocab
from bertedu.trainer import Trainer, TrainingArguments


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wikitext", metavar="DIR", help="a WikiText folder (its *.txt / *.tokens files) "
                        "instead of the course corpus; a vocabulary is trained on it")
    parser.add_argument("--vocab-size", type=int, default=8000, help="for --wikitext (default 8000)")
    parser.add_argument("--config", default="tiny", help="a BERT size (default tiny)")
    parser.add_argument("--minutes", type=float, default=5.0, help="training time per model (default 5)")
    parser.add_argument("--max-steps", type=int, default=2000, help="length of the schedule (default 2000)")
    parser.add_argument("--eval-every", type=int, default=50, help="updates between evaluations")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--marker-rate", type=float, default=0.0,
                        help="the CLI's marker phase (bertedu.pretraining.marker): share of the words marked (default 0)")
    parser.add_argument("--marker-fraction", type=float, default=1 / 3,
                        help="share of the schedule's updates on marked text (default 1/3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def load_data(args: argparse.Namespace, workdir: Path) -> tuple[list[list[str]], BertTokenizer, str]:
    if args.wikitext is None:
        return course_corpus(), BertTokenizer(DATA_DIR / "vocab.txt"), "the course corpus"
    files = sorted(p for p in Path(args.wikitext).iterdir() if p.suffix in (".txt", ".tokens"))
    documents = read_corpus(files, "wikitext")
    vocab = train_wordpiece([s for document in documents for s in document], args.vocab_size)
    tokenizer = BertTokenizer(write_vocab(vocab, workdir / "vocab.txt"))
    return documents, tokenizer, f"WikiText ({', '.join(p.name for p in files)})"


def build_models(config: BertConfig, seed: int, workdir: Path) -> dict[str, torch.nn.Module]:
    """bertedu's model, and transformers' with the very same initial weights (through a checkpoint)."""
    set_seed(seed)
    ours = BertForPreTraining(config, sparse_prediction=True)
    ours.save_pretrained(workdir / "init")
    theirs = transformers.BertForPreTraining.from_pretrained(workdir / "init", attn_implementation="sdpa")
    return {"bertedu": ours, "transformers": theirs}


def metric_at(history: dict, seconds: float, name: str = "mlm_accuracy") -> float:
    """A held-out metric of the last evaluation within ``seconds`` of training."""
    reached = [r[name] for r in history["eval"] if r["train_seconds"] <= seconds]
    return reached[-1] if reached else math.nan


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    transformers.utils.logging.disable_progress_bar()
    workdir = Path(tempfile.mkdtemp(prefix="bertedu-ttq-"))
    documents, tokenizer, corpus_name = load_data(args, workdir)
    data = prepare_pretraining_data(documents, tokenizer, args.seq_len, seed=args.seed, progress_bar=False,
                                    marker_rate=args.marker_rate)
    config = BertConfig.from_size(args.config, vocab_size=len(tokenizer))
    training_args = TrainingArguments(learning_rate=args.lr, warmup_ratio=0.06, max_steps=args.max_steps,
                                      batch_size=args.batch_size, seed=args.seed, progress_bar=False)
    trainers = {}
    for name, model in build_models(config, args.seed, workdir).items():
        collator = DataCollatorForPretraining(tokenizer, data.data_collator.mlm_probability,
                                              data.data_collator.max_predictions_per_seq, seed=args.seed)
        dataset, phases = data.train_dataset, []
        if args.marker_rate:  # each model its own phase: it ends at the same update for both
            dataset = MarkedDataset(data.train_dataset.plain, data.train_dataset.marked)
            phases = [MarkerPhase(dataset, args.marker_fraction)]
        trainers[name] = Trainer(model, training_args, dataset, collator, callbacks=phases,
                                 eval_fn=lambda m: pretraining_metrics(m, data.eval_batches, data.train_token_counts))
        trainers[name].evaluate()
        model.train()

    budget = 60 * args.minutes
    running = dict(trainers)
    while running:
        for name, trainer in list(running.items()):
            start = time.perf_counter()
            trainer.history["train"].append(trainer.training_step())
            for callback in trainer.callbacks:
                callback.on_step_end(trainer)
            trainer.train_seconds += time.perf_counter() - start
            done = trainer.step >= trainer.max_steps or trainer.train_seconds >= budget
            if done or trainer.step % args.eval_every == 0:
                trainer.evaluate()
            if done:
                del running[name]

    histories = {name: trainer.history for name, trainer in trainers.items()}
    speed = {name: t.step / t.train_seconds for name, t in trainers.items()}
    final = {name: h["eval"][-1] for name, h in histories.items()}
    target = final["transformers"]["mlm_loss"]  # [MASK]-only loss: it moves even on the unigram plateau
    reached = [r["train_seconds"] for r in histories["bertedu"]["eval"] if r["mlm_loss"] <= target]
    time_to_target = reached[0] if reached else math.nan

    print(f"{corpus_name}: {len(documents)} documents, {len(data.train_dataset)} training pairs, "
          f"{sum(int((b['labels'] != -100).sum()) for b in data.eval_batches)} held-out masked tokens; "
          f"vocabulary {len(tokenizer)}")
    print(f"BERT-{args.config} (L={config.num_hidden_layers}, H={config.hidden_size}), batch {args.batch_size} "
          f"x {args.seq_len}, lr {args.lr}, schedule {args.max_steps} updates, {args.minutes:g} min each, "
          f"marker rate {args.marker_rate:g} for {args.marker_fraction:.2g} of the schedule, "
          f"{args.threads} threads, torch {torch.__version__}, transformers {transformers.__version__}")
    print(f"held-out [MASK]ed positions only; always the most frequent token: accuracy "
          f"{final['bertedu']['mlm_baseline_accuracy']:.4f}, unigram loss {final['bertedu']['mlm_unigram_loss']:.3f}")
    print(f"{'after':30}{'bertedu acc':>12}{'loss':>8}{'transformers acc':>18}{'loss':>8}")
    for minute in range(1, math.ceil(args.minutes) + 1):
        seconds = min(60 * minute, budget)
        print(f"{f'{seconds / 60:g} min':30}" + "".join(
            f"{metric_at(histories[name], seconds):{width}.4f}{metric_at(histories[name], seconds, 'mlm_loss'):8.3f}"
            for name, width in (("bertedu", 12), ("transformers", 18))))
    print(f"{'final':30}{final['bertedu']['mlm_accuracy']:12.4f}{final['bertedu']['mlm_loss']:8.3f}"
          f"{final['transformers']['mlm_accuracy']:18.4f}{final['transformers']['mlm_loss']:8.3f}"
          f"   ({trainers['bertedu'].step} vs {trainers['transformers'].step} updates)")
    print(f"{'unchanged positions (seen)':30}{final['bertedu']['mlm_accuracy_unchanged']:12.4f}{'':8}"
          f"{final['transformers']['mlm_accuracy_unchanged']:18.4f}")
    print(f"{'updates per second':30}{speed['bertedu']:10.2f}{speed['transformers']:14.2f}"
          f"   ratio {speed['bertedu'] / speed['transformers']:.2f}")
    print(f"bertedu reaches transformers' final [MASK] loss ({target:.3f}) after {time_to_target:.0f} s of "
          f"training, {time_to_target / final['transformers']['train_seconds']:.2f} of transformers' "
          f"{final['transformers']['train_seconds']:.0f} s")
    return {"histories": histories, "steps_per_second": speed, "time_to_target_seconds": time_to_target,
            "target_mlm_loss": target}


if __name__ == "__main__":
    main()
