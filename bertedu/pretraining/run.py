"""Pretraining: a corpus in, a BERT checkpoint folder out (paper section 3.1 and appendix A.2).

The paper's pretraining procedure, each step from its own module: the documents are split into
training and held-out sets *by document*, so no held-out sentence is ever trained on; sentence pairs
are cut for next sentence prediction (``pretraining_data``); 15 % of their tokens are masked afresh
for every batch (dynamic masking, ``masking``), while the held-out pairs keep one fixed set of masks
so that every evaluation asks the same questions; ``BertForPreTraining`` scores only the masked slots
(``sparse_prediction``); the generic ``Trainer`` runs AdamW with warmup and linear decay. The folder
it writes loads in bertedu and in transformers: config.json, model.safetensors, vocab.txt and
tokenizer_config.json, plus training_args.json, history.json and loss_curve.png.
"""

from __future__ import annotations

import math
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from .. import distributed
from ..config import BertConfig
from ..course import set_seed
from ..files import json_text, write_files
from ..labels import IGNORE_INDEX
from ..plots import plot_history
from ..trainer import Trainer, TrainingArguments
from .collator import MASKED, RANDOM, UNCHANGED, DataCollatorForPretraining
from .instances import (
    PretrainingDataset,
    Sentence,
    TrainingInstance,
    build_pretraining_dataset,
    create_training_instances,
    split_documents,
    tokenize_documents,
)
from .marker import MARKER, MARKER_FRACTION, MarkedDataset, MarkerPhase, marker_pieces, plant_marker
from .models import BertForPreTraining


def check_corpus(documents: Sequence[Sequence[Sentence]], name: str = "the corpus") -> None:
    """Pretraining needs text, and at least 4 documents: NSP draws its random B segments from
    another document, in training and in the held-out set (split by document)."""
    if not any(any(sentence for sentence in document) for document in documents):
        raise ValueError(f"{name} has no text")
    if len(documents) < 4:
        raise ValueError(f"{name} has {len(documents)} document(s); pretraining needs at least 4 (NSP "
                         "takes random sentences from another document, in training and in the held-out set)")


@dataclass
class PretrainingData:
    """Training pairs with their dynamic-masking collator, held-out batches with fixed masks (and
    ``masked_lm_kinds``), and the training tokens' counts (V,) for the held-out baselines. With a
    marker, ``train_dataset`` is a ``MarkedDataset`` (the marked pairs first, then the plain ones)."""

    train_dataset: PretrainingDataset | MarkedDataset
    data_collator: DataCollatorForPretraining
    eval_batches: list[dict[str, torch.Tensor]]
    train_token_counts: torch.Tensor


def prepare_pretraining_data(
    documents: Sequence[Sequence[Sentence]], tokenizer, max_seq_length: int = 128, *,
    eval_fraction: float = 0.1, dupe_factor: int = 5, eval_dupe_factor: int = 2,
    masked_lm_prob: float = 0.15, short_seq_prob: float = 0.1, eval_batch_size: int = 64,
    marker_rate: float = 0.0, marker: str = MARKER, seed: int = 0, progress_bar: bool = True,
) -> PretrainingData:
    """Split by documents (at least two held out), cut sentence pairs, fix the held-out masks once.

    ``dupe_factor`` passes over the training documents give differently cut pairs and NSP
    partners; masks are drawn per batch. ``max_predictions_per_seq`` scales with the length as in
    the original (20 for 128 tokens, 77 for 512). ``marker_rate`` > 0 also cuts pairs from the
    training documents with that share of their words written as ``marker`` (``pretraining.marker``).
    """
    check_corpus(documents)
    eval_fraction = max(eval_fraction, 2 / len(documents))
    train_documents, eval_documents = split_documents(documents, eval_fraction, seed)
    max_predictions = math.ceil(max_seq_length * masked_lm_prob)
    common = {"short_seq_prob": short_seq_prob, "masked_lm_prob": masked_lm_prob,
              "max_predictions_per_seq": max_predictions, "progress_bar": progress_bar}
    train_documents = tokenize_documents(train_documents, tokenizer, progress_bar)
    train_dataset = build_pretraining_dataset(train_documents, tokenizer, max_seq_length, dynamic=True,
                                              dupe_factor=dupe_factor, seed=seed, **common)
    counts = token_counts(train_dataset.instances, tokenizer)
    if marker_rate:
        marked = plant_marker(train_documents, marker_pieces(tokenizer, marker), marker_rate, seed)
        train_dataset = MarkedDataset(train_dataset, build_pretraining_dataset(
            marked, tokenizer, max_seq_length, dynamic=True, dupe_factor=dupe_factor, seed=seed, **common))
    collator = DataCollatorForPretraining(tokenizer, masked_lm_prob, max_predictions, seed=seed)
    eval_instances = create_training_instances(eval_documents, tokenizer, max_seq_length,
                                               rng=random.Random(seed + 1), dupe_factor=eval_dupe_factor,
                                               **common)
    fixed_masks = DataCollatorForPretraining(tokenizer, dynamic=False, return_masking_kinds=True)
    eval_batches = [fixed_masks(eval_instances[start:start + eval_batch_size])
                    for start in range(0, len(eval_instances), eval_batch_size)]
    return PretrainingData(train_dataset, collator, eval_batches, counts)


