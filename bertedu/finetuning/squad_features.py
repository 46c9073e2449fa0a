"""SQuAD inputs: windows over long contexts, and which characters each token came from.

Section 4.2 of the BERT paper packs a question and its context as ``[CLS] question [SEP] context
[SEP]``. A context longer than the model's input is cut into windows that overlap by a stride (as in
the original ``run_squad.py``); each window remembers the character span of every context token, so
that a predicted span maps back to the exact text, and marks the window in which each token has the
most context on both sides. The answer's first and last token are the training targets; an
unanswerable question (SQuAD v2.0, section 4.3) or an answer outside the window targets [CLS].
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .squad import SquadExample


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Lower case, without accents, control characters and U+FFFD (which BERT's tokenizer drops):
    how characters of the context compare with word pieces."""
    return "".join(char for char in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(char) != "Mn"
                   and not unicodedata.category(char).startswith("C") and char != "\ufffd")


def piece_offsets(word: str, pieces: Sequence[str], unk_token: str) -> list[tuple[int, int]]:
    """The character span ``(start, end)`` inside ``word`` of each of its word pieces.

    Pieces are matched against the word's characters after lower-casing and removing accents, so
    a lower-casing tokenizer does not shift spans; characters the tokenizer drops are skipped
    (control characters) or joined to the letter before (combining accents). From the first piece
    that does not match (e.g. [UNK]) on, every remaining piece gets the rest of the word.
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for index, piece in enumerate(pieces):
        text = _fold(piece[2:] if index > 0 and piece.startswith("##") else piece)
        while position < len(word) and not _fold(word[position]):
            position += 1
        start, matched = position, ""
        while piece != unk_token and len(matched) < len(text) and position < len(word):
            matched += _fold(word[position])
            position += 1
        if piece == unk_token or matched != text:
            return spans + [(start, len(word))] * (len(pieces) - index)
        while position < len(word) and unicodedata.category(word[position]) == "Mn":
            position += 1  # combining accents belong to the letter before them
        spans.append((start, position))
    return spans


@dataclass
class SquadFeature:
    """One window of one example, padded to ``max_length``: ``[CLS] question [SEP] context [SEP]``.

    ``offsets[i]`` is the ``(start, end)`` character span in the example's context of token ``i``,
    None for tokens outside the context. ``token_is_max_context[i]`` says whether this window is
    the one where context token ``i`` has the most context on both sides (only that window may
    predict a span starting there). ``start_position``/``end_position`` index the answer's first
    and last token, 0 ([CLS]) when the question is unanswerable or the answer is not in this window.
    """

    example_index: int
    input_ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int] | None]
    token_is_max_context: list[bool]
    start_position: int
    end_position: int


def _doc_spans(num_tokens: int, max_tokens: int, doc_stride: int) -> list[tuple[int, int]]:
    """(start, length) windows over the context tokens, each starting ``doc_stride`` after the last."""
    spans, start = [], 0
    while True:
        length = min(num_tokens - start, max_tokens)
        spans.append((start, length))
        if start + length >= num_tokens:
            return spans
        start += min(length, doc_stride)


def _is_max_context(spans: list[tuple[int, int]], span_index: int, position: int) -> bool:
    """Whether ``spans[span_index]`` is the window where token ``position`` has the most context:
    the most tokens on its shorter side, plus a little for longer windows (as in run_squad.py)."""
    best_score, best_index = None, None
    for index, (start, length) in enumerate(spans):
        if start <= position < start + length:
            score = min(position - start, start + length - 1 - position) + 0.01 * length
            if best_score is None or score > best_score:
                best_score, best_index = score, index
    return best_index == span_index


def _tokenize_context(example: SquadExample,
                      tokenizer) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Word-piece ids of the context, each piece's character span and the index of its word."""
    pieces, token_spans, token_words = [], [], []
    for word_index, (word, word_start) in enumerate(zip(example.doc_tokens, example.word_starts)):
        word_pieces = tokenizer.tokenize(word)
        for start, end in piece_offsets(word, word_pieces, tokenizer.unk_token):
            token_spans.append((word_start + start, word_start + end))
        pieces.extend(word_pieces)
        token_words.extend([word_index] * len(word_pieces))
    return tokenizer.convert_tokens_to_ids(pieces), token_spans, token_words


