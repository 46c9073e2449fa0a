"""Output containers of the decoder and the encoder-decoder, with HF's field names.

``cross_attentions`` are the encoder-decoder attention maps (one (B, A, T, S) tensor a layer: for each
target position t, how much each source position s contributes), the maps lesson 12 plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..outputs import ModelOutput

Maps = tuple[torch.Tensor, ...]


@dataclass
class BaseModelOutputWithCrossAttentions(ModelOutput):
    last_hidden_state: torch.Tensor                  # (B, T, H)
    hidden_states: Maps | None = None                # L+1 of (B, T, H): embeddings, then layers
    attentions: Maps | None = None                   # L of (B, A, T, T), causal
    cross_attentions: Maps | None = None             # L of (B, A, T, S)


@dataclass
class CausalLMOutputWithCrossAttentions(ModelOutput):
    loss: torch.Tensor | None = None                 # next-token cross-entropy
    logits: torch.Tensor | None = None               # (B, T, V): scores for the token after each position
    hidden_states: Maps | None = None
    attentions: Maps | None = None
    cross_attentions: Maps | None = None


@dataclass
class Seq2SeqLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None               # (B, T, V)
    decoder_hidden_states: Maps | None = None
    decoder_attentions: Maps | None = None
    cross_attentions: Maps | None = None
    encoder_last_hidden_state: torch.Tensor | None = None  # (B, S, H)
    encoder_hidden_states: Maps | None = None
    encoder_attentions: Maps | None = None
