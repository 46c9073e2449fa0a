"""Exercises for lesson 02 (embeddings): the input representation by hand, and its parameter count.

``check_embed`` runs the learner's ``embed`` on random tables and compares it with
``bertedu.embeddings.BertEmbeddings`` holding the same weights; ``check_count_embedding_parameters``
compares a parameter count with the module's. ``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import torch

from ..config import BertConfig
from ..embeddings import BertEmbeddings
from . import fail, not_attempted, parameter_count, passed, solution_of


def embed(input_ids: torch.Tensor, token_type_ids: torch.Tensor, word_table: torch.Tensor,
          position_table: torch.Tensor, token_type_table: torch.Tensor, gamma: torch.Tensor,
          beta: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Reference: BERT's input representation, LayerNorm(token + segment + position)."""
    seq_len = input_ids.shape[1]
    summed = (word_table[input_ids]                                  # (B, T, H)
              + token_type_table[token_type_ids]                     # (B, T, H)
              + position_table[torch.arange(seq_len)])               # (T, H), broadcast over B
    mean = summed.mean(dim=-1, keepdim=True)                         # (B, T, 1)
    variance = summed.var(dim=-1, unbiased=False, keepdim=True)      # (B, T, 1)
    return gamma * (summed - mean) / torch.sqrt(variance + eps) + beta


def count_embedding_parameters(config: BertConfig) -> int:
    """Reference: three tables of H columns, plus LayerNorm's gain and bias."""
    rows = config.vocab_size + config.max_position_embeddings + config.type_vocab_size
    return rows * config.hidden_size + 2 * config.hidden_size


SOLUTIONS = {"embed": embed, "count_embedding_parameters": count_embedding_parameters}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "02", name)



def _layer_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float,
                unbiased: bool = False) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    variance = x.var(dim=-1, unbiased=unbiased, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(variance + eps) + beta


def _embed_cases():
    """(config, input_ids, token_type_ids) cases with random tables in a BertEmbeddings."""
    generator = torch.Generator().manual_seed(2)
    for hidden, vocab, positions, types, batch, seq_len in ((16, 30, 12, 2, 2, 7), (8, 11, 5, 3, 3, 5)):
        config = BertConfig(vocab_size=vocab, hidden_size=hidden, num_attention_heads=1,
                            max_position_embeddings=positions, type_vocab_size=types)
        module = BertEmbeddings(config).eval()
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))
        input_ids = torch.randint(0, vocab, (batch, seq_len), generator=generator)
        token_type_ids = torch.randint(0, types, (batch, seq_len), generator=generator)
        yield module, input_ids, token_type_ids


def check_embed(function) -> bool:
    """Compare ``function(input_ids, token_type_ids, word_table, position_table, token_type_table,
    gamma, beta, eps)`` with ``BertEmbeddings`` (eval mode) on random tables, atol 1e-5."""
    for module, input_ids, token_type_ids in _embed_cases():
        word, position, segment = (module.word_embeddings.weight.detach(),
                                   module.position_embeddings.weight.detach(),
                                   module.token_type_embeddings.weight.detach())
        gamma, beta = module.LayerNorm.weight.detach(), module.LayerNorm.bias.detach()
        eps = module.LayerNorm.eps
        try:
            got = function(input_ids.clone(), token_type_ids.clone(), word.clone(), position.clone(),
                           segment.clone(), gamma.clone(), beta.clone(), eps)
        except NotImplementedError:
            return not_attempted("embed", function)
        with torch.no_grad():
            expected = module(input_ids, token_type_ids)  # (B, T, H)
        if not isinstance(got, torch.Tensor):
            fail(f"embed should return a torch.Tensor, got {type(got).__name__}")
        if tuple(got.shape) != tuple(expected.shape):
            fail(f"for input_ids of shape {tuple(input_ids.shape)} and hidden size {word.shape[1]} the "
                 f"result should have shape (B, T, H) = {tuple(expected.shape)}, got {tuple(got.shape)}")
        got = got.detach().float()
        if torch.allclose(got, expected, atol=1e-5):
            continue
        positions = position[: input_ids.shape[1]]
        full_sum = word[input_ids] + segment[token_type_ids] + positions
        near_misses = {
            "this is the plain sum: normalise it with LayerNorm, then scale by gamma and add beta":
                full_sum,
            "the LayerNorm is right but gamma and beta are missing: return gamma * normalised + beta":
                _layer_norm(full_sum, 1.0, 0.0, eps),
            "LayerNorm uses the biased variance (divide by H, not H - 1), like torch.nn.LayerNorm":
                _layer_norm(full_sum, gamma, beta, eps, unbiased=True),
            "the position embeddings are missing: position t adds row t of position_table":
                _layer_norm(word[input_ids] + segment[token_type_ids], gamma, beta, eps),
            "the segment embeddings are missing: add token_type_table[token_type_ids]":
                _layer_norm(word[input_ids] + positions, gamma, beta, eps),
            "the token embeddings are missing: add word_table[input_ids]":
                _layer_norm(segment[token_type_ids] + positions, gamma, beta, eps),
        }
        for hint, candidate in near_misses.items():
            if torch.allclose(got, candidate, atol=1e-5):
                fail(f"Close, but {hint}.")
        worst = (got - expected).abs().max().item()
        fail(f"embed differs from BertEmbeddings by up to {worst:.3g} (allowed 1e-5). Build it in "
             "order: look up the three tables, sum them, then LayerNorm over the last dimension.")
    return passed("embed matches bertedu's BertEmbeddings: LayerNorm(token + segment + position).")


def check_count_embedding_parameters(function) -> bool:
    """Compare ``function(config)`` with the number of parameters in ``BertEmbeddings(config)``."""
    configs = [BertConfig(), BertConfig.from_size("tiny"),
               BertConfig(vocab_size=99, hidden_size=12, num_attention_heads=3,
                          max_position_embeddings=40, type_vocab_size=3)]
    for config in configs:
        try:
            got = function(config)
        except NotImplementedError:
            return not_attempted("count_embedding_parameters", function)
        expected = parameter_count(BertEmbeddings, config)
        if got == expected:
            continue
        sizes = (f"vocab_size={config.vocab_size}, max_position_embeddings="
                 f"{config.max_position_embeddings}, type_vocab_size={config.type_vocab_size}, "
                 f"hidden_size={config.hidden_size}")
        H = config.hidden_size
        pieces = [(2 * H, "LayerNorm's gain and bias (2 x hidden_size)"),
                  (config.vocab_size * H, "the token table (vocab_size x hidden_size)"),
                  (config.max_position_embeddings * H,
                   "the position table (max_position_embeddings x hidden_size)"),
                  (config.type_vocab_size * H, "the segment table (type_vocab_size x hidden_size)")]
        missing = [name for size, name in pieces if isinstance(got, int) and expected - got == size]
        if missing:
            fail(f"For {sizes}: got {got}, expected {expected}. Missing {' or '.join(missing)}.")
        fail(f"For {sizes}: got {got!r}, expected {expected} (an int). Count every table "
             "(rows x hidden_size) and LayerNorm's two vectors.")
    return passed(f"BERT-base's embeddings hold {function(BertConfig()):,} parameters.")