def _answer_tokens(example: SquadExample, token_spans: list[tuple[int, int]],
                   token_words: list[int]) -> tuple[int, int] | None:
    """First and last context token of the example's first answer, or None when it has none."""
    if example.is_impossible or not example.answers:
        return None
    start_char = example.answers[0]["answer_start"]
    end_char = start_char + len(example.answers[0]["text"])  # exclusive
    start_word = max(example.char_to_word_offset[start_char], 0)
    end_word = example.char_to_word_offset[max(end_char - 1, start_char)]
    tokens = [i for i, word in enumerate(token_words) if start_word <= word <= end_word]
    starts = [i for i in tokens if token_spans[i][1] > start_char]
    ends = [i for i in tokens if token_spans[i][0] < end_char]
    if not starts or not ends:
        return None
    return starts[0], ends[-1]


def convert_examples_to_features(examples: Sequence[SquadExample], tokenizer, max_length: int = 384,
                                 doc_stride: int = 128,
                                 max_query_length: int = 64) -> list[SquadFeature]:
    """Windows of at most ``max_length`` tokens over every example's context (``doc_stride``
    tokens apart), with the question cut to ``max_query_length`` pieces. Defaults as in BERT."""
    if doc_stride < 1 or max_query_length < 1:
        raise ValueError(f"doc_stride and max_query_length must be >= 1, "
                         f"got {doc_stride} and {max_query_length}")
    features = []
    contexts: dict[str, tuple[list[int], list[tuple[int, int]], list[int]]] = {}
    for example_index, example in enumerate(examples):
        query = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(example.question)[:max_query_length])
        max_tokens = max_length - len(query) - 3  # [CLS] question [SEP] ... [SEP]
        if max_tokens < 1:
            raise ValueError(f"max_length={max_length} leaves no room for the context after a "
                             f"{len(query)}-token question; raise it or lower max_query_length")
        if example.context not in contexts:  # SQuAD asks several questions about each context
            contexts[example.context] = _tokenize_context(example, tokenizer)
        context, token_spans, token_words = contexts[example.context]
        answer = _answer_tokens(example, token_spans, token_words)
        spans = _doc_spans(len(context), max_tokens, doc_stride)
        for span_index, (start, length) in enumerate(spans):
            prefix = len(query) + 2  # tokens before the window's context
            input_ids = ([tokenizer.cls_token_id] + query + [tokenizer.sep_token_id]
                         + context[start:start + length] + [tokenizer.sep_token_id])
            padding = max_length - len(input_ids)
            start_position = end_position = 0
            if answer is not None and start <= answer[0] and answer[1] < start + length:
                start_position, end_position = answer[0] - start + prefix, answer[1] - start + prefix
            features.append(SquadFeature(
                example_index=example_index,
                input_ids=input_ids + [tokenizer.pad_token_id] * padding,
                token_type_ids=[0] * prefix + [1] * (length + 1) + [0] * padding,
                attention_mask=[1] * len(input_ids) + [0] * padding,
                offsets=[None] * prefix + token_spans[start:start + length] + [None] * (padding + 1),
                token_is_max_context=[False] * prefix + [
                    _is_max_context(spans, span_index, start + i) for i in range(length)
                ] + [False] * (padding + 1),
                start_position=start_position, end_position=end_position))
    return features


def features_to_tensors(features: Sequence[SquadFeature]) -> dict[str, torch.Tensor]:
    """The model inputs and targets of ``features`` as LongTensors with HF's names."""
    if not features:
        raise ValueError("features_to_tensors needs at least one feature")
    return {"input_ids": torch.tensor([f.input_ids for f in features]),  # (N, T)
            "token_type_ids": torch.tensor([f.token_type_ids for f in features]),  # (N, T)
            "attention_mask": torch.tensor([f.attention_mask for f in features]),  # (N, T)
            "start_positions": torch.tensor([f.start_position for f in features]),  # (N,)
            "end_positions": torch.tensor([f.end_position for f in features])}  # (N,)