def token_counts(instances: Sequence[TrainingInstance], tokenizer) -> torch.Tensor:
    """(V,) how often each token occurs in the instances' text ([CLS] and [SEP] not counted)."""
    counts = Counter(chain.from_iterable(instance.tokens for instance in instances))
    for special in (tokenizer.cls_token, tokenizer.sep_token):
        counts.pop(special, None)
    ids = torch.tensor(tokenizer.convert_tokens_to_ids(list(counts)), dtype=torch.long)  # (distinct,)
    return torch.zeros(len(tokenizer), dtype=torch.long).index_add_(
        0, ids, torch.tensor(list(counts.values()), dtype=torch.long))


def pretraining_metrics(model: torch.nn.Module, eval_batches: Sequence[dict[str, torch.Tensor]],
                        train_token_counts: torch.Tensor | None = None) -> dict[str, float]:
    """Held-out MLM metrics by what the 80/10/10 rule did, input-blind baselines, and NSP.

    The headline ``mlm_accuracy``/``mlm_loss`` count the [MASK]ed positions only: at the 10 % left
    unchanged the model sees the answer, so mixing them in flatters it (``mlm_accuracy_all`` is
    that mixed number, ``_random``/``_unchanged`` the other two kinds). With ``train_token_counts``
    (V,) the same [MASK] positions also give the accuracy of always answering the most frequent
    training token (``mlm_baseline_accuracy``) and the loss of the training unigram distribution,
    add-one smoothed (``mlm_unigram_loss``): a model that uses context beats both. NSP accuracy
    comes with ``nsp_majority_accuracy``, the share of the more frequent held-out label.

    The batches need ``masked_lm_kinds`` (``DataCollatorForPretraining(...,
    return_masking_kinds=True)``). Works for any model returning ``prediction_logits`` (B, T, V), or
    (N, V) at the N labelled slots as ours does with ``sparse_prediction``, and
    ``seq_relationship_logits`` (B, 2). Call it under ``torch.no_grad()`` in eval mode (the Trainer
    does).
    """
    device = next(model.parameters()).device
    kinds = {"": MASKED, "_random": RANDOM, "_unchanged": UNCHANGED}
    sums = {name: 0.0 for name in ("nsp_loss", "nsp_correct", "nsp_count", "nsp_positive",
                                   "baseline_correct", "unigram_loss", "all_correct", "all_count")}
    for suffix in kinds:
        sums.update({f"loss{suffix}": 0.0, f"correct{suffix}": 0.0, f"count{suffix}": 0.0})
    if train_token_counts is not None:
        log_unigram = ((train_token_counts.double() + 1) / (train_token_counts.sum() + len(train_token_counts))
                       ).log().to(device)                                  # (V,)
        most_frequent = int(train_token_counts.argmax())
    for batch in eval_batches:
        if "masked_lm_kinds" not in batch:
            raise ValueError("held-out batches need masked_lm_kinds (which positions were [MASK]ed): "
                             "make them with DataCollatorForPretraining(..., return_masking_kinds=True)")
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        batch_kinds = batch.pop("masked_lm_kinds")                        # (B, T)
        outputs = model(**batch)
        selected = batch["labels"] != IGNORE_INDEX                        # (B, T)
        target = batch["labels"][selected]                                # (N,)
        kind = batch_kinds[selected]                                      # (N,)
        logits = outputs.prediction_logits.float()
        if logits.dim() == 3:                                             # (B, T, V) -> (N, V)
            logits = logits[selected]
        losses = F.cross_entropy(logits, target, reduction="none")       # (N,)
        correct = logits.argmax(-1) == target                             # (N,)
        for suffix, code in kinds.items():
            chosen = kind == code
            sums[f"loss{suffix}"] += losses[chosen].sum().item()
            sums[f"correct{suffix}"] += correct[chosen].sum().item()
            sums[f"count{suffix}"] += chosen.sum().item()
        sums["all_correct"] += correct.sum().item()
        sums["all_count"] += target.numel()
        if train_token_counts is not None:
            masked_target = target[kind == MASKED]
            sums["baseline_correct"] += (masked_target == most_frequent).sum().item()
            sums["unigram_loss"] -= log_unigram[masked_target].sum().item()
        nsp_logits, nsp_target = outputs.seq_relationship_logits.float(), batch["next_sentence_label"]
        sums["nsp_loss"] += F.cross_entropy(nsp_logits, nsp_target, reduction="sum").item()
        sums["nsp_correct"] += (nsp_logits.argmax(-1) == nsp_target).sum().item()
        sums["nsp_count"] += nsp_target.numel()
        sums["nsp_positive"] += nsp_target.sum().item()
    if sums["count"] == 0:
        raise ValueError("the held-out batches have no [MASK]ed position to score")
    metrics = {}
    for suffix in kinds:
        count = max(sums[f"count{suffix}"], 1)  # a tiny held-out set may have no random position
        metrics[f"mlm_accuracy{suffix}"] = sums[f"correct{suffix}"] / count
        metrics[f"mlm_loss{suffix}"] = sums[f"loss{suffix}"] / count
    metrics["mlm_accuracy_all"] = sums["all_correct"] / sums["all_count"]
    if train_token_counts is not None:
        metrics["mlm_baseline_accuracy"] = sums["baseline_correct"] / sums["count"]
        metrics["mlm_unigram_loss"] = sums["unigram_loss"] / sums["count"]
    positive_rate = sums["nsp_positive"] / sums["nsp_count"]
    metrics.update({"nsp_loss": sums["nsp_loss"] / sums["nsp_count"],
                    "nsp_accuracy": sums["nsp_correct"] / sums["nsp_count"],
                    "nsp_majority_accuracy": max(positive_rate, 1 - positive_rate)})
    return metrics


