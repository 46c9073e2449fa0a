"""Extractive question answering (SQuAD v1.1 and v2.0) as a fine-tuning task.

Section 4.2 of the BERT paper: the question and the context go in as one pair, ``[CLS] question
[SEP] context [SEP]``; the model learns a start vector S and an end vector E, and the answer is the
span i..j with the highest S·T_i + E·T_j (``bertedu.finetuning.squad`` cuts long contexts into windows,
``bertedu.finetuning.squad_decoding`` finds the spans). Section 4.3 (v2.0) lets a question have no answer: its
target is [CLS], and "we predict a non-null span when s_ij > s_null + τ, where the threshold τ is
selected on the dev set to maximize F1". ``evaluate`` reports EM and F1 at τ = 0 and the best τ.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..inference import eval_mode
from .models import BertForQuestionAnswering
from .squad import SquadExample, gold_answers, read_squad
from .squad_decoding import Span, best_spans, predictions_at
from .squad_features import (
    convert_examples_to_features,
    drop_unmatched_answers,
    features_to_tensors,
)
from .squad_metrics import f1_score, gold_texts, squad_evaluate
from .tasks import EVAL_BATCH_SIZE, Task, TaskData, batches


def best_null_threshold(answers: Sequence[tuple[Span | None, float]],
                        examples: Sequence[SquadExample]) -> tuple[float, float]:
    """The τ that maximises F1 on ``examples`` and that F1 in percent (the official v2.0 script's
    search): sort questions by s_null - s_span; a threshold answers those up to it with their span."""
    diffs = np.array([diff for _, diff in answers])
    golds = [gold_texts([answer["text"] for answer in example.answers]) for example in examples]
    span_f1 = np.array([0.0 if span is None else max(f1_score(span.text, gold) for gold in texts)
                        for (span, _), texts in zip(answers, golds)])
    null_f1 = np.array([float(texts == [""]) for texts in golds])  # "" scores only on unanswerable
    order = np.argsort(diffs, kind="stable")
    # total[k]: F1 sum when the k first questions (in order) are answered with spans, the rest with "".
    total = np.concatenate([[0.0], np.cumsum(span_f1[order])]) + null_f1.sum() - np.concatenate(
        [[0.0], np.cumsum(null_f1[order])])
    sorted_diffs = diffs[order]
    # A threshold sits at a question's diff and answers every question with a diff up to it.
    valid = np.concatenate([[True], np.append(sorted_diffs[1:] != sorted_diffs[:-1], True)])
    best = int(np.argmax(np.where(valid, total, -np.inf)))
    threshold = -math.inf if best == 0 else float(sorted_diffs[best - 1])
    return threshold, 100.0 * float(total[best]) / len(examples)


@dataclass(frozen=True)
class SquadTask(Task):
    """SQuAD: start/end scores per token, windows over long contexts; EM and F1 (percent).

    Options (BERT's run_squad.py defaults): windows of ``max_length`` = 384 tokens, ``doc_stride``
    tokens apart (None: a third of the window, 128 for 384), questions cut to ``max_query_length``
    = 64 tokens.
    """

    name = "squad"
    model_class = BertForQuestionAnswering
    labels = None
    metrics = ("exact", "f1")
    sample_files = ("squad_train.json", "squad_dev.json")
    max_length: int = 384
    doc_stride: int | None = None
    max_query_length: int = 64

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.doc_stride is not None and (not isinstance(self.doc_stride, int) or self.doc_stride < 1):
            raise ValueError(f"doc_stride must be a positive number of tokens, got {self.doc_stride!r}")
        if not isinstance(self.max_query_length, int) or self.max_query_length < 1:
            raise ValueError(f"max_query_length must be a positive number of tokens, got {self.max_query_length!r}")

    def stride(self, max_length: int | None = None) -> int:
        """Tokens between the starts of two windows: ``doc_stride``, else a third of ``max_length``."""
        return self.doc_stride or max(1, (max_length or self.max_length) // 3)

    def read(self, path: str | os.PathLike) -> list[SquadExample]:
        return read_squad(path)

    def encode(self, examples: Sequence[SquadExample], tokenizer, max_length: int | None = None) -> TaskData:
        """Windows over the contexts. Questions whose answer is not the context's text at
        ``answer_start`` are left out (trained on, they would teach a wrong span), with a warning
        that counts them, as Google's run_squad.py skips them."""
        max_length = max_length or self.max_length
        examples, dropped = drop_unmatched_answers(examples)
        if dropped:
            warnings.warn(f"{len(dropped)} of {len(examples) + len(dropped)} SQuAD questions left out: their "
                          f"answer is not the context's text at answer_start (e.g. {dropped[0].id!r})", stacklevel=2)
        features = convert_examples_to_features(examples, tokenizer, max_length, self.stride(max_length),
                                                self.max_query_length)
        return TaskData(features_to_tensors(features), examples, features)

    def logits(self, model: nn.Module, data: TaskData,
               batch_size: int = EVAL_BATCH_SIZE) -> tuple[torch.Tensor, torch.Tensor, float]:
        """Start and end logits (F, T) of every feature (-inf on padding), and the mean loss."""
        length = data.tensors["input_ids"].shape[1]
        starts, ends, loss = [], [], 0.0
        with eval_mode(model) as device:
            for batch in batches(data, batch_size, device):
                outputs = model(**batch)
                padding = (0, length - outputs.start_logits.shape[1])  # batches are trimmed
                starts.append(F.pad(outputs.start_logits.float().cpu(), padding, value=-math.inf))
                ends.append(F.pad(outputs.end_logits.float().cpu(), padding, value=-math.inf))
                loss += outputs.loss.item() * len(batch["input_ids"])
        return torch.cat(starts), torch.cat(ends), loss / len(data)

    def evaluate(self, model: nn.Module, data: TaskData, batch_size: int = EVAL_BATCH_SIZE) -> dict[str, float]:
        """EM and F1 (percent); with unanswerable questions (v2.0) at τ = 0, plus by answerable
        (HasAns) and unanswerable (NoAns), and ``best_f1`` at the tuned ``best_f1_threshold``."""
        start_logits, end_logits, loss = self.logits(model, data, batch_size)
        answers = best_spans(data.examples, data.features, start_logits, end_logits)
        version_2 = any(example.is_impossible or not example.answers for example in data.examples)
        predictions = predictions_at(answers, data.examples, 0.0 if version_2 else math.inf)
        scores = squad_evaluate(predictions, gold_answers(data.examples))
        metrics = {"loss": loss, **{k: v for k, v in scores.items() if not k.endswith("total")}}
        if version_2:
            metrics["best_f1_threshold"], metrics["best_f1"] = best_null_threshold(answers, data.examples)
        return metrics

    def predict(self, model: nn.Module, tokenizer, inputs: Sequence[tuple[str, str]],
                max_length: int | None = None, null_score_diff_threshold: float = 0.0) -> list[dict]:
        """For each (question, context): the answer text ("" for no answer: s_null - s_span >
        ``null_score_diff_threshold``; pass ``math.inf`` for a v1.1 model), its character span,
        its score s_span and ``null_score_diff`` = s_null - s_span."""
        if isinstance(inputs, tuple) or any(not isinstance(pair, tuple) or len(pair) != 2 for pair in inputs):
            raise TypeError("predict takes a list of (question, context) pairs; for one, pass [(question, context)]")
        examples = [SquadExample(str(i), question, context) for i, (question, context) in enumerate(inputs)]
        data = self.encode(examples, tokenizer, max_length)
        start_logits, end_logits, _ = self.logits(model, data)
        results = []
        for span, diff in best_spans(data.examples, data.features, start_logits, end_logits):
            answered = span is not None and diff <= null_score_diff_threshold
            results.append({"answer": span.text if answered else "",
                            "start": span.start_char if answered else None,
                            "end": span.end_char if answered else None,
                            "score": span.score if span else None, "null_score_diff": diff})
        return results
