"""Exercises for lesson 11 (attention heads): score heads by what they attend to, then find the best.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

import torch

from . import fail, not_attempted, passed, solution_of


def previous_token_attention(attention: torch.Tensor) -> torch.Tensor:
    """(A, T, T) attention of one layer -> (A,): mean over tokens i = 1..T-1 of the weight on token i-1."""
    return attention.diagonal(offset=-1, dim1=-2, dim2=-1).mean(-1)  # a[:, i, i-1] for i >= 1


def attention_entropy(attention: torch.Tensor) -> torch.Tensor:
    """(A, T, T) -> (A,): mean over query tokens of H_i = -sum_j a_ij log a_ij (nats, 0 log 0 = 0)."""
    plogp = torch.where(attention > 0, attention * attention.clamp_min(1e-30).log(), 0.0)  # (A, T, T)
    return -plogp.sum(-1).mean(-1)


def top_head(scores: torch.Tensor) -> tuple[int, int]:
    """(L, A) scores -> (layer, head) of the highest score."""
    flat_index = int(scores.argmax())  # index into scores.reshape(-1), row by row
    return flat_index // scores.shape[1], flat_index % scores.shape[1]


SOLUTIONS = {"previous_token_attention": previous_token_attention,
             "attention_entropy": attention_entropy, "top_head": top_head}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "11", name)



def _call_or_none(fn: Callable, *args):
    """The learner's result on a further case, or None if it raised (the check then explains why)."""
    try:
        return fn(*args)
    except (RuntimeError, ValueError, TypeError, IndexError):  # e.g. a hard-coded size; the caller says what to fix
        return None


def _as_pair(result) -> tuple[int, int] | None:
    """(layer, head) from a tuple, list or 2-element tensor of integers; None for anything else."""
    if isinstance(result, torch.Tensor):
        result = result.tolist()
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return None
    if not all(isinstance(x, numbers.Integral) or (isinstance(x, torch.Tensor) and x.numel() == 1)
               for x in result):
        return None
    return int(result[0]), int(result[1])


