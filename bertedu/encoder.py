"""The Transformer encoder as BERT uses it: layers of attention + feed-forward, and the pooler.

BERT's paper (section 3) reuses the encoder of "Attention Is All You Need" (section 3.1) unchanged:
each of the L layers has a multi-head self-attention sub-layer and a position-wise feed-forward
sub-layer, each wrapped as LayerNorm(x + Sublayer(x)) ("post-LayerNorm"). The feed-forward network
widens to ``intermediate_size`` = 4H with a GELU (Hendrycks & Gimpel 2016), which BERT chose over the
Transformer's ReLU. The pooler (section 3, "[CLS]") turns the first token's final vector into the
sentence representation used by the NSP and classification heads.
"""

from __future__ import annotations

import torch
from torch import nn

from .activations import ACT2FN, gelu, gelu_new  # noqa: F401 (gelu, gelu_new: lesson 05)
from .attention import BertAttention, BertSelfOutput
from .config import BertConfig


class BertIntermediate(nn.Module):
    """First half of the feed-forward network: widen H -> intermediate_size and apply the activation."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))  # (B, T, I)


class BertOutput(BertSelfOutput):
    """Second half: project back to H, dropout, residual connection and LayerNorm: the same
    "Add & Norm" as after attention, from the intermediate size."""

    def __init__(self, config: BertConfig):
        super().__init__(config, config.intermediate_size)


class BertLayer(nn.Module):
    """One encoder layer: attention sub-layer, then feed-forward sub-layer."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None = None,
                output_attentions: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        attention_output, probs = self.attention(hidden_states, mask, output_attentions)
        layer_output = self.output(self.intermediate(attention_output), attention_output)
        return layer_output, probs  # (B, T, H), (B, A, T, T) or None


class BertEncoder(nn.Module):
    """The stack of L identical layers (each with its own weights)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None, tuple[torch.Tensor, ...] | None]:
        all_hidden_states = [hidden_states] if output_hidden_states else None
        all_attentions = [] if output_attentions else None
        for layer in self.layer:
            hidden_states, probs = layer(hidden_states, mask, output_attentions)
            if output_hidden_states:
                all_hidden_states.append(hidden_states)
            if output_attentions:
                all_attentions.append(probs)
        return (hidden_states,
                None if all_hidden_states is None else tuple(all_hidden_states),
                None if all_attentions is None else tuple(all_attentions))


class BertPooler(nn.Module):
    """tanh(W h_[CLS] + b): the first token's final hidden state, as a sentence vector."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))  # (B, H)
