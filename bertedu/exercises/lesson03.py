"""Exercises for lesson 03 (positional encoding): the sinusoid formula and the rotation for an offset.

``check_sinusoidal`` compares the learner's encoding with
``bertedu.embeddings.sinusoidal_positional_encoding``; ``check_rotation_matrix`` checks that the
learner's matrix moves every position forward by k, PE[pos + k] = R_k PE[pos].
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import torch

from ..embeddings import sinusoidal_positional_encoding
from . import fail, not_attempted, passed, solution_of


def sinusoidal(num_positions: int, dim: int) -> torch.Tensor:
    """Reference: PE[pos, 2i] = sin(pos / 10000^(2i/dim)), PE[pos, 2i+1] = cos(same angle)."""
    position = torch.arange(num_positions, dtype=torch.float64).unsqueeze(1)  # (P, 1)
    i = torch.arange(dim // 2, dtype=torch.float64)                            # (dim/2,)
    angle = position / 10000 ** (2 * i / dim)                                  # (P, dim/2)
    encoding = torch.empty(num_positions, dim, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angle)
    encoding[:, 1::2] = torch.cos(angle)
    return encoding.float()


def rotation_matrix(k: int, dim: int) -> torch.Tensor:
    """Reference: block-diagonal R_k with PE[pos + k] = R_k @ PE[pos] for every pos, shape (dim, dim)."""
    i = torch.arange(dim // 2, dtype=torch.float64)
    theta = k / 10000 ** (2 * i / dim)  # (dim/2,) the angle each (sin, cos) pair turns by
    # sin(a + t) = cos(t) sin(a) + sin(t) cos(a);  cos(a + t) = -sin(t) sin(a) + cos(t) cos(a)
    blocks = [torch.stack([torch.stack([c, s]), torch.stack([-s, c])])
              for c, s in zip(torch.cos(theta), torch.sin(theta))]
    return torch.block_diag(*blocks)


SOLUTIONS = {"sinusoidal": sinusoidal, "rotation_matrix": rotation_matrix}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "03", name)



def _as_float64(value, name: str, shape: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        fail(f"{name} should return a torch.Tensor, got {type(value).__name__}")
    if tuple(value.shape) != shape:
        fail(f"{name} should return shape {shape}, got {tuple(value.shape)}")
    return value.detach().double()


def _variant(num_positions: int, dim: int, exponent_per_pair: float, layout: str) -> torch.Tensor:
    """A sinusoid table built the wrong way round, to recognise the usual mistakes."""
    position = torch.arange(num_positions, dtype=torch.float64).unsqueeze(1)
    angle = position / 10000 ** (exponent_per_pair * torch.arange(dim // 2, dtype=torch.float64) / dim)
    sin, cos = torch.sin(angle), torch.cos(angle)
    if layout == "halves":
        return torch.cat([sin, cos], dim=1)
    first, second = (cos, sin) if layout == "swapped" else (sin, cos)
    return torch.stack([first, second], dim=2).reshape(num_positions, dim)


def check_sinusoidal(function) -> bool:
    """Compare ``function(num_positions, dim)`` with ``sinusoidal_positional_encoding``, atol 1e-5."""
    for num_positions, dim in ((1, 2), (10, 4), (7, 6), (50, 16), (200, 64)):
        try:
            got = function(num_positions, dim)
        except NotImplementedError:
            return not_attempted("sinusoidal", function)
        got = _as_float64(got, "sinusoidal", (num_positions, dim))
        expected = sinusoidal_positional_encoding(num_positions, dim).double()
        if torch.allclose(got, expected, atol=1e-5):
            continue
        near_misses = {
            "sin and cos are swapped: even dimensions 2i hold sin, odd dimensions 2i+1 hold cos":
                _variant(num_positions, dim, 2.0, "swapped"),
            "the columns are [all sines, all cosines]; interleave them: sin in column 2i, cos in 2i+1":
                _variant(num_positions, dim, 2.0, "halves"),
            "the exponent is i/dim; it should be 2i/dim for the pair (2i, 2i+1)":
                _variant(num_positions, dim, 1.0, "interleaved"),
            "the exponent is 4i/dim: with i the pair index (0 .. dim/2 - 1) use 2i/dim, "
            "or with j = 2i the even column index use j/dim":
                _variant(num_positions, dim, 4.0, "interleaved"),
            "the positions start at 1; they start at 0, so row 0 is [0, 1, 0, 1, ...]":
                sinusoidal_positional_encoding(num_positions + 1, dim)[1:].double(),
        }
        for hint, candidate in near_misses.items():
            if torch.allclose(got, candidate, atol=1e-5):
                fail(f"Close, but {hint}.")
        worst = (got - expected).abs().max().item()
        fail(f"For num_positions={num_positions}, dim={dim}: differs from the formula by up to "
             f"{worst:.3g} (allowed 1e-5)")
    return passed("sinusoidal matches PE(pos, 2i) = sin(pos / 10000^(2i/d)), "
                  "PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).")


def check_rotation_matrix(function) -> bool:
    """Check ``function(k, dim)`` is the (dim, dim) matrix with PE[pos + k] = R_k PE[pos], atol 1e-5."""
    for k, dim in ((1, 8), (0, 4), (5, 16), (-3, 8), (37, 64)):
        try:
            got = function(k, dim)
        except NotImplementedError:
            return not_attempted("rotation_matrix", function)
        got = _as_float64(got, "rotation_matrix", (dim, dim))
        expected = rotation_matrix(k, dim)
        if torch.allclose(got, expected, atol=1e-5):
            continue
        encoding = sinusoidal(100 + abs(k), dim).double()  # (P, dim)
        start = max(0, -k)
        before = encoding[start:start + 50]          # PE[pos]
        after = encoding[start + k:start + k + 50]   # PE[pos + k]
        moved = before @ got.T                       # R_k PE[pos], one row per pos
        if torch.allclose(got, expected.T, atol=1e-5):
            fail(f"For k={k}, dim={dim}: this is R_(-k), it moves positions back by k. Transpose it "
                 "(swap the signs of the sines).")
        if torch.allclose(got, torch.eye(dim, dtype=torch.float64), atol=1e-5) and k != 0:
            fail(f"For k={k}: got the identity, which only works for k=0.")
        worst = (moved - after).abs().max().item()
        fail(f"For k={k}, dim={dim}: R_k @ PE[pos] misses PE[pos + k] by up to {worst:.3g}. Pair i "
             f"turns by the angle k / 10000^(2i/dim): block [[cos, sin], [-sin, cos]] of that angle.")
    return passed("rotation_matrix(k, d) @ PE[pos] == PE[pos + k] for every pos: an offset is a rotation.")
