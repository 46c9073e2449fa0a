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
  the data get different masks; ``instances.py``);
- *dynamic*: ``DataCollatorForPretraining`` (``collator.py``) draws fresh masks every time it makes a
  batch, as RoBERTa (Liu et al. 2019, section 4.1) does.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence


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


def word_groups(tokens: Sequence[str], special: Iterable[str] = (), whole_words: bool = True) -> list[list[int]]:
    """The positions of ``tokens`` grouped by word: a ``##`` piece joins the word right before it
    (with ``whole_words``; without, every piece is its own group); ``special`` tokens are in none."""
    special = set(special)
    groups: list[list[int]] = []
    for index, token in enumerate(tokens):
        if token in special:
            continue
        if whole_words and token.startswith("##") and groups and groups[-1][-1] == index - 1:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def corrupt_token(token: str, vocab_words: Sequence[str], rng: random.Random, mask_token: str = "[MASK]") -> str:
    """What a position chosen for prediction shows the model: [MASK] 80 % of the time, a random real
    word 10 %, the token itself 10 % (so inputs can't be trusted)."""
    if rng.random() < 0.8:
        return mask_token
    if rng.random() < 0.5:
        return token
    return vocab_words[rng.randrange(len(vocab_words))]


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
    candidates = word_groups(tokens, special_tokens, whole_word_mask)  # one list of positions per (whole) word
    rng.shuffle(candidates)

    num_to_predict = min(max_predictions_per_seq, max(1, round(len(tokens) * masked_lm_prob)))
    output_tokens = list(tokens)
    chosen: list[int] = []
    for group in candidates:
        if len(chosen) >= num_to_predict:
            break
        if len(chosen) + len(group) > num_to_predict:
            continue
        for index in group:
            output_tokens[index] = corrupt_token(tokens[index], vocab_words, rng, mask_token)
            chosen.append(index)

    positions = sorted(chosen)
    return output_tokens, positions, [tokens[index] for index in positions]
