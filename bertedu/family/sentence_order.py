"""Sentence-order prediction (SOP), ALBERT's replacement for next sentence prediction.

Lan et al. 2019, section 3.1 ("Inter-sentence coherence loss") and 4.6: NSP's negatives take B from
another document, so a model can answer by topic alone. SOP's positives are NSP's (two consecutive
segments A, B of one document); its negatives are the *same* two segments swapped, so only their
order tells them apart. We cut the pairs with BERT's rules (``pretraining.instances``), keep the
consecutive ones, and swap half of them: ``is_random_next`` then means "swapped" (label 1).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch

from ..pretraining.collator import DataCollatorForPretraining
from ..pretraining.instances import (
    Sentence,
    TrainingInstance,
    create_instances_from_document,
    tokenize_documents,
)


def swap_segments(instance: TrainingInstance) -> TrainingInstance:
    """[CLS] A [SEP] B [SEP] -> [CLS] B [SEP] A [SEP], segment ids and provenance swapped too."""
    length_a = instance.segment_ids.count(0) - 2
    cls_token, sep_token = instance.tokens[0], instance.tokens[length_a + 1]
    tokens_a, tokens_b = instance.tokens[1:length_a + 1], instance.tokens[length_a + 2:-1]
    return TrainingInstance(
        tokens=[cls_token, *tokens_b, sep_token, *tokens_a, sep_token],
        segment_ids=[0] * (len(tokens_b) + 2) + [1] * (len(tokens_a) + 1), is_random_next=True,
        a_document=instance.b_document, a_sentences=instance.b_sentences,
        b_document=instance.a_document, b_sentences=instance.a_sentences)


def create_sop_instances(documents: Sequence[Sequence[Sentence]], tokenizer, max_seq_length: int = 128, *,
                         rng: random.Random, dupe_factor: int = 2, short_seq_prob: float = 0.1,
                         progress_bar: bool = False) -> list[TrainingInstance]:
    """Unmasked SOP pairs from ``dupe_factor`` passes, half of them swapped, shuffled.

    Only BERT's IsNext pairs are kept (about half of the pairs it cuts), so a pass gives about
    half as many instances as ``create_training_instances``; mask them with the collator."""
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length must be >= 5 ([CLS] A [SEP] B [SEP]), got {max_seq_length}")
    if dupe_factor < 1:
        raise ValueError(f"dupe_factor must be >= 1, got {dupe_factor}")
    all_documents = tokenize_documents(documents, tokenizer, progress_bar)
    if len(all_documents) < 2:
        raise ValueError(f"need at least 2 non-empty documents to cut pairs, got {len(all_documents)}")
    instances = []
    for _ in range(dupe_factor):
        for index in range(len(all_documents)):
            for pair in create_instances_from_document(all_documents, index, max_seq_length, short_seq_prob,
                                                       rng, tokenizer.cls_token, tokenizer.sep_token):
                if not pair.is_random_next:
                    instances.append(swap_segments(pair) if rng.random() < 0.5 else pair)
    rng.shuffle(instances)
    return instances


class DataCollatorForSOP(DataCollatorForPretraining):
    """``DataCollatorForPretraining`` whose pair label is ``sentence_order_label`` (0 in order, 1 swapped)."""

    def __call__(self, instances: Sequence[TrainingInstance]) -> dict[str, torch.Tensor]:
        batch = super().__call__(instances)
        batch["sentence_order_label"] = batch.pop("next_sentence_label")  # (B,)
        return batch
