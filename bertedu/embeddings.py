"""Input embeddings: token + segment + position, then LayerNorm and dropout.

BERT's paper, section 3 and Figure 2: "the input embeddings are the sum of the token embeddings,
the segmentation embeddings and the position embeddings". BERT *learns* its position embeddings;
the original Transformer (Vaswani et al. 2017, section 3.5) used fixed sinusoids instead, which
``sinusoidal_positional_encoding`` computes for the positional-encoding lesson.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import BertConfig


def sinusoidal_positional_encoding(num_positions: int, dim: int) -> torch.Tensor:
    """The Transformer's fixed encoding, shape (num_positions, dim).

    PE[pos, 2i] = sin(pos / 10000^(2i/dim)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/dim)).
    """
    if num_positions <= 0 or dim <= 0 or dim % 2:
        raise ValueError(f"need num_positions > 0 and an even dim > 0, got {num_positions}, {dim}")
    position = torch.arange(num_positions, dtype=torch.float64).unsqueeze(1)  # (P, 1)
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float64) * (-math.log(10000.0) / dim))
    angles = position * frequency  # (P, dim/2)
    encoding = torch.zeros(num_positions, dim, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angles)
    encoding[:, 1::2] = torch.cos(angles)
    return encoding.float()


class BertEmbeddings(nn.Module):
    """Sum of word, position and token-type (segment) embeddings, normalised."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size,
                                            padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        batch_size, seq_len = input_ids.shape  # (B, T)
        if position_ids is None:
            position_ids = torch.arange(seq_len, device=input_ids.device).expand(batch_size, seq_len)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        embeddings = (self.word_embeddings(input_ids)                    # (B, T, H)
                      + self.token_type_embeddings(token_type_ids)       # (B, T, H)
                      + self.position_embeddings(position_ids))          # (B, T, H)
        return self.dropout(self.LayerNorm(embeddings))
