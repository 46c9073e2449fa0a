"""Exercises for lesson 04 (attention): the padding mask, and splitting/merging attention heads.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import fail, not_attempted, passed, solution_of


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(B, T) of 1 = real token / 0 = padding  ->  (B, 1, 1, T) of 0 / the most negative finite number."""
    mask = attention_mask[:, None, None, :].to(dtype)  # (B, 1, 1, T): broadcasts over heads and queries
    return (1.0 - mask) * torch.finfo(dtype).min


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, T, H)  ->  (B, A, T, H / A): head a gets the columns a*d_k ... (a+1)*d_k - 1."""
    batch_size, seq_len, hidden_size = x.shape
    head_size = hidden_size // num_heads
    return x.view(batch_size, seq_len, num_heads, head_size).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, A, T, d_k)  ->  (B, T, A * d_k): the inverse of split_heads (concatenate the heads)."""
    batch_size, num_heads, seq_len, head_size = x.shape
    return x.transpose(1, 2).reshape(batch_size, seq_len, num_heads * head_size)


SOLUTIONS = {"additive_mask": additive_mask, "split_heads": split_heads, "merge_heads": merge_heads}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "04", name)



def _shape_check(name: str, result, expected: torch.Tensor, hint: str) -> None:
    if not isinstance(result, torch.Tensor):
        fail(f"{name} should return a torch.Tensor, got {type(result).__name__}")
    if tuple(result.shape) != tuple(expected.shape):
        fail(f"{name} returned shape {tuple(result.shape)}, expected {tuple(expected.shape)}. {hint}")


def _call_or_none(fn: Callable, *args):
    """The learner's result on a further case, or None if it raised (the check then explains why)."""
    try:
        return fn(*args)
    except (RuntimeError, ValueError, TypeError, IndexError):  # e.g. a hard-coded shape
        return None


def check_additive_mask(fn: Callable[[torch.Tensor, torch.dtype], torch.Tensor]) -> bool:
    """Check ``fn(attention_mask, dtype)`` against ``additive_mask``."""
    attention_mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]])  # last row: all padding
    try:
        result = fn(attention_mask, torch.float32)
    except NotImplementedError:
        return not_attempted("additive_mask", fn)
    expected = additive_mask(attention_mask, torch.float32)
    _shape_check("additive_mask", result, expected,
                 "Add a head axis and a query axis: attention_mask[:, None, None, :] has shape (B, 1, 1, T), "
                 "which broadcasts against scores of shape (B, A, T, T).")
    if result.dtype != torch.float32:
        fail(f"additive_mask(mask, torch.float32) returned dtype {result.dtype}: convert to `dtype`, "
             "the mask is added to float scores")
    if torch.isnan(result).any():
        fail("your mask contains NaN. If you multiplied by -inf: in floating point 0 * -inf = NaN. Use 0 "
             "for real tokens and torch.finfo(dtype).min, the most negative finite number, for padding.")
    if torch.isinf(result).any():
        fail("your mask contains -inf. That hides padding, but a row whose keys are *all* padding "
             "(the last row here) becomes softmax([-inf, -inf, ...]) = NaN. Use torch.finfo(dtype).min, "
             "the most negative *finite* number, instead.")
    real = attention_mask[:, None, None, :].bool().expand_as(result)
    if not torch.all(result[real] == 0):
        fail("real tokens (attention_mask == 1) must get 0 in the additive mask, so their scores stay as "
             "they are; check which of 1 and 0 you turned into the negative number")
    scores = torch.randn(3, 2, 4, 4, generator=torch.Generator().manual_seed(0))  # (B, A, T, T)
    probs = (scores + result).softmax(dim=-1)
    padded_keys = ~real[:2].expand(2, 2, 4, 4)  # rows 0 and 1 have at least one real key
    if probs[:2][padded_keys].max() > 0:
        fail("padded keys still get attention weight after the softmax: the padding value is not "
             f"negative enough (you used {result[~real].max().item():g}); try torch.finfo(dtype).min")
    if not torch.isfinite(probs[2]).all():
        fail("the all-padding row gives a non-finite softmax; use torch.finfo(dtype).min for padding")
    for dtype in (torch.float64, torch.float16):
        other = _call_or_none(fn, attention_mask, dtype)
        if not isinstance(other, torch.Tensor) or other.dtype != dtype or torch.isinf(other).any():
            fail(f"with dtype={dtype} your mask is not a finite tensor of that dtype; build the "
                 "negative number from the requested dtype: torch.finfo(dtype).min")
    return passed("Real tokens get 0, padding gets a finite very negative number, and even an "
                  "all-padding row gives a finite softmax.")


