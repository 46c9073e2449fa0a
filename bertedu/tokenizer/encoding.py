"""BERT's input format: [CLS] A [SEP] B [SEP], segment ids, truncation to a length, padding.

"The first token of every sequence is always a special classification token ([CLS]) ... Sentence
pairs are packed together into a single sequence. We differentiate the sentences in two ways.
First, we separate them with a special token ([SEP]). Second, we add a learned embedding to every
token indicating whether it belongs to sentence A or sentence B." (Devlin et al. 2018, Section 3.)
Those segment ids are ``token_type_ids`` (0 for [CLS] A [SEP], 1 for B [SEP]). A batch is padded
with [PAD] to a common length, and ``attention_mask`` is 1 on real tokens and 0 on padding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second")
PADDING_STRATEGIES = ("longest", "max_length")


class BatchEncoding(dict):
    """The tokenizer's output: a dict (``input_ids``, ``token_type_ids``, ``attention_mask``) whose
    keys can also be read as attributes, as with HF's ``BatchEncoding``."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to(self, device) -> BatchEncoding:
        """Move every tensor to ``device`` (after ``return_tensors="pt"``)."""
        return BatchEncoding({key: value.to(device) if isinstance(value, torch.Tensor) else value
                              for key, value in self.items()})


def truncation_strategy(truncation, max_length: int | None) -> str | None:
    """HF's ``truncation`` argument as a strategy name, or None for no truncation.

    ``None`` (the default) truncates (longest_first) only when ``max_length`` is given.
    """
    if truncation is None:
        return "longest_first" if max_length is not None else None
    if truncation is False or truncation == "do_not_truncate":
        return None
    if truncation is True:
        return "longest_first"
    if truncation in TRUNCATION_STRATEGIES:
        return truncation
    raise ValueError(f"truncation={truncation!r} is not allowed: use False, True or one of "
                     f"{', '.join(map(repr, TRUNCATION_STRATEGIES))}")


def padding_strategy(padding) -> str | None:
    if padding is False or padding is None or padding == "do_not_pad":
        return None
    if padding is True:
        return "longest"
    if padding in PADDING_STRATEGIES:
        return padding
    raise ValueError(f"padding={padding!r} is not allowed: use False, True, 'longest' or 'max_length'")


def longest_first_lengths(length_a: int, length_b: int, budget: int) -> tuple[int, int]:
    """How many tokens of A and of B survive ``longest_first`` truncation to ``budget`` tokens.

    HF's rule: if the shorter sequence fits in half the budget it stays whole and the longer gets
    the rest; otherwise each gets half, and the odd token goes to the longer one (to B on a tie).
    (Google's ``truncate_seq_pair`` removes one token at a time from the longer sequence instead;
    the two can differ by one token when both sequences are long.)
    """
    if length_a + length_b <= budget:
        return length_a, length_b
    shorter = min(length_a, length_b)
    if 2 * shorter <= budget:
        keep_shorter, keep_longer = shorter, budget - shorter
    else:
        keep_shorter, keep_longer = budget // 2, budget - budget // 2
    return (keep_longer, keep_shorter) if length_a > length_b else (keep_shorter, keep_longer)


def truncate(ids_a: list[int], ids_b: list[int] | None, budget: int,
             strategy: str) -> tuple[list[int], list[int] | None]:
    """Cut A (and B) so that together they have at most ``budget`` tokens, cutting from the end."""
    length_b = 0 if ids_b is None else len(ids_b)
    excess = len(ids_a) + length_b - budget
    if budget == 0:                                  # HF empties both, whatever the strategy
        return [], None if ids_b is None else []
    if excess <= 0:
        return ids_a, ids_b
    if strategy == "longest_first":
        keep_a, keep_b = longest_first_lengths(len(ids_a), length_b, budget)
        return ids_a[:keep_a], None if ids_b is None else ids_b[:keep_b]
    if strategy == "only_second" and ids_b is None:
        raise ValueError("truncation='only_second' needs a second sequence (text_pair)")
    target = ids_a if strategy == "only_first" else ids_b
    if len(target) <= excess:
        raise ValueError(
            f"truncation={strategy!r} cannot fit the pair into the length asked for: it would have "
            f"to remove {excess} tokens from a sequence of {len(target)}; use 'longest_first' or a "
            f"larger max_length")
    if strategy == "only_first":
        return ids_a[:len(ids_a) - excess], ids_b
    return ids_a, ids_b[:len(ids_b) - excess]


def with_special_tokens(ids_a: list[int], ids_b: list[int] | None, cls_token_id: int,
                        sep_token_id: int) -> tuple[list[int], list[int]]:
    """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``, and the segment ids (0 for A's part, 1 for B's)."""
    input_ids = [cls_token_id, *ids_a, sep_token_id]
    token_type_ids = [0] * len(input_ids)
    if ids_b is not None:
        input_ids += [*ids_b, sep_token_id]
        token_type_ids += [1] * (len(ids_b) + 1)
    return input_ids, token_type_ids


def pad(rows: Sequence[dict[str, list]], length: int, pad_token_id: int) -> list[dict]:
    """Pad every row to ``length`` on the right: [PAD] ids, segment 0, attention 0, offsets (0, 0)
    (longer rows stay)."""
    values = {"input_ids": pad_token_id, "token_type_ids": 0, "attention_mask": 0, "offset_mapping": (0, 0)}
    padded = []
    for row in rows:
        missing = max(0, length - len(row["input_ids"]))
        padded.append({key: value + [values[key]] * missing for key, value in row.items()})
    return padded


def as_tensors(rows: Sequence[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
    lengths = {len(row["input_ids"]) for row in rows}
    if len(lengths) > 1:
        raise ValueError(
            f"return_tensors='pt' needs sequences of one length, got lengths {sorted(lengths)}: "
            "pass padding=True (and truncation=True with max_length for long texts)")
    return {key: torch.tensor([row[key] for row in rows], dtype=torch.long)  # (B, T); offsets (B, T, 2)
            for key in rows[0]}


# HF's WordPiece decoder: a piece after the first gets a space unless it continues a word (##), and
# these spacing artifacts are undone in each piece (so "hello" "," becomes "hello,").
_CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))


def detokenize(index: int, token: str) -> str:
    if index > 0:
        token = token[2:] if token.startswith("##") else " " + token
    for before, after in _CLEANUP:
        token = token.replace(before, after)
    return token


def as_text_list(text: str | Sequence[str], name: str) -> list[str]:
    texts = [text] if isinstance(text, str) else list(text) if isinstance(text, (list, tuple)) else None
    if texts is None or not texts or not all(isinstance(item, str) for item in texts):
        raise ValueError(f"{name} must be a str or a non-empty list of str, got {text!r:.80}")
    return texts


def as_id_list(ids) -> list[int]:
    if hasattr(ids, "tolist"):                       # a tensor or an array
        ids = ids.tolist()
    if isinstance(ids, int):
        return [ids]
    return [int(index) for index in ids]
