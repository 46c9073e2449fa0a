"""Exercises for lesson 00 (overview): take the [CLS] vector, and count BERT's parameters.

``check_cls_vector`` runs the learner's function on random encoder outputs; ``check_count_parameters``
compares a count computed from a ``BertConfig`` with the parameters of ``bertedu.model.BertModel``
(built on PyTorch's meta device: shapes only, no memory). ``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import torch

from ..config import BertConfig
from ..model import BertModel
from . import fail, not_attempted, parameter_count, passed, solution_of


def cls_vector(last_hidden_state: torch.Tensor) -> torch.Tensor:
    """Reference: the final hidden vector of the first token, [CLS], for every sequence: (B, H)."""
    return last_hidden_state[:, 0]  # (B, T, H) -> (B, H)


def count_parameters(config: BertConfig) -> int:
    """Reference: the number of parameters of BertModel(config), pooler included."""
    H, I, L = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * H + 2 * H
    attention = 4 * (H * H + H) + 2 * H         # query, key, value, output dense (+ biases); LayerNorm
    feed_forward = (H * I + I) + (I * H + H) + 2 * H  # H -> I, I -> H (+ biases); LayerNorm
    pooler = H * H + H                          # dense + tanh on the [CLS] vector
    return embeddings + L * (attention + feed_forward) + pooler


SOLUTIONS = {"cls_vector": cls_vector, "count_parameters": count_parameters}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "00", name)



def check_cls_vector(function) -> bool:
    """Check ``function(last_hidden_state)`` returns the [CLS] vectors, shape (B, H)."""
    generator = torch.Generator().manual_seed(0)
    for batch, seq_len, hidden in ((2, 5, 8), (1, 7, 4), (3, 1, 6)):
        hidden_states = torch.randn(batch, seq_len, hidden, generator=generator)
        try:
            got = function(hidden_states.clone())
        except NotImplementedError:
            return not_attempted("cls_vector", function)
        expected = hidden_states[:, 0]
        if not isinstance(got, torch.Tensor):
            fail(f"cls_vector should return a torch.Tensor, got {type(got).__name__}")
        if tuple(got.shape) == (batch, 1, hidden):
            fail("Close, but the result keeps the token dimension: shape (B, 1, H); index it away "
                 "([:, 0] rather than [:, :1]) to get (B, H).")
        if tuple(got.shape) == (seq_len, hidden) and batch > 1:
            fail("This is the first sequence of the batch, (T, H); [CLS] is the first *token* of "
                 "every sequence: index the second dimension.")
        if tuple(got.shape) != (batch, hidden):
            fail(f"For last_hidden_state of shape (B, T, H) = {(batch, seq_len, hidden)} the result "
                 f"should have shape (B, H) = {(batch, hidden)}, got {tuple(got.shape)}")
        if torch.allclose(got, expected):
            continue
        if torch.allclose(got, hidden_states[:, -1]):
            fail("This is the last token's vector ([SEP] in a real input); [CLS] is the first token.")
        if torch.allclose(got, hidden_states.mean(dim=1), atol=1e-6):
            fail("This is mean pooling (a fine sentence vector too, but not BERT's): take the first token.")
        fail("These are not the first token's vectors: [CLS] sits at position 0 of every sequence.")
    return passed("cls_vector takes last_hidden_state[:, 0], the vector C of the paper's Figure 1.")


def check_count_parameters(function) -> bool:
    """Compare ``function(config)`` with the parameter count of ``BertModel(config)``."""
    configs = [BertConfig.from_size("base"), BertConfig.from_size("tiny"), BertConfig.from_size("large"),
               BertConfig(vocab_size=99, hidden_size=12, num_hidden_layers=3, num_attention_heads=3,
                          intermediate_size=37, max_position_embeddings=40, type_vocab_size=3)]
    for config in configs:
        try:
            got = function(config)
        except NotImplementedError:
            return not_attempted("count_parameters", function)
        expected = parameter_count(BertModel, config)
        if got == expected:
            continue
        H, I, L = config.hidden_size, config.intermediate_size, config.num_hidden_layers
        pieces = [
            ((config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * H + 2 * H,
             "the embeddings (three tables and their LayerNorm)"),
            (H * H + H, "the pooler (one H x H dense layer with bias)"),
            (L * 2 * 2 * H, "the two LayerNorms of each layer (gain and bias, 2 x H each)"),
            (L * (4 * H + I + H), "the biases of each layer's dense layers"),
            (L * (4 * H * H + 2 * H * I), "the weight matrices of the layers"),
            (2 * H, "the embeddings' LayerNorm"),
            (L * 2 * H, "one LayerNorm per layer"),
        ]
        missing = [name for size, name in pieces if isinstance(got, int) and expected - got == size]
        name = f"L={L}, H={H}, A={config.num_attention_heads}, intermediate_size={I}, vocab_size={config.vocab_size}"
        if missing:
            fail(f"For {name}: got {got}, expected {expected}. Missing {' or '.join(missing)}.")
        fail(f"For {name}: got {got!r}, expected {expected} (an int). Per layer count attention "
             "(query, key, value, output: H x H + H each), the feed-forward (H x I + I, I x H + H) and "
             "two LayerNorms (2H each); add the embeddings and the pooler.")
    return passed(f"BERT-base has {function(BertConfig.from_size('base')):,} parameters "
                  "(the paper's \"110M\").")