def check_split_heads(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(x, num_heads)`` against ``split_heads``."""
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).view(2, 3, 8)  # (B=2, T=3, H=8)
    try:
        result = fn(x, 4)
    except NotImplementedError:
        return not_attempted("split_heads", fn)
    expected = split_heads(x, 4)  # (2, 4, 3, 2)
    if isinstance(result, torch.Tensor) and tuple(result.shape) == (2, 3, 4, 2):
        fail("you returned (B, T, A, d_k); the heads must come before the tokens, (B, A, T, d_k), so "
             "that each head is a separate (T, d_k) matrix: add .transpose(1, 2)")
    _shape_check("split_heads", result, expected, "Expected (B, A, T, H / A).")
    if not torch.equal(result, expected):
        if torch.equal(result, x.view(2, 4, 3, 2)):
            fail("right shape, wrong numbers: viewing (B, T, H) directly as (B, A, T, d_k) mixes tokens "
                 "between heads. View as (B, T, A, d_k) first (each token's vector is cut into A "
                 "pieces), then swap the T and A axes with .transpose(1, 2).")
        fail("right shape, wrong numbers: head a of token t must hold x[b, t, a*d_k:(a+1)*d_k]")
    for shape, heads in (((1, 5, 12), 3), ((3, 1, 6), 6), ((2, 4, 16), 1)):
        y = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
        got = _call_or_none(fn, y, heads)
        if not isinstance(got, torch.Tensor) or not torch.equal(got, split_heads(y, heads)):
            fail(f"correct on the first example but wrong for an input of shape {shape} with "
                 f"{heads} heads: do not hard-code sizes, read them from x.shape and num_heads")
    return passed("Each head now sees its own d_k = H / A columns of every token.")


def check_merge_heads(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(x)`` against ``merge_heads`` (and that it undoes ``split_heads``)."""
    heads = torch.arange(2 * 4 * 3 * 2, dtype=torch.float32).view(2, 4, 3, 2)  # (B=2, A=4, T=3, d_k=2)
    try:
        result = fn(heads)
    except NotImplementedError:
        return not_attempted("merge_heads", fn)
    expected = merge_heads(heads)  # (2, 3, 8)
    _shape_check("merge_heads", result, expected, "Expected (B, T, A * d_k).")
    if not torch.equal(result, expected):
        if torch.equal(result, heads.reshape(2, 3, 8)):
            fail("right shape, wrong numbers: reshaping (B, A, T, d_k) straight to (B, T, H) mixes "
                 "tokens. First bring the tokens back in front of the heads with .transpose(1, 2), then "
                 "reshape (not view: the transposed tensor is not contiguous).")
        fail("right shape, wrong numbers: token t's output must be the concatenation of its A heads")
    for shape, num_heads in (((1, 5, 12), 3), ((3, 2, 6), 6)):
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
        back = _call_or_none(fn, split_heads(x, num_heads))
        if not isinstance(back, torch.Tensor) or not torch.equal(back, x):
            fail(f"merge_heads(split_heads(x)) should give x back, but not for x of shape {shape}; "
                 "read the sizes from x.shape instead of hard-coding them")
    return passed("Concatenating the heads restores (B, T, H), and merge_heads(split_heads(x)) == x.")

