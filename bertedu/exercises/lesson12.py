"""Exercises for lesson 12 (the BERT family): RoBERTa's position ids, ALBERT's factorised embedding,
and DistilBERT's soft-target loss.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from . import fail, not_attempted, passed, solution_of


def roberta_position_ids(input_ids: torch.Tensor, padding_idx: int) -> torch.Tensor:
    """(B, T) ids -> (B, T) positions: padding_idx + 1, + 2, ... over the real tokens, padding_idx at pads."""
    not_pad = (input_ids != padding_idx).long()             # (B, T)
    return torch.cumsum(not_pad, dim=1) * not_pad + padding_idx


def albert_embedding_parameters(vocab_size: int, embedding_size: int, hidden_size: int) -> int:
    """Weights of ALBERT's factorised word embedding: the V x E table and the E x H projection."""
    return vocab_size * embedding_size + embedding_size * hidden_size


def soft_target_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """(N, V) logits -> KL(teacher || student) of the distributions softened by T, mean over the N
    rows, times T^2 (Hinton et al. 2015: the gradients keep their size when T changes)."""
    teacher_probs = F.softmax(teacher_logits / temperature, dim=-1)              # (N, V)
    student_log_probs = F.log_softmax(student_logits / temperature, dim=-1)      # (N, V)
    return F.kl_div(student_log_probs, teacher_probs, reduction="batchmean") * temperature ** 2


SOLUTIONS = {"roberta_position_ids": roberta_position_ids,
             "albert_embedding_parameters": albert_embedding_parameters, "soft_target_loss": soft_target_loss}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "12", name)


def check_roberta_position_ids(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(input_ids, padding_idx)`` against ``roberta_position_ids`` on padded rows."""
    input_ids = torch.tensor([[0, 31, 32, 33, 2], [0, 40, 2, 1, 1], [0, 2, 1, 1, 1]])  # (3, 5), pad id 1
    try:
        got = fn(input_ids, 1)
    except NotImplementedError:
        return not_attempted("roberta_position_ids", fn)
    if not isinstance(got, torch.Tensor) or got.shape != input_ids.shape:
        fail(f"return a tensor of the input's shape {tuple(input_ids.shape)}, got "
             f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
    expected = roberta_position_ids(input_ids, 1)
    if torch.equal(got.long(), expected):
        other = torch.tensor([[5, 6, 4, 4], [7, 4, 4, 4]])
        if torch.equal(fn(other, 4).long(), roberta_position_ids(other, 4)):
            return passed("positions count only real tokens and start at padding_idx + 1, so padding "
                          "never shifts them (fairseq's convention, kept by transformers).")
        fail("right for padding_idx=1 but wrong for padding_idx=4: use the argument, not the constant 1")
    if torch.equal(got.long(), torch.arange(5).expand(3, 5) + 2):
        fail("you numbered every slot, pads included: pad tokens must get padding_idx itself (whose "
             "embedding row stays zero); count only the tokens that are not padding (a cumulative sum)")
    real = input_ids != 1                                   # (3, 5)
    counted = torch.cumsum(real.long(), dim=1)              # 1, 2, ... over the real tokens
    if torch.equal(got.long()[real], counted[real]) or torch.equal(got.long()[real], counted[real] - 1):
        fail("off by the offset: the first real token's position is padding_idx + 1 (2 for roberta-base), "
             "not 0 or 1; position ids below padding_idx + 1 are never used for real tokens")
    fail(f"for ids {input_ids.tolist()} with padding_idx=1 expected {expected.tolist()}, got {got.tolist()}")


def check_albert_embedding_parameters(fn: Callable[[int, int, int], int]) -> bool:
    """Check ``fn(vocab_size, embedding_size, hidden_size)`` on albert-base's and xxlarge's sizes."""
    try:
        got = fn(30000, 128, 768)
    except NotImplementedError:
        return not_attempted("albert_embedding_parameters", fn)
    expected = albert_embedding_parameters(30000, 128, 768)
    if got == 30000 * 768:
        fail(f"{got:,} = V x H is BERT's unfactorised table; ALBERT's is V x E plus the E x H projection")
    if got == 30000 * 128:
        fail(f"{got:,} = V x E counts only the small table; the E x H projection up to the hidden size is "
             "a second matrix")
    if got == expected + 768:
        fail("you counted the projection's bias too; this exercise counts the two weight matrices only")
    if got != expected:
        fail(f"albert_embedding_parameters(30000, 128, 768) returned {got!r}, expected {expected:,}")
    if fn(30000, 128, 4096) != albert_embedding_parameters(30000, 128, 4096):
        fail("right for H=768 but not for H=4096 (albert-xxlarge): use the arguments, not constants")
    return passed(f"{expected:,} instead of {30000 * 768:,} (BERT-base's V x H): "
                  f"{30000 * 768 / expected:.1f}x fewer, and the gap grows with H.")


def check_soft_target_loss(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(student_logits, teacher_logits, temperature)`` against ``soft_target_loss``."""
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(4, 7, generator=g), 2 * torch.randn(4, 7, generator=g)  # (N=4, V=7)
    try:
        got = fn(student, teacher, 2.0)
    except NotImplementedError:
        return not_attempted("soft_target_loss", fn)
    got = float(got)
    expected = float(soft_target_loss(student, teacher, 2.0))
    if math.isclose(got, expected, rel_tol=1e-5):
        if not math.isclose(float(fn(student, teacher, 4.0)), float(soft_target_loss(student, teacher, 4.0)),
                            rel_tol=1e-5):
            fail("right at T=2 but not at T=4: use the temperature argument everywhere")
        return passed(f"{expected:.4f}: the teacher's softened distribution as the target, scaled by "
                      "T^2, as in bertedu.family.distillation.distillation_losses.")
    if math.isclose(got, expected / 4, rel_tol=1e-5):
        fail("you forgot the factor T^2: softening by T shrinks the gradients by 1/T^2, and Hinton et al. "
             "multiply the loss by T^2 to keep them the same size")
    if math.isclose(got, float(soft_target_loss(student, teacher, 1.0)) * 4, rel_tol=1e-5):
        fail("the logits must be divided by T before the softmax (both teacher's and student's); you "
             "only multiplied by T^2")
    swapped = float(F.kl_div(F.log_softmax(teacher / 2, -1), F.softmax(student / 2, -1), reduction="batchmean")) * 4
    if math.isclose(got, swapped, rel_tol=1e-5):
        fail("KL the wrong way round: the teacher's probabilities are the target, "
             "F.kl_div(student_log_probs, teacher_probs)")
    if math.isclose(got, expected * 4, rel_tol=1e-5) or math.isclose(got, expected / 7, rel_tol=1e-5):
        fail("average over the N rows only (reduction='batchmean'), not over rows x vocabulary or the sum")
    fail(f"soft_target_loss(student, teacher, 2.0) returned {got:.6f}, expected {expected:.6f}")
