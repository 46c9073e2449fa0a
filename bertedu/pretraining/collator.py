"""The pretraining collator: sentence pairs in, a padded, masked batch for ``BertForPreTraining`` out.

It applies the masking rule of ``masking.py`` (paper section 3.1 and appendix A.1) to the instances
of ``instances.py`` (the NSP pairs), either afresh for every batch (dynamic masking, RoBERTa section
4.1) or with the masks stored in the instances (static masking, the original BERT), and lays the
result out with Hugging Face's names and label conventions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch

from ..labels import IGNORE_INDEX
from .instances import TrainingInstance
from .masking import check_masking_settings, create_masked_lm_predictions, random_replacement_words

# What the 80/10/10 rule did at each position (``masked_lm_kinds``): the held-out metrics score the
# [MASK]ed positions apart from the random and unchanged ones, which the model can see through.
NOT_PREDICTED, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3


class DataCollatorForPretraining:
    """Turns ``TrainingInstance``s into a padded batch for ``BertForPreTraining``.

    The batch is a dict of LongTensors with Hugging Face's names: ``input_ids``, ``token_type_ids``,
    ``attention_mask`` (all (B, T), padded to the longest instance), ``labels`` (B, T): the original
    token id at the MLM positions and -100 everywhere else (so padding and [CLS]/[SEP] are never
    labelled), and ``next_sentence_label`` (B,): 0 when B is the actual next segment (IsNext), 1 when
    it is a random one (NotNext) - HF's convention, from the original's ``is_random_next``.

    ``dynamic=True`` (RoBERTa) masks unmasked instances afresh each call: two calls on the same
    instances give different masks, and a new collator with the same ``seed`` repeats the same
    sequence of masks. Inside DataLoader workers each worker masks with its own stream, derived from
    ``seed`` and the worker seed PyTorch draws per epoch, so epochs do not repeat masks.
    ``dynamic=False`` uses the masks stored in the instances (static masking).

    ``return_masking_kinds=True`` adds ``masked_lm_kinds`` (B, T): ``MASKED``, ``RANDOM`` or
    ``UNCHANGED`` at the MLM positions, ``NOT_PREDICTED`` elsewhere, read off the corrupted and the
    original token (a random draw that hits the original token counts as unchanged: the model sees
    the answer). It is not a model input: drop it before ``model(**batch)``.
    """

    def __init__(self, tokenizer, mlm_probability: float = 0.15, max_predictions_per_seq: int = 20,
                 whole_word_mask: bool = False, dynamic: bool = True, seed: int = 0,
                 return_masking_kinds: bool = False):
        self.tokenizer = tokenizer
        self.mlm_probability = mlm_probability
        self.max_predictions_per_seq = max_predictions_per_seq
        self.whole_word_mask = whole_word_mask
        self.dynamic = dynamic
        self.seed = seed
        self.return_masking_kinds = return_masking_kinds
        self.special_tokens = (tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token)
        self.vocab_words = random_replacement_words(
            tokenizer.vocab, (*self.special_tokens, tokenizer.mask_token, tokenizer.unk_token))
        self.rng = random.Random(seed)
        self._worker_rng: tuple[int, random.Random] | None = None
        if dynamic:
            check_masking_settings(mlm_probability, max_predictions_per_seq)

    def _masking_rng(self) -> random.Random:
        worker = torch.utils.data.get_worker_info()
        if worker is None:
            return self.rng
        if self._worker_rng is None or self._worker_rng[0] != worker.seed:
            self._worker_rng = (worker.seed, random.Random(f"{self.seed}-{worker.seed}"))
        return self._worker_rng[1]

    def _mask(self, instance: TrainingInstance) -> tuple[list[str], list[int], list[str]]:
        if not self.dynamic:
            if instance.masked_lm_positions is None:
                raise ValueError("static masking (dynamic=False) needs masked instances; create "
                                 "them with mask=True or use dynamic=True")
            return instance.tokens, instance.masked_lm_positions, instance.masked_lm_labels
        if instance.masked_lm_positions is not None:
            raise ValueError("dynamic masking needs unmasked instances; create them with "
                             "mask=False or use dynamic=False")
        return create_masked_lm_predictions(
            instance.tokens, self.mlm_probability, self.max_predictions_per_seq, self.vocab_words,
            self._masking_rng(), self.whole_word_mask, self.special_tokens,
            self.tokenizer.mask_token)

    def __call__(self, instances: Sequence[TrainingInstance]) -> dict[str, torch.Tensor]:
        if not instances:
            raise ValueError("cannot make a batch from zero instances")
        seq_len = max(len(instance.tokens) for instance in instances)
        input_ids, token_type_ids, attention_mask, labels, kinds = [], [], [], [], []
        for instance in instances:
            tokens, positions, masked_labels = self._mask(instance)
            row_kinds = [NOT_PREDICTED] * seq_len
            for position, original in zip(positions, masked_labels):
                row_kinds[position] = (MASKED if tokens[position] == self.tokenizer.mask_token
                                       else UNCHANGED if tokens[position] == original else RANDOM)
            kinds.append(row_kinds)
            padding = seq_len - len(tokens)
            input_ids.append(self.tokenizer.convert_tokens_to_ids(tokens)
                             + [self.tokenizer.pad_token_id] * padding)
            token_type_ids.append(instance.segment_ids + [0] * padding)
            attention_mask.append([1] * len(tokens) + [0] * padding)
            row_labels = [IGNORE_INDEX] * seq_len
            for position, label_id in zip(positions,
                                          self.tokenizer.convert_tokens_to_ids(masked_labels)):
                row_labels[position] = label_id
            labels.append(row_labels)
        next_sentence_label = torch.tensor(  # (B,)
            [int(instance.is_random_next) for instance in instances])
        batch = {"input_ids": torch.tensor(input_ids),  # (B, T)
                 "token_type_ids": torch.tensor(token_type_ids),  # (B, T)
                 "attention_mask": torch.tensor(attention_mask),  # (B, T)
                 "labels": torch.tensor(labels),  # (B, T)
                 "next_sentence_label": next_sentence_label}
        if self.return_masking_kinds:
            batch["masked_lm_kinds"] = torch.tensor(kinds)  # (B, T)
        return batch
