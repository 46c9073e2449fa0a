"""Exercises for lesson 05 (the encoder): GELU, the post-LayerNorm residual, checkpoint names.

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
from torch import nn

from . import fail, not_attempted, passed, randomize_, solution_of


def gelu(x: torch.Tensor) -> torch.Tensor:
    """GELU(x) = x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2))), Phi the standard normal CDF."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def post_ln_sublayer(x: torch.Tensor, sublayer: Callable[[torch.Tensor], torch.Tensor],
                     layer_norm: nn.LayerNorm) -> torch.Tensor:
    """The Transformer's wrapper around each sub-layer: LayerNorm(x + Sublayer(x))."""
    return layer_norm(x + sublayer(x))  # (B, T, H)


def to_bertedu_name(name: str) -> str | None:
    """A checkpoint's tensor name -> the name in a bare BertModel (None for the position_ids buffer)."""
    name = name.removeprefix("bert.")
    if name == "embeddings.position_ids":
        return None
    return name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")


SOLUTIONS = {"gelu": gelu, "post_ln_sublayer": post_ln_sublayer, "to_bertedu_name": to_bertedu_name}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "05", name)



def _close(result, expected: torch.Tensor, atol: float) -> bool:
    return (isinstance(result, torch.Tensor) and result.shape == expected.shape
            and torch.allclose(result, expected, atol=atol, rtol=0.0))


def check_gelu(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(x)`` against the exact GELU at atol 1e-6."""
    x = torch.linspace(-6.0, 6.0, 241, dtype=torch.float64)
    try:
        result = fn(x)
    except NotImplementedError:
        return not_attempted("gelu", fn)
    expected = F.gelu(x)
    if _close(result, expected, 1e-6):
        return passed("x * Phi(x) with Phi(x) = (1 + erf(x / sqrt(2))) / 2, BERT's activation.")
    if not isinstance(result, torch.Tensor) or result.shape != x.shape:
        shape = tuple(result.shape) if isinstance(result, torch.Tensor) else type(result).__name__
        fail(f"gelu must return a tensor of the input's shape {tuple(x.shape)}, got {shape}")
    tanh_approx = 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    if _close(result, tanh_approx, 1e-6):
        fail("that is the tanh approximation (HF's 'gelu_new', used by the original TensorFlow BERT "
             "and GPT-2). This exercise asks for the exact GELU, x * Phi(x), with torch.erf.")
    if _close(result, F.relu(x), 1e-6):
        fail("that is ReLU, max(0, x). GELU weights x by the probability Phi(x) that a standard normal "
             "variable is below x: x * (1 + erf(x / sqrt(2))) / 2.")
    if _close(result, x * torch.sigmoid(1.702 * x), 1e-6):
        fail("that is the sigmoid approximation x * sigmoid(1.702 x); use the exact erf form")
    worst = int((result - expected).abs().argmax())
    fail(f"gelu({x[worst].item():.2f}) should be {expected[worst].item():.6f}, yours gives "
         f"{result[worst].item():.6f}. Phi(x) = (1 + erf(x / sqrt(2))) / 2; check the 1/2 and the sqrt(2).")


def check_post_ln_sublayer(fn: Callable) -> bool:
    """Check ``fn(x, sublayer, layer_norm)`` against ``post_ln_sublayer``."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 8, generator=generator) * 3 + 1  # (B, T, H), deliberately not normalised
    sublayer = nn.Linear(8, 8)
    layer_norm = nn.LayerNorm(8)
    randomize_(generator, sublayer, layer_norm)
    with torch.no_grad():
        try:
            result = fn(x, sublayer, layer_norm)
        except NotImplementedError:
            return not_attempted("post_ln_sublayer", fn)
        expected = post_ln_sublayer(x, sublayer, layer_norm)
        if _close(result, expected, 1e-5):
            return passed("LayerNorm(x + Sublayer(x)): the residual keeps x, the LayerNorm rescales "
                          "the sum. This is BERT's (and the original Transformer's) post-LN layout.")
        mistakes = [  # (what was computed, its value, the hint)
            ("x + sublayer(layer_norm(x))", x + sublayer(layer_norm(x)),
             ("that is pre-LN (GPT-2 and most later models): normalise first, add after. BERT "
              "normalises *after* the addition")),
            ("layer_norm(sublayer(x))", layer_norm(sublayer(x)),
             "the residual connection is missing: add x before normalising"),
            ("x + sublayer(x)", x + sublayer(x),
             "the residual is right, but the LayerNorm is missing: normalise the sum"),
            ("layer_norm(x) + sublayer(x)", layer_norm(x) + sublayer(x),
             "normalise the *sum* x + sublayer(x), not x alone"),
            ("sublayer(layer_norm(x))", sublayer(layer_norm(x)),
             "apply the sub-layer to x, add x, then normalise the sum"),
        ]
    for formula, value, hint in mistakes:
        if _close(result, value, 1e-5):
            fail(f"you computed {formula}; {hint}.")
    if not isinstance(result, torch.Tensor) or result.shape != x.shape:
        fail(f"post_ln_sublayer must return a tensor of shape {tuple(x.shape)} like its input")
    fail("wrong numbers: the answer is layer_norm(x + sublayer(x)), using the layer_norm you are given")


NAME_CASES = {
    "bert.embeddings.word_embeddings.weight": "embeddings.word_embeddings.weight",
    "bert.embeddings.LayerNorm.gamma": "embeddings.LayerNorm.weight",
    "bert.encoder.layer.11.attention.output.LayerNorm.beta": "encoder.layer.11.attention.output.LayerNorm.bias",
    "bert.encoder.layer.0.attention.self.query.weight": "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.3.output.LayerNorm.weight": "encoder.layer.3.output.LayerNorm.weight",
    "encoder.layer.3.output.LayerNorm.gamma": "encoder.layer.3.output.LayerNorm.weight",
    "pooler.dense.bias": "pooler.dense.bias",
    "bert.embeddings.position_ids": None,
    "embeddings.position_ids": None,
    "cls.predictions.bias": "cls.predictions.bias",
}


def check_to_bertedu_name(fn: Callable[[str], str | None]) -> bool:
    """Check ``fn(name)`` on typical names from HF and TensorFlow-era BERT checkpoints."""
    try:
        fn("bert.embeddings.word_embeddings.weight")
    except NotImplementedError:
        return not_attempted("to_bertedu_name", fn)
    for name, expected in NAME_CASES.items():
        got = fn(name)
        if got != expected:
            if expected is None:
                hint = "position_ids is a buffer (0, 1, 2, ...), not a learned weight: return None"
            else:
                hint = ("strip a leading 'bert.' and rename LayerNorm.gamma -> LayerNorm.weight, "
                        "LayerNorm.beta -> LayerNorm.bias; leave every other name as it is")
            fail(f"to_bertedu_name({name!r}) should be {expected!r}, got {got!r}: {hint}")
    return passed("The prefix goes, gamma/beta become weight/bias, and the position_ids buffer is skipped.")
