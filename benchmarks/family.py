"""BERT's family on the course's pretraining corpus, same budget: what each recipe buys (lesson 12).

    python benchmarks/family.py                          # all parts, 2 seeds: about 50 idle CPU minutes
    python benchmarks/family.py --parts distil --seeds 0 # one part, one seed

The corpus is ``data/pretraining/`` (movie reviews and speeches, 2.0 M words), split by document
exactly as ``course-bert`` was (10 % held out, seed 0), so no held-out sentence was ever trained on.

- ``recipes``: three tiny models (L=2, H=128, A=2, I=512; course-bert's vocabulary of 8,192; 64
  tokens, batches of 32, AdamW 1e-3 with 6 % warmup, the same number of updates):
  BERT (NSP pairs, static masks), RoBERTa (full-sentence inputs, no NSP, dynamic masks, MLM only),
  ALBERT (factorised embedding E=32, one shared layer, SOP pairs, dynamic masks). Scored by
  [MASK]-only accuracy on the same held-out full-sentence inputs (one fixed set of masks), beside
  always answering the most frequent token.
- ``distil``: ``data/course-bert`` (4 layers, H=256) is the teacher; its DistilBERT student takes
  every other layer (2) and is distilled with the triple loss on the training documents (64 tokens).
  Parameters, inference time on the held-out inputs, [MASK]-only accuracy; then the teacher, the
  distilled student and the undistilled student (every other layer, no distillation) are each
  fine-tuned on 2,000 sentence-polarity training sentences (lr 1e-3, 3 epochs) and scored on its
  1,000 test sentences, beside the student's architecture from random initialisation.

Results go to ``--output`` (JSON lines, one per measurement) and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import torch

from bertedu import BertConfig, BertForPreTraining, BertTokenizerFast, DataCollatorForPretraining
from bertedu.corpus import pretraining_corpus_files, read_corpus
from bertedu.course import DATA_DIR, set_seed
from bertedu.family import (
    AlbertConfig,
    AlbertForPreTraining,
    DistilBertForSequenceClassification,
    RobertaConfig,
    RobertaForMaskedLM,
)
from bertedu.family.distillation import Distiller, student_from_teacher
from bertedu.family.full_sentences import create_full_sentence_instances
from bertedu.family.mask_accuracy import (
    constant_answer_accuracy,
    mask_only_accuracy,
    most_frequent_token,
)
from bertedu.family.sentence_order import DataCollatorForSOP, create_sop_instances
from bertedu.finetuning import finetune, finetuning_arguments, get_task
from bertedu.inference import eval_mode
from bertedu.pretraining import create_training_instances, split_documents
from bertedu.trainer import Trainer, TrainingArguments

BATCH = 32
TINY = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512)
TEACHER = DATA_DIR / "course-bert"


def without(collator, *names):
    def collate(instances):
        batch = collator(instances)
        for name in names:
            batch.pop(name)
        return batch
    return collate


def train(model, dataset, collator, steps: int, seed: int, lr: float = 1e-3) -> float:
    args = TrainingArguments(learning_rate=lr, max_steps=steps, batch_size=BATCH, warmup_ratio=0.06,
                             seed=seed, progress_bar=False, device="cpu")
    start = time.perf_counter()
    Trainer(model, args, dataset, collator).train()
    return time.perf_counter() - start


def parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def seconds_per_batch(model, batches, token_types: bool) -> float:
    with eval_mode(model):
        start = time.perf_counter()
        for _ in range(3):
            for b in batches:
                model(b["input_ids"], b["attention_mask"], *([b["token_type_ids"]] if token_types else []))
        return (time.perf_counter() - start) / (3 * len(batches))


def held_out(eval_docs, tokenizer, seq_len: int, limit: int = 512):
    fixed = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=seq_len * 15 // 100 + 1, seed=1)
    inputs = create_full_sentence_instances(eval_docs, tokenizer, seq_len)[:limit]
    return [fixed(inputs[i:i + 64]) for i in range(0, len(inputs), 64)]


def recipes(tokenizer, train_docs, eval_docs, steps: int, seed: int):
    seq_len, mask_id = 64, tokenizer.mask_token_id
    batches = held_out(eval_docs, tokenizer, seq_len)
    base = constant_answer_accuracy(batches, most_frequent_token(train_docs, tokenizer), mask_id)
    yield {"part": "recipes", "model": "most frequent token", "seed": seed, "mask_accuracy": base}
    predictions = seq_len * 15 // 100 + 1
    dynamic = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=predictions, seed=seed)
    need = steps * BATCH

    set_seed(seed)
    bert = BertForPreTraining(BertConfig(vocab_size=len(tokenizer), **TINY), sparse_prediction=True)
    pairs = create_training_instances(train_docs, tokenizer, seq_len, rng=random.Random(seed), dupe_factor=2,
                                      max_predictions_per_seq=predictions, progress_bar=False)
    seconds = train(bert, pairs[:need], DataCollatorForPretraining(tokenizer, dynamic=False), steps, seed)
    bert.sparse_prediction = False
    yield {"part": "recipes", "model": "BERT: NSP pairs, static masks", "seed": seed, "parameters": parameters(bert),
           "train_seconds": seconds, "mask_accuracy": mask_only_accuracy(bert, batches, mask_id)}

    set_seed(seed)
    roberta = RobertaForMaskedLM(RobertaConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                               max_position_embeddings=seq_len + 2, layer_norm_eps=1e-12, **TINY),
                                 sparse_prediction=True)
    full = create_full_sentence_instances(train_docs, tokenizer, seq_len)
    random.Random(seed).shuffle(full)
    seconds = train(roberta, full, without(dynamic, "token_type_ids", "next_sentence_label"), steps, seed)
    roberta.sparse_prediction = False
    yield {"part": "recipes", "model": "RoBERTa: full sentences, no NSP, dynamic masks", "seed": seed,
           "parameters": parameters(roberta), "train_seconds": seconds,
           "mask_accuracy": mask_only_accuracy(roberta, batches, mask_id)}

    set_seed(seed)
    albert = AlbertForPreTraining(AlbertConfig(vocab_size=len(tokenizer), embedding_size=32, **TINY),
                                  sparse_prediction=True)
    sop = create_sop_instances(train_docs, tokenizer, seq_len, rng=random.Random(seed), dupe_factor=4)
    seconds = train(albert, sop[:need], DataCollatorForSOP(tokenizer, max_predictions_per_seq=predictions,
                                                           seed=seed), steps, seed)
    albert.sparse_prediction = False
    yield {"part": "recipes", "model": "ALBERT: E=32, shared layer, SOP, dynamic masks", "seed": seed,
           "parameters": parameters(albert), "train_seconds": seconds,
           "mask_accuracy": mask_only_accuracy(albert, batches, mask_id)}


def polarity_accuracy(folder: Path, seed: int, model_class=None, train_size: int | None = None,
                      pretrained: bool = True) -> float:
    task = get_task("polarity")
    train = task.read(task.sample_path("train"))[:train_size]
    args = finetuning_arguments(learning_rate=1e-3, batch_size=32,
                                num_train_epochs=3, seed=seed, progress_bar=False, device="cpu")
    result = finetune(task, folder, train, task.read(task.sample_path("test")), args, max_length=64,
                      pretrained=pretrained, model_class=model_class)
    return result.metrics["accuracy"]


def distil(tokenizer, train_docs, eval_docs, steps: int, seed: int, train_size: int | None):
    seq_len, mask_id = 64, tokenizer.mask_token_id
    batches = held_out(eval_docs, tokenizer, seq_len)
    base = constant_answer_accuracy(batches, most_frequent_token(train_docs, tokenizer), mask_id)
    yield {"part": "distil", "model": "most frequent token", "seed": seed, "mask_accuracy": base}
    teacher = BertForPreTraining.from_pretrained(TEACHER).eval()
    set_seed(seed)
    student = student_from_teacher(teacher)
    with tempfile.TemporaryDirectory() as work:
        undistilled = Path(work) / "undistilled"
        student.save_pretrained(undistilled)
        tokenizer.save_pretrained(undistilled)
        at_init = mask_only_accuracy(student, batches, mask_id)
        pairs = create_training_instances(train_docs, tokenizer, seq_len, rng=random.Random(seed), dupe_factor=1,
                                          mask=False, progress_bar=False)
        collator = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=10, seed=seed)
        seconds = train(Distiller(student, teacher), pairs[:steps * BATCH], collator, steps, seed, lr=5e-4)
        distilled = Path(work) / "distilled"
        student.save_pretrained(distilled)
        tokenizer.save_pretrained(distilled)
        speed = {"teacher": seconds_per_batch(teacher, batches, True),
                 "student": seconds_per_batch(student, batches, False)}
        yield {"part": "distil", "model": "course-bert (teacher, 4 layers)", "seed": seed,
               "parameters": parameters(teacher), "ms_per_batch": 1000 * speed["teacher"],
               "mask_accuracy": mask_only_accuracy(teacher, batches, mask_id),
               "polarity_accuracy": polarity_accuracy(TEACHER, seed, train_size=train_size)}
        yield {"part": "distil", "model": "DistilBERT student (2 layers), distilled", "seed": seed,
               "parameters": parameters(student), "ms_per_batch": 1000 * speed["student"],
               "distil_updates": steps, "train_seconds": seconds, "mask_accuracy_at_init": at_init,
               "mask_accuracy": mask_only_accuracy(student, batches, mask_id),
               "polarity_accuracy": polarity_accuracy(distilled, seed, DistilBertForSequenceClassification,
                                                      train_size)}
        yield {"part": "distil", "model": "the same student, not distilled (every other layer)", "seed": seed,
               "mask_accuracy": at_init,
               "polarity_accuracy": polarity_accuracy(undistilled, seed, DistilBertForSequenceClassification,
                                                      train_size)}
        yield {"part": "distil", "model": "the student's architecture, random init (majority class 50 %)",
               "seed": seed, "polarity_accuracy": polarity_accuracy(
                   undistilled, seed, DistilBertForSequenceClassification, train_size, pretrained=False)}


def mean_spread(values: list[float], percent: bool = True) -> str:
    scale = 100 if percent else 1
    if len(values) == 1:
        return f"{scale * values[0]:.1f}"
    mean = sum(values) / len(values)
    return f"{scale * mean:.1f} ({scale * min(values):.1f}-{scale * max(values):.1f})"


def cell(group: list[dict], name: str, integer: bool = False) -> str:
    values = [row[name] for row in group if name in row and (name != "steps" or "parameters" in row)]
    if not values:
        return "-"
    return f"{round(sum(values) / len(values)):,}" if integer else mean_spread(values)


def summary(path: str) -> str:
    """The Markdown tables of a results file: each model's mean over its seeds (range in brackets)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    columns = {"recipes": (("parameters", True), ("steps", True), ("train_seconds", True), ("mask_accuracy", False)),
               "distil": (("parameters", True), ("ms_per_batch", True), ("mask_accuracy", False),
                          ("polarity_accuracy", False))}
    headers = {"recipes": "| recipe (tiny: L=2, H=128) | parameters | updates | training s | held-out [MASK] "
                          "accuracy, % |\n|---|---:|---:|---:|---:|",
               "distil": "| model | parameters | ms per batch of 64 x 64 | held-out [MASK] accuracy, % | "
                         "polarity test accuracy, % |\n|---|---:|---:|---:|---:|"}
    lines = []
    for part, header in headers.items():
        chosen = [row for row in rows if row["part"] == part]
        if not chosen:
            continue
        seeds = sorted({row["seed"] for row in chosen})
        lines.append(f"{part}, seeds {', '.join(map(str, seeds))}:\n\n{header}")
        for model in dict.fromkeys(row["model"] for row in chosen):
            group = [row for row in chosen if row["model"] == model]
            lines.append(f"| {model} | " + " | ".join(cell(group, name, integer) for name, integer in columns[part])
                         + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=("recipes", "distil"), default=["recipes", "distil"])
    parser.add_argument("--steps", type=int, default=2000, help="updates per pretraining recipe")
    parser.add_argument("--distil-steps", type=int, default=600, help="distillation updates")
    parser.add_argument("--train-size", type=int, default=2000, help="polarity training sentences (default 2,000)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default="benchmarks/results/family_cpu.jsonl")
    parser.add_argument("--summary", action="store_true", help="print the tables of --output and stop")
    args = parser.parse_args()
    if args.summary:
        print(summary(args.output))
        return
    torch.set_num_threads(args.threads)
    tokenizer = BertTokenizerFast.from_pretrained(TEACHER)
    train_docs, eval_docs = split_documents(read_corpus(pretraining_corpus_files()), 0.1, 0)
    for seed in args.seeds:
        runs = []
        if "recipes" in args.parts:
            runs.append(recipes(tokenizer, train_docs, eval_docs, args.steps, seed))
        if "distil" in args.parts:
            runs.append(distil(tokenizer, train_docs, eval_docs, args.distil_steps, seed, args.train_size))
        for run in runs:
            for row in run:
                row.update(steps=args.steps if row["part"] == "recipes" else args.distil_steps, threads=args.threads)
                print(json.dumps(row), flush=True)
                with open(args.output, "a", encoding="utf-8") as file:
                    file.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
