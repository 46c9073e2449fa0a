"""Multi-head self-attention, BERT's way of letting every token look at every other token.

"Attention Is All You Need" (Vaswani et al. 2017, section 3.2) defines scaled dot-product attention,

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V,

and multi-head attention: project the hidden states into ``A`` heads of size ``d_k = H / A``, attend
in each head independently, concatenate, project back. BERT (section 3) uses it bidirectionally: a
token attends to the left *and* the right. Padding is hidden with an additive mask. Section 3.2.3
also uses the same module as "encoder-decoder attention": queries from the decoder, keys and values
from the encoder's outputs (``key_value_states``; ``bertedu.translation`` builds its decoder from it).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import BertConfig


def extended_attention_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, T) of 1 = real token / 0 = padding  ->  additive mask (B, 1, 1, T) of 0 / very negative.

    Adding the dtype's most negative finite number (not -inf) before the softmax makes padded keys
    vanish, and a row whose keys are *all* padding stays finite (a uniform row, never NaN).
    """
    mask = attention_mask[:, None, None, :].to(dtype)  # (B, 1, 1, T)
    return (1.0 - mask) * torch.finfo(dtype).min


def scaled_dot_product_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                                 mask: torch.Tensor | None = None, dropout: nn.Module | None = None,
                                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q K^T / sqrt(d_k) + mask) V, step by step; returns (context, probabilities).

    query, key, value: (B, A, T, d_k); mask: additive, broadcastable to (B, A, T, T).
    """
    scores = query @ key.transpose(-1, -2) / math.sqrt(query.size(-1))  # (B, A, T, T)
    if mask is not None:
        scores = scores + mask
    probs = scores.softmax(dim=-1)  # (B, A, T, T): each row sums to 1
    if dropout is not None:
        probs = dropout(probs)
    return probs @ value, probs  # (B, A, T, d_k), (B, A, T, T)


class BertSelfAttention(nn.Module):
    """Project to queries, keys and values, split into heads, attend, merge the heads."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.head_size = config.head_size
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch_size, seq_len, _ = x.shape  # (B, T, H)
        return x.view(batch_size, seq_len, self.num_attention_heads, self.head_size).transpose(1, 2)

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None = None,
                output_attentions: bool = False, key_value_states: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Self-attention; with ``key_value_states`` (B, S, H) cross-attention: keys and values
        come from there, and ``mask`` is then over its S positions."""
        batch_size, seq_len, hidden_size = hidden_states.shape  # (B, T, H)
        source = hidden_states if key_value_states is None else key_value_states  # (B, S, H)
        query = self.split_heads(self.query(hidden_states))  # (B, A, T, d_k)
        key = self.split_heads(self.key(source))             # (B, A, S, d_k)
        value = self.split_heads(self.value(source))         # (B, A, S, d_k)
        if output_attentions:
            context, probs = scaled_dot_product_attention(query, key, value, mask, self.dropout)
        else:
            # The same computation fused into one kernel: faster, and no (T, T) matrix is kept.
            context = F.scaled_dot_product_attention(
                query, key, value, attn_mask=mask,
                dropout_p=self.dropout.p if self.training else 0.0)
            probs = None
        context = context.transpose(1, 2).reshape(batch_size, seq_len, hidden_size)  # (B, T, H)
        return context, probs


class BertSelfOutput(nn.Module):
    """Output projection, dropout, then the residual connection and LayerNorm ("Add & Norm").
    The feed-forward sub-layer ends the same way, from ``input_size`` = intermediate_size."""

    def __init__(self, config: BertConfig, input_size: int | None = None):
        super().__init__()
        self.dense = nn.Linear(input_size or config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)  # (B, T, H)


class BertAttention(nn.Module):
    """The attention sub-layer of an encoder layer: LayerNorm(x + MultiHead(x))."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None = None,
                output_attentions: bool = False, key_value_states: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        context, probs = self.self(hidden_states, mask, output_attentions, key_value_states)
        return self.output(context, hidden_states), probs
