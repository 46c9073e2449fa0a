"""SQuAD inputs: windows over long contexts, and which characters each token came from.

Section 4.2 of the BERT paper packs a question and its context as ``[CLS] question [SEP] context
[SEP]``. A context longer than the model's input is cut into windows that overlap by a stride (as in
the original ``run_squad.py``); each window remembers the character span of every context token (the
tokenizer's ``offset_mapping``), so that a predicted span maps back to the exact text, and marks the window in which each token has the
most context on both sides. The answer's first and last token are the training targets; an
unanswerable question (SQuAD v2.0, section 4.3) or an answer outside the window targets [CLS].
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .squad import SquadExample


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


def answer_matches_context(example: SquadExample, answer: dict) -> bool:
    """Whether the answer's text is the context's text at its ``answer_start``."""
    start = answer["answer_start"]
    return example.context[start:start + len(answer["text"])] == answer["text"]


def drop_unmatched_answers(examples: Sequence[SquadExample]) -> tuple[list[SquadExample], list[SquadExample]]:
    """(examples to keep, examples dropped): an answerable example none of whose answers is its
    context's text at ``answer_start`` would train on a wrong span, so it is left out, as Google's
    run_squad.py does ("Could not find answer")."""
    usable = [example.is_impossible or not example.answers
              or any(answer_matches_context(example, answer) for answer in example.answers)
              for example in examples]
    return ([example for example, ok in zip(examples, usable) if ok],
            [example for example, ok in zip(examples, usable) if not ok])


def _context_tokens(context: str, tokenizer) -> tuple[list[int], list[tuple[int, int]]]:
    """Word-piece ids of the context and the character span of each: the tokenizer's offsets, where
    a span ends after the combining accents the tokenizer dropped ("e" + U+0301 is one letter, "é",
    but HF's offsets stop before the accent, and the answer text would lose it)."""
    encoded = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
    spans = encoded["offset_mapping"]
    limits = [start for start, _ in spans[1:]] + [len(context)]  # never into the next token
    return encoded["input_ids"], [(start, _after_marks(context, end, limit))
                                  for (start, end), limit in zip(spans, limits)]


def _after_marks(text: str, end: int, limit: int) -> int:
    while end < limit and unicodedata.category(text[end]) == "Mn":
        end += 1
    return end


def _answer_tokens(example: SquadExample, token_spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """First and last context token of the example's first answer that matches its context, or
    None when it has none (or no token overlaps it)."""
    answers = [answer for answer in example.answers if answer_matches_context(example, answer)]
    if example.is_impossible or not answers:
        return None
    start_char = answers[0]["answer_start"]
    end_char = start_char + len(answers[0]["text"])  # exclusive
    inside = [i for i, (start, end) in enumerate(token_spans) if start < end_char and end > start_char]
    return (inside[0], inside[-1]) if inside else None


def convert_examples_to_features(examples: Sequence[SquadExample], tokenizer, max_length: int = 384,
                                 doc_stride: int = 128,
                                 max_query_length: int = 64) -> list[SquadFeature]:
    """Windows of at most ``max_length`` tokens over every example's context (``doc_stride``
    tokens apart), with the question cut to ``max_query_length`` pieces. Defaults as in BERT.
    An answer that is not its context's text is refused: pass ``drop_unmatched_answers``' kept list."""
    if doc_stride < 1 or max_query_length < 1:
        raise ValueError(f"doc_stride and max_query_length must be >= 1, "
                         f"got {doc_stride} and {max_query_length}")
    unmatched = drop_unmatched_answers(examples)[1]
    if unmatched:
        answer = unmatched[0].answers[0]
        raise ValueError(f"question {unmatched[0].id!r}: answer {answer['text']!r} is not the context's "
                         f"text at character {answer['answer_start']}; training on it would learn a wrong "
                         f"span: leave it out with squad_features.drop_unmatched_answers")
    features = []
    contexts: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}
    for example_index, example in enumerate(examples):
        query = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(example.question)[:max_query_length])
        max_tokens = max_length - len(query) - 3  # [CLS] question [SEP] ... [SEP]
        if max_tokens < 1:
            raise ValueError(f"max_length={max_length} leaves no room for the context after a "
                             f"{len(query)}-token question; raise it or lower max_query_length")
        if example.context not in contexts:  # SQuAD asks several questions about each context
            contexts[example.context] = _context_tokens(example.context, tokenizer)
        context, token_spans = contexts[example.context]
        answer = _answer_tokens(example, token_spans)
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
