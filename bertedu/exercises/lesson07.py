"""Exercises for lesson 07 (pretraining): the learning-rate schedule, which parameters get weight
decay, and masked-LM accuracy.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import fail, not_attempted, passed, solution_of


def learning_rate(step: int, peak_lr: float, num_warmup_steps: int, num_training_steps: int) -> float:
    """The learning rate of update ``step`` (0, 1, ...): linear warmup from 0, then linear decay to 0."""
    if step < num_warmup_steps:
        return peak_lr * step / num_warmup_steps
    return peak_lr * max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))


def gets_weight_decay(name: str) -> bool:
    """Whether the parameter called ``name`` is decayed: weights yes, biases and LayerNorm no."""
    return not (name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name)


def masked_lm_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """logits (B, T, V), labels (B, T) with -100 where nothing is predicted -> fraction of the
    predicted positions whose top-scoring token is the label."""
    predicted = labels != -100                      # (B, T)
    correct = logits.argmax(dim=-1) == labels       # (B, T)
    return correct[predicted].float().mean().item()


SOLUTIONS = {"learning_rate": learning_rate, "gets_weight_decay": gets_weight_decay,
             "masked_lm_accuracy": masked_lm_accuracy}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "07", name)



def _as_float(name: str, value) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    fail(f"{name} should return a number (a float), got {type(value).__name__}")


def check_learning_rate(fn: Callable[[int, float, int, int], float]) -> bool:
    """Check ``fn(step, peak_lr, num_warmup_steps, num_training_steps)`` against ``learning_rate``."""
    peak, warmup, total = 1e-3, 10, 100
    try:
        first = fn(0, peak, warmup, total)
    except NotImplementedError:
        return not_attempted("learning_rate", fn)
    if not math.isclose(_as_float("learning_rate", first), 0.0, abs_tol=1e-12):
        fail(f"learning_rate(0, ...) returned {first!r}; warmup starts from 0: the rate of step s < warmup "
             "is peak_lr * s / num_warmup_steps (so the very first update barely moves the weights, "
             "exactly as in transformers and in BERT's code)")
    cases = {5: 5e-4, 9: 9e-4, 10: 1e-3, 55: 5e-4, 91: 1e-4, 100: 0.0, 130: 0.0}
    for step, expected in cases.items():
        got = _as_float("learning_rate", fn(step, peak, warmup, total))
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            continue
        if step >= total and got < 0:
            fail(f"learning_rate({step}, ...) = {got:g} is negative: after num_training_steps the "
                 "rate stays at 0 (clamp the decay with max(0, ...))")
        if step >= warmup and math.isclose(got, peak * (1 - step / total), rel_tol=1e-6, abs_tol=1e-12):
            fail(f"learning_rate({step}, ...) = {got:g}: that is google-research/bert's decay, "
                 "peak_lr * (1 - step / num_training_steps), counted from step 0. This exercise follows "
                 "transformers' schedule, which decays from the peak *at the end of warmup*: "
                 "peak_lr * (num_training_steps - step) / (num_training_steps - num_warmup_steps)")
        phase = "warmup" if step < warmup else "decay"
        fail(f"learning_rate({step}, peak_lr=1e-3, num_warmup_steps=10, num_training_steps=100) returned "
             f"{got:g}, expected {expected:g} (the {phase} phase). It should rise linearly from 0 to "
             "peak_lr over the warmup steps, reach peak_lr at step num_warmup_steps, then fall linearly "
             "to 0 at num_training_steps.")
    try:
        no_warmup = [_as_float("learning_rate", fn(step, 2.0, 0, 4)) for step in range(5)]
    except ZeroDivisionError:
        fail("with num_warmup_steps = 0 your function divides by zero: without warmup the schedule "
             "starts at the peak (check step < num_warmup_steps before dividing)")
    if not all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(no_warmup, [2.0, 1.5, 1.0, 0.5, 0.0])):
        fail(f"without warmup (num_warmup_steps=0, 4 steps, peak 2.0) the rates should be 2.0, 1.5, 1.0, "
             f"0.5, 0.0, got {no_warmup}")
    return passed("Up from 0 over the warmup, down to 0 at the end: the schedule of BERT and of "
                  "transformers' get_linear_schedule_with_warmup.")


# Parameter names of a BertForPreTraining plus fine-tuning heads' (as named_parameters lists them).
_NAMES = [
    "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
    "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight",
    "bert.embeddings.LayerNorm.bias",
    "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias",
    "bert.encoder.layer.0.attention.output.dense.weight", "bert.encoder.layer.0.attention.output.LayerNorm.weight",
    "bert.encoder.layer.0.attention.output.LayerNorm.bias", "bert.encoder.layer.0.intermediate.dense.weight",
    "bert.encoder.layer.0.intermediate.dense.bias", "bert.encoder.layer.0.output.LayerNorm.weight",
    "bert.pooler.dense.weight", "bert.pooler.dense.bias",
    "cls.predictions.bias", "cls.predictions.transform.dense.weight",
    "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
    "cls.seq_relationship.weight", "cls.seq_relationship.bias", "classifier.weight", "classifier.bias",
]


def check_gets_weight_decay(fn: Callable[[str], bool]) -> bool:
    """Check ``fn(name)`` against ``gets_weight_decay`` on every kind of BERT parameter name."""
    try:
        fn(_NAMES[0])
    except NotImplementedError:
        return not_attempted("gets_weight_decay", fn)
    wrong = [name for name in _NAMES if bool(fn(name)) != gets_weight_decay(name)]
    if not wrong:
        return passed("Weight matrices and embeddings decay; biases and LayerNorm gains and shifts do "
                      "not, as in BERT's optimizer (exclude_from_weight_decay=['LayerNorm', "
                      "'layer_norm', 'bias']).")
    missed = [name for name in wrong if gets_weight_decay(name) and "embeddings" not in name]
    if missed:
        fail("weight matrices (query, key, value, dense, pooler, classifier...) must get weight decay. "
             "Wrong for: " + ", ".join(missed[:3]))
    if any("embeddings" in name and "LayerNorm" not in name for name in wrong):
        fail("the embedding tables (word, position, token type) are weights like any other and get "
             "weight decay in BERT; only their LayerNorm is excluded. Wrong for: " + ", ".join(wrong[:3]))
    if any(name.endswith("LayerNorm.weight") for name in wrong):
        fail("LayerNorm.weight is a per-feature gain, initialised to 1: decaying it would pull it towards "
             "0 and shrink every normalised vector. Exclude every parameter with 'LayerNorm' in its "
             "name. Wrong for: " + ", ".join(wrong[:3]))
    fail("biases get no weight decay (there is no reason to pull an offset towards 0). Note "
         "'cls.predictions.bias', the output bias of the MLM head, is one too. Wrong for: "
         + ", ".join(wrong[:3]))


def check_masked_lm_accuracy(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """Check ``fn(logits, labels)`` against ``masked_lm_accuracy``."""
    logits = torch.randn(2, 6, 11, generator=torch.Generator().manual_seed(0))  # (B=2, T=6, V=11)
    best = logits.argmax(dim=-1)                                                  # (B, T)
    labels = torch.full((2, 6), -100)                                             # (B, T)
    labels[0, 1], labels[1, 2] = best[0, 1], best[1, 2]                           # predicted right
    labels[0, 4] = (best[0, 4] + 1) % 11                                          # predicted wrong
    try:
        result = fn(logits, labels)
    except NotImplementedError:
        return not_attempted("masked_lm_accuracy", fn)
    got, expected = _as_float("masked_lm_accuracy", result), masked_lm_accuracy(logits, labels)
    if not math.isclose(got, expected, abs_tol=1e-6):
        all_positions = (logits.argmax(-1) == labels).float().mean().item()
        if math.isclose(got, all_positions, abs_tol=1e-6):
            fail(f"you returned {got:.4f}, the fraction over all B*T positions; only the positions whose "
                 "label is not -100 were masked and count (use a boolean mask labels != -100)")
        if math.isclose(got, expected * (labels != -100).sum().item(), abs_tol=1e-6):
            fail(f"you returned {got:g}, the number of correct predictions; divide by the number of "
                 "predicted positions to get a fraction")
        fail(f"masked_lm_accuracy returned {got:.4f}, expected {expected:.4f}: take the argmax over the "
             "vocabulary axis (the last one) and compare it with the labels at the positions where "
             "labels != -100")
    perfect = labels.clamp(min=0)
    perfect_logits = torch.nn.functional.one_hot(perfect, 11).float() * 5.0   # always right
    if not math.isclose(_as_float("masked_lm_accuracy", fn(perfect_logits, labels)), 1.0, abs_tol=1e-6):
        fail("logits that put the most weight on every label should give accuracy 1.0")
    return passed(f"{expected:.4f}: the share of masked positions predicted exactly, as in "
                  "bertedu.pretraining.run.pretraining_metrics.")
