"""The lesson 03 checks accept the reference, name the usual mistakes, and wait for a first attempt."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.embeddings import sinusoidal_positional_encoding
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson03 as ex


def table(num_positions, dim, exponent=2.0, layout="interleaved"):
    angle = (torch.arange(num_positions, dtype=torch.float64)[:, None]
             / 10000 ** (exponent * torch.arange(dim // 2, dtype=torch.float64) / dim))
    sin, cos = torch.sin(angle), torch.cos(angle)
    if layout == "halves":
        return torch.cat([sin, cos], 1)
    pair = (cos, sin) if layout == "swapped" else (sin, cos)
    return torch.stack(pair, 2).reshape(num_positions, dim)


def test_reference_sinusoidal_passes(capsys):
    assert ex.check_sinusoidal(ex.sinusoidal) is True
    assert ex.check_sinusoidal(sinusoidal_positional_encoding) is True
    assert ex.check_sinusoidal(lambda p, d: table(p, d)) is True  # float64 answers are fine
    assert capsys.readouterr().out.count("Correct!") == 3


@pytest.mark.parametrize("mistake, hint", [
    (lambda p, d: table(p, d, layout="swapped"), "sin and cos are swapped"),
    (lambda p, d: table(p, d, layout="halves"), "interleave"),
    (lambda p, d: table(p, d, exponent=1.0), "should be 2i/dim"),
    (lambda p, d: table(p, d, exponent=4.0), "4i/dim"),
    (lambda p, d: table(p + 1, d)[1:], "positions start at 1"),
    (lambda p, d: table(p, d) * 1.01, "differs from the formula"),
    (lambda p, d: table(p, d).T, "should return shape"),
    (lambda p, d: table(p, d).tolist(), "torch.Tensor"),
])
def test_sinusoidal_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_sinusoidal(mistake)


def test_reference_rotation_passes(capsys):
    assert ex.check_rotation_matrix(ex.rotation_matrix) is True
    assert "Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, hint", [
    (lambda k, d: ex.rotation_matrix(k, d).T, "moves positions back"),
    (lambda k, d: torch.eye(d), "identity"),
    (lambda k, d: ex.rotation_matrix(k + 1, d), "misses PE"),
    (lambda k, d: torch.eye(d // 2), "should return shape"),
])
def test_rotation_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_rotation_matrix(mistake)


def test_not_attempted_prints_a_hint(capsys):
    def stub(*args):
        raise NotImplementedError("your turn")

    assert ex.check_sinusoidal(stub) is False
    assert ex.check_rotation_matrix(stub) is False
    assert capsys.readouterr().out.count("Not attempted yet") == 2


@settings(max_examples=30, deadline=None)
@given(k=st.integers(-50, 50), pairs=st.integers(1, 16), pos=st.integers(0, 400))
def test_rotation_moves_any_position_by_k(k, pairs, pos):
    dim = 2 * pairs
    if pos + k < 0:
        pos = -k
    encoding = ex.sinusoidal(pos + abs(k) + 1, dim).double()
    rotation = ex.rotation_matrix(k, dim)
    assert torch.allclose(rotation @ encoding[pos], encoding[pos + k], atol=1e-5)
    assert torch.allclose(rotation @ rotation.T, torch.eye(dim, dtype=torch.float64), atol=1e-12)


def test_reference_sinusoidal_values():
    encoding = ex.sinusoidal(3, 4)
    assert encoding[2].tolist() == pytest.approx([math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)],
                                                 abs=1e-7)


def test_solution_prints_reference(capsys):
    assert "def rotation_matrix" in ex.solution("rotation_matrix")
    assert "block_diag" in capsys.readouterr().out
    with pytest.raises(ValueError, match="choose one of"):
        ex.solution("nope")
