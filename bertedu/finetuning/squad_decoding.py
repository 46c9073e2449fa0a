"""From start/end logits to answer text: the best valid span, and "no answer" for SQuAD v2.0.

Section 4.2 of the BERT paper: "The score of a candidate span from position i to position j is
defined as S·T_i + E·T_j, and the maximum scoring span where j >= i is used as a prediction."
Candidates come from the ``n_best_size`` highest start and end logits of every window of a
context; a span must lie inside the context, end no earlier than it starts, be at most
``max_answer_length`` tokens, and start where its window has the most context. Section 4.3 (v2.0)
compares the best span with the no-answer score s_null = S·C + E·C of the [CLS] token: predict no
answer unless the best span beats s_null by more than a threshold tuned on the dev set.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import torch

from .squad import SquadExample
from .squad_features import SquadFeature


class Span(NamedTuple):
    """A candidate answer: its text, its logits and its character span in the context."""

    text: str
    start_logit: float
    end_logit: float
    start_char: int
    end_char: int

    @property
    def score(self) -> float:
        return self.start_logit + self.end_logit


def nbest_spans(example: SquadExample, features: Sequence[SquadFeature],
                start_logits: torch.Tensor, end_logits: torch.Tensor, n_best_size: int = 20,
                max_answer_length: int = 30) -> tuple[list[Span], float]:
    """The best valid spans of one example over all its windows, best first and at most
    ``n_best_size`` (one per distinct text), and the no-answer score: the lowest [CLS] score
    of its windows. ``start_logits``/``end_logits`` are (F, T), one row per feature."""
    if not features or start_logits.shape != end_logits.shape or len(features) != len(start_logits):
        raise ValueError(f"need one (start, end) logit row per feature: got {len(features)} "
                         f"features, logits {tuple(start_logits.shape)} and {tuple(end_logits.shape)}")
    candidates: list[Span] = []
    null_score = float("inf")
    for feature, starts, ends in zip(features, start_logits.tolist(), end_logits.tolist()):
        null_score = min(null_score, starts[0] + ends[0])
        k = min(n_best_size, len(starts))
        best_starts = sorted(range(len(starts)), key=starts.__getitem__, reverse=True)[:k]
        best_ends = sorted(range(len(ends)), key=ends.__getitem__, reverse=True)[:k]
        for i in best_starts:
            for j in best_ends:
                if (feature.offsets[i] is None or feature.offsets[j] is None or j < i
                        or j - i + 1 > max_answer_length or not feature.token_is_max_context[i]):
                    continue
                start_char, end_char = feature.offsets[i][0], feature.offsets[j][1]
                candidates.append(Span(example.context[start_char:end_char], starts[i], ends[j],
                                       start_char, end_char))
    candidates.sort(key=lambda span: span.score, reverse=True)
    spans, seen = [], set()
    for span in candidates:
        if span.text not in seen and len(spans) < n_best_size:
            seen.add(span.text)
            spans.append(span)
    return spans, null_score


def best_spans(examples: Sequence[SquadExample], features: Sequence[SquadFeature],
               start_logits: torch.Tensor, end_logits: torch.Tensor, n_best_size: int = 20,
               max_answer_length: int = 30) -> list[tuple[Span | None, float]]:
    """For every example, its best span over all its windows (None if no span is valid) and
    s_null - s_span, the no-answer score minus the span's (+inf without a span): a v2.0 model
    answers "no answer" when this exceeds the threshold τ. Logits are (F, T), a row per feature."""
    if len(features) != len(start_logits):
        raise ValueError(f"got {len(features)} features but {len(start_logits)} logit rows")
    rows = defaultdict(list)
    for row, feature in enumerate(features):
        rows[feature.example_index].append(row)
    results = []
    for example_index, example in enumerate(examples):
        if not rows[example_index]:
            raise ValueError(f"example {example_index} ({example.id!r}) has no features; "
                             "pass the examples that the features were made from, in order")
        index = torch.tensor(rows[example_index])
        spans, null_score = nbest_spans(example, [features[i] for i in rows[example_index]],
                                        start_logits[index], end_logits[index], n_best_size,
                                        max_answer_length)
        results.append((spans[0], null_score - spans[0].score) if spans else (None, math.inf))
    return results


def predictions_at(answers: Sequence[tuple[Span | None, float]], examples: Sequence[SquadExample],
                   null_score_diff_threshold: float = math.inf) -> dict[str, str]:
    """Question id -> answer text, "" (no answer) where s_null - s_span > τ. τ = inf: always a
    span (SQuAD v1.1); τ = 0: the v2.0 rule before tuning."""
    return {example.id: "" if span is None or diff > null_score_diff_threshold else span.text
            for example, (span, diff) in zip(examples, answers)}


def postprocess_predictions(examples: Sequence[SquadExample], features: Sequence[SquadFeature],
                            start_logits: torch.Tensor, end_logits: torch.Tensor,
                            n_best_size: int = 20, max_answer_length: int = 30,
                            version_2_with_negative: bool = False,
                            null_score_diff_threshold: float = 0.0) -> dict[str, str]:
    """Question id -> predicted answer text for every example, from the (N, T) logits of all
    ``features``. With ``version_2_with_negative`` the answer is "" (no answer) when
    s_null - best span score > ``null_score_diff_threshold``; without it, always the best span
    ("" only if no valid span exists)."""
    answers = best_spans(examples, features, start_logits, end_logits, n_best_size, max_answer_length)
    return predictions_at(answers, examples, null_score_diff_threshold if version_2_with_negative else math.inf)
