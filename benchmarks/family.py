"""BERT's family on the course corpus, same budget: what each recipe buys (lesson 12).

    python benchmarks/family.py [--steps 400] [--threads 2]      # CPU; seed 0 everywhere

Three pretraining recipes, each a tiny model (L=2, H=128, A=2, I=512; WordPiece data/vocab.txt,
64 tokens, batches of 32, AdamW 1e-3, the same number of updates):
- BERT: NSP sentence pairs, static masks (5 copies), MLM + NSP;
- RoBERTa: full-sentence inputs, no NSP, dynamic masking, MLM only;
- ALBERT: factorised embedding (E=32), one shared layer, SOP pairs, dynamic masking, MLM + SOP;
and a DistilBERT student (1 layer) distilled from data/course-bert-tiny (2 layers) for the same
number of updates. All are scored on the same held-out documents (full-sentence inputs, one fixed
set of masks) by [MASK]-only accuracy, beside the most-frequent-token baseline.
"""

from __future__ import annotations

import argparse
import random
import time

import torch

from bertedu import BertConfig, BertForPreTraining, BertTokenizerFast, DataCollatorForPretraining
from bertedu.corpus import course_corpus
from bertedu.course import DATA_DIR, set_seed
from bertedu.family import AlbertConfig, AlbertForPreTraining, RobertaConfig, RobertaForMaskedLM
from bertedu.family.distillation import Distiller, student_from_teacher
from bertedu.family.full_sentences import create_full_sentence_instances
from bertedu.family.mask_accuracy import (
    constant_answer_accuracy,
    mask_only_accuracy,
    most_frequent_token,
)
from bertedu.family.sentence_order import DataCollatorForSOP, create_sop_instances
from bertedu.inference import eval_mode
from bertedu.pretraining import create_training_instances, split_documents
from bertedu.trainer import Trainer, TrainingArguments

SEQ_LEN, BATCH, SEED = 64, 32, 0
TINY = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512)


def without(collator, *names):
    def collate(instances):
        batch = collator(instances)
        for name in names:
            batch.pop(name)
        return batch
    return collate


def train(model, dataset, collator, steps: int):
    args = TrainingArguments(learning_rate=1e-3, max_steps=steps, batch_size=BATCH, warmup_ratio=0.06,
                             seed=SEED, progress_bar=False, device="cpu")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    steps = (args := parser.parse_args()).steps
    torch.set_num_threads(args.threads)
    tokenizer = BertTokenizerFast(DATA_DIR / "vocab.txt")
    documents = course_corpus()
    train_docs, eval_docs = split_documents(documents, 0.1, SEED)
    fixed = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=10, seed=SEED + 1)
    held_out = create_full_sentence_instances(eval_docs, tokenizer, SEQ_LEN)
    eval_batches = [fixed(held_out[i:i + 64]) for i in range(0, len(held_out), 64)]
    mask_id = tokenizer.mask_token_id
    baseline = constant_answer_accuracy(eval_batches, most_frequent_token(train_docs, tokenizer), mask_id)
    rows = [("most frequent token", "-", "-", f"{baseline:.4f}")]
    dynamic = DataCollatorForPretraining(tokenizer, max_predictions_per_seq=10, seed=SEED)

    set_seed(SEED)
    bert = BertForPreTraining(BertConfig(vocab_size=len(tokenizer), **TINY), sparse_prediction=True)
    pairs = create_training_instances(train_docs, tokenizer, SEQ_LEN, rng=random.Random(SEED), dupe_factor=5,
                                      max_predictions_per_seq=10, progress_bar=False)
    seconds = train(bert, pairs, DataCollatorForPretraining(tokenizer, dynamic=False), steps)
    bert.sparse_prediction = False
    rows.append(("BERT: NSP pairs, static masks", f"{parameters(bert):,}", f"{seconds:.0f}",
                 f"{mask_only_accuracy(bert, eval_batches, mask_id):.4f}"))

    set_seed(SEED)
    roberta = RobertaForMaskedLM(RobertaConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                               max_position_embeddings=SEQ_LEN + 2, layer_norm_eps=1e-12, **TINY),
                                 sparse_prediction=True)
    full = create_full_sentence_instances(train_docs, tokenizer, SEQ_LEN)
    seconds = train(roberta, full, without(dynamic, "token_type_ids", "next_sentence_label"), steps)
    roberta.sparse_prediction = False
    rows.append(("RoBERTa: full sentences, no NSP, dynamic masks", f"{parameters(roberta):,}", f"{seconds:.0f}",
                 f"{mask_only_accuracy(roberta, eval_batches, mask_id):.4f}"))

    set_seed(SEED)
    albert = AlbertForPreTraining(AlbertConfig(vocab_size=len(tokenizer), embedding_size=32, **TINY),
                                  sparse_prediction=True)
    sop = create_sop_instances(train_docs, tokenizer, SEQ_LEN, rng=random.Random(SEED), dupe_factor=10)
    seconds = train(albert, sop, DataCollatorForSOP(tokenizer, max_predictions_per_seq=10, seed=SEED), steps)
    albert.sparse_prediction = False
    rows.append(("ALBERT: E=32, shared layer, SOP, dynamic masks", f"{parameters(albert):,}", f"{seconds:.0f}",
                 f"{mask_only_accuracy(albert, eval_batches, mask_id):.4f}"))

    teacher = BertForPreTraining.from_pretrained(DATA_DIR / "course-bert-tiny")
    set_seed(SEED)
    student = student_from_teacher(teacher)
    initial = mask_only_accuracy(student, eval_batches, mask_id)
    pairs = create_training_instances(train_docs, tokenizer, SEQ_LEN, rng=random.Random(SEED), dupe_factor=5,
                                      mask=False, progress_bar=False)
    seconds = train(Distiller(student, teacher), pairs, dynamic, steps)
    speed = {"teacher": seconds_per_batch(teacher, eval_batches, True),
             "student": seconds_per_batch(student, eval_batches, False)}
    rows.append(("course-bert-tiny (teacher, 2 layers, 1500 steps)", f"{parameters(teacher):,}",
                 f"{1000 * speed['teacher']:.1f} ms/batch", f"{mask_only_accuracy(teacher, eval_batches, mask_id):.4f}"))
    rows.append((f"DistilBERT student (1 layer; {initial:.4f} at init)", f"{parameters(student):,}",
                 f"{1000 * speed['student']:.1f} ms/batch ({speed['teacher'] / speed['student']:.2f}x); "
                 f"distilled in {seconds:.0f} s", f"{mask_only_accuracy(student, eval_batches, mask_id):.4f}"))

    print(f"{steps} updates of {BATCH} x {SEQ_LEN} tokens, seed {SEED}, {args.threads} CPU threads; "
          f"held-out: {len(held_out)} inputs, [MASK]-only accuracy")
    print("| model / recipe | parameters | training s (or inference) | held-out [MASK] accuracy |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