def save_pretraining_output(model: BertForPreTraining, tokenizer, output_dir: str | os.PathLike,
                            history: dict[str, list[dict[str, float]]], arguments: dict[str, Any]) -> None:
    """The checkpoint folder: HF's files for model and tokenizer, the arguments, history and plot."""
    folder = Path(output_dir)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    write_files({folder / "training_args.json": json_text(arguments), folder / "history.json": json_text(history)})
    plot_history(history, folder / "loss_curve.png")


def pretrain(documents: Sequence[Sequence[Sentence]], tokenizer, config: BertConfig, args: TrainingArguments,
             max_seq_length: int = 128, resume: bool = False, marker_fraction: float = MARKER_FRACTION,
             **data_options: Any) -> tuple[BertForPreTraining, Trainer]:
    """Pretrain ``BertForPreTraining(config, sparse_prediction=True)`` with MLM + NSP.

    ``data_options`` go to ``prepare_pretraining_data`` (eval_fraction, dupe_factor, marker_rate,
    ...); with a ``marker_rate`` the first ``marker_fraction`` of the run reads marked text. With
    ``args.output_dir`` the finished model is saved there (see ``save_pretraining_output``) and the
    resumable state goes to ``output_dir/checkpoint/``.
    """
    if config.vocab_size < len(tokenizer):
        raise ValueError(f"config.vocab_size ({config.vocab_size}) is smaller than the tokenizer's "
                         f"vocabulary ({len(tokenizer)})")
    if max_seq_length > config.max_position_embeddings:
        raise ValueError(f"max_seq_length {max_seq_length} exceeds config.max_position_embeddings "
                         f"({config.max_position_embeddings})")
    data = prepare_pretraining_data(documents, tokenizer, max_seq_length, seed=args.seed,
                                    progress_bar=args.progress_bar, **data_options)
    set_seed(args.seed)
    model = BertForPreTraining(config, sparse_prediction=True)
    phases = [MarkerPhase(data.train_dataset, marker_fraction)] if isinstance(data.train_dataset, MarkedDataset) else []
    trainer = Trainer(model, args, data.train_dataset, data.data_collator, callbacks=phases,
                      eval_fn=lambda m: pretraining_metrics(m, data.eval_batches, data.train_token_counts))
    trainer.train(resume=resume)
    if args.output_dir is not None and distributed.is_main_process():
        arguments = {**args.to_dict(), "max_seq_length": max_seq_length, **data_options,
                     **({"marker_fraction": marker_fraction, "marker_end_step": phases[0].end_step} if phases else {}),
                     "train_instances": len(data.train_dataset), "stopped_early": trainer.stopped_early,
                     "world_size": distributed.world_size(), "effective_batch_size":
                     args.batch_size * distributed.world_size() * args.gradient_accumulation_steps}
        save_pretraining_output(model, tokenizer, args.output_dir, trainer.history, arguments)
    return model, trainer
