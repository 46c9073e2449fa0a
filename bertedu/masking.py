"""Masked language modelling (MLM): hide some input tokens and train BERT to predict them.

BERT paper, section 3.1, Task #1 "Masked LM", and appendix A.1: choose 15 % of the token positions
at random; replace each chosen token with [MASK] 80 % of the time, with a random token 10 % of the
time, and keep it unchanged 10 % of the time; the model predicts the original token at exactly those
positions. google-research/bert's ``create_pretraining_data.py`` adds the details this module follows:
[CLS] and [SEP] are never chosen, the number of predictions is ``round(len(tokens) * masked_lm_prob)``
(at least 1, at most ``max_predictions_per_seq``), and with whole-word masking every WordPiece of a
chosen word is chosen together.

Two modes use the one rule (``create_masked_lm_predictions``):
- *static*: masks are drawn once when instances are created (the original; ``dupe_factor`` copies of
  the data get different masks);
- *dynamic*: ``DataCollatorForPretraining`` draws fresh masks every time it makes a batch, as RoBERTa
  (Liu et al. 2019, section 4.1) does.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .pretraining_data import TrainingInstance

IGNORE_INDEX = -100  # the label PyTorch's cross-entropy skips: "no prediction here"
# What the 80/10/10 rule did at each position (``masked_lm_kinds``): the held-out metrics score the
# [MASK]ed positions apart from the random and unchanged ones, which the model can see through.
NOT_PREDICTED, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3


def random_replacement_words(vocab: Mapping[str, int], special_tokens: Iterable[str]) -> list[str]:
    """The words a chosen token may be replaced with in the "10 % random token" case, in id order.

    The original draws from *every* vocabulary entry, so a position can become [PAD], [CLS], [SEP],
    [MASK], [UNK] or an ``[unusedN]`` placeholder. Those are tokens the model never sees in real text,
    and [PAD] or [MASK] planted as a "random word" contradicts what they mean elsewhere; we therefore
    draw only from real words: the vocabulary minus the special tokens and ``[...]`` placeholders.
    Sorting by id makes the draws reproducible whatever order the mapping iterates in.
    """
    special = set(special_tokens)
    words = [word for word in sorted(vocab, key=vocab.__getitem__)
             if word not in special and not (len(word) > 2 and word[0] == "[" and word[-1] == "]")]
    if not words:
        raise ValueError("the vocabulary has no real words to draw random replacements from")
    return words


def check_masking_settings(masked_lm_prob: float, max_predictions_per_seq: int) -> None:
    """Raise a ValueError naming the allowed range when a masking setting is out of it."""
    if not 0.0 < masked_lm_prob <= 1.0:
        raise ValueError(f"masked_lm_prob must be in (0, 1], got {masked_lm_prob}")
    if max_predictions_per_seq < 1:
        raise ValueError(f"max_predictions_per_seq must be at least 1, got {max_predictions_per_seq}")


def create_masked_lm_predictions(
    tokens: Sequence[str],
    masked_lm_prob: float,
    max_predictions_per_seq: int,
    vocab_words: Sequence[str],
    rng: random.Random,
    whole_word_mask: bool = False,
    special_tokens: Iterable[str] = ("[CLS]", "[SEP]", "[PAD]"),
    mask_token: str = "[MASK]",
) -> tuple[list[str], list[int], list[str]]:
    """Choose the MLM positions of one sequence and corrupt them with the 80/10/10 rule.

    Returns ``(output_tokens, masked_lm_positions, masked_lm_labels)``: the corrupted tokens, the
    chosen positions in increasing order, and the original tokens there. ``special_tokens`` are
    never chosen. ``num_to_predict = min(max_predictions_per_seq, max(1, round(len(tokens) *
    masked_lm_prob)))`` counts the special tokens in ``len(tokens)`` and uses Python's round (half
    to even), both as the original does. With ``whole_word_mask`` a ``##`` piece joins the word
    before it; words are taken whole, and a word that would overshoot ``num_to_predict`` is skipped.
    """
    check_masking_settings(masked_lm_prob, max_predictions_per_seq)
    if not vocab_words:
        raise ValueError("vocab_words is empty: random replacements need a vocabulary")
    special = set(special_tokens)

    word_groups: list[list[int]] = []  # candidate positions, one list per (whole) word
    for index, token in enumerate(tokens):
        if token in special:
            continue
        continues_word = (whole_word_mask and token.startswith("##")
                          and word_groups and word_groups[-1][-1] == index - 1)
        if continues_word:
            word_groups[-1].append(index)
        else:
            word_groups.append([index])
    rng.shuffle(word_groups)

    num_to_predict = min(max_predictions_per_seq, max(1, round(len(tokens) * masked_lm_prob)))
    output_tokens = list(tokens)
    chosen: list[int] = []
    for group in word_groups:
        if len(chosen) >= num_to_predict:
            break
        if len(chosen) + len(group) > num_to_predict:
            continue
        for index in group:
            if rng.random() < 0.8:
                output_tokens[index] = mask_token  # 80 %
            elif rng.random() < 0.5:
                output_tokens[index] = tokens[index]  # 10 %: unchanged, so inputs can't be trusted
            else:
                output_tokens[index] = vocab_words[rng.randrange(len(vocab_words))]  # 10 %
            chosen.append(index)

    positions = sorted(chosen)
    return output_tokens, positions, [tokens[index] for index in positions]


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