def _random_attention(heads: int, seq_len: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(heads, seq_len, seq_len, generator=g).mul(2).softmax(-1)  # (A, T, T)


def _per_head(name: str, result, heads: int) -> torch.Tensor:
    if not isinstance(result, torch.Tensor):
        fail(f"{name} should return a torch.Tensor, got {type(result).__name__}")
    if tuple(result.shape) != (heads,):
        fail(f"{name} returned shape {tuple(result.shape)}, expected ({heads},): one number per head. "
             "Average over the query tokens (the last-but-one axis) after reducing each row.")
    return result.float()


def check_previous_token_attention(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(attention)`` against ``previous_token_attention``."""
    previous = torch.zeros(2, 4, 4)
    previous[0, 0, 0] = 1.0  # the first token has no previous token: it attends to itself
    previous[0, torch.arange(1, 4), torch.arange(0, 3)] = 1.0  # head 0 always looks one token back
    previous[1] = torch.eye(4).roll(1, dims=1)  # head 1 looks one token ahead (the last: to the first)
    try:
        result = fn(previous)
    except NotImplementedError:
        return not_attempted("previous_token_attention", fn)
    result = _per_head("previous_token_attention", result, 2)
    if torch.allclose(result, torch.tensor([0.0, 0.75])) or torch.allclose(result, torch.tensor([0.0, 1.0])):
        fail("you measured attention to the *next* token. Token i's previous token is i-1: the entries "
             "a[:, i, i-1], just below the diagonal (attention.diagonal(offset=-1, dim1=-2, dim2=-1)).")
    if torch.allclose(result, torch.tensor([0.75, 0.0])):
        fail("you included token 0 and wrapped around to its 'previous' token T-1 (roll does that). "
             "The first token has no previous token: average over i = 1..T-1 only.")
    if not torch.allclose(result, torch.tensor([1.0, 0.0]), atol=1e-6):
        fail(f"for a head that always attends one token back the answer is 1.0 and for one that "
             f"attends one token ahead it is 0.0; you returned {result.tolist()}")
    for heads, seq_len, seed in ((3, 7, 0), (1, 2, 1), (4, 12, 2)):
        attention = _random_attention(heads, seq_len, seed)
        got = _call_or_none(fn, attention)
        if not isinstance(got, torch.Tensor) or got.shape != (heads,) or not torch.allclose(
                got.float(), previous_token_attention(attention), atol=1e-6):
            fail(f"right on the first example, wrong on random attention with {heads} heads and "
                 f"{seq_len} tokens: average a[:, i, i-1] over i = 1..T-1 (T-1 values per head)")
    return passed("A score of 1.0 means the head always looks one token back.")


def check_attention_entropy(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(attention)`` against ``attention_entropy``."""
    uniform = torch.full((5, 5), 0.2)
    one_hot = torch.eye(5)
    half = torch.zeros(5, 5)
    half[:, :2] = 0.5
    cases = torch.stack([uniform, one_hot, half])  # (A=3, T=5, T=5)
    try:
        result = fn(cases)
    except NotImplementedError:
        return not_attempted("attention_entropy", fn)
    result = _per_head("attention_entropy", result, 3)
    expected = attention_entropy(cases)  # [log 5, 0, log 2]
    if torch.isnan(result).any():
        fail("NaN: a weight of exactly 0 gives 0 * log(0) = 0 * (-inf) = NaN in floating point. By "
             "convention 0 log 0 = 0: use torch.special.entr(p) (= -p log p, 0 at p = 0), or torch.where.")
    if torch.allclose(result, -expected, atol=1e-5):
        fail("the sign is flipped: log p <= 0, so H = -sum p log p is >= 0")
    if torch.allclose(result, expected / math.log(2), atol=1e-5):
        fail("you measured in bits (log2); use the natural log so that uniform attention over T tokens "
             "gives log(T) nats")
    if torch.allclose(result, expected * 5, atol=1e-4):
        fail("you summed the entropies of the query tokens; take their mean instead")
    if not torch.allclose(result, expected, atol=1e-5):
        fail(f"uniform attention over 5 tokens should give log 5 = {math.log(5):.4f}, attention on one "
             f"token 0, and half/half log 2 = {math.log(2):.4f}; you returned {result.tolist()}")
    attention = _random_attention(4, 9, 3)
    got = _call_or_none(fn, attention)
    if not isinstance(got, torch.Tensor) or got.shape != (4,) or not torch.allclose(
            got.float(), attention_entropy(attention), atol=1e-5):
        fail("right on the first examples, wrong on random attention (4 heads, 9 tokens): the entropy of "
             "each row, averaged over the rows")
    return passed("log(T) is a head that looks everywhere, 0 a head that looks at one token.")


def check_top_head(fn: Callable[[torch.Tensor], tuple[int, int]]) -> bool:
    """Check ``fn(scores)`` against ``top_head``."""
    scores = torch.tensor([[0.1, 0.2, 0.3], [0.9, 0.4, 0.0]])  # best: layer 1, head 0
    try:
        result = fn(scores)
    except NotImplementedError:
        return not_attempted("top_head", fn)
    result = _as_pair(result)
    if result is None:
        fail("top_head should return a (layer, head) pair of integers; if you have the index into "
             "the flattened scores, turn it into layer = index // num_heads, head = index % num_heads")
    if result == (0, 1):
        fail("you returned (head, layer); the layer comes first")
    if result != (1, 0):
        fail(f"the highest score, 0.9, is at layer 1, head 0; you returned {result}")
    for shape, seed in (((4, 5), 0), ((1, 3), 1), ((6, 1), 2)):
        other = torch.rand(*shape, generator=torch.Generator().manual_seed(seed))
        if _as_pair(_call_or_none(fn, other)) != top_head(other):
            fail(f"right on the first example, wrong for scores of shape {shape}: read the number of "
                 "heads from scores.shape[1] instead of hard-coding it")
    return passed("Now you can ask any summary which head does it most.")
