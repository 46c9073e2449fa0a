"""The Transformer decoder, built from BERT's parts: masked self-attention, cross-attention, feed-forward.

"Attention Is All You Need" (Vaswani et al. 2017, section 3.1): "In addition to the two sub-layers in
each encoder layer, the decoder inserts a third sub-layer, which performs multi-head attention over
the output of the encoder stack", and its self-attention is masked "to prevent positions from
attending to subsequent positions". Rothe, Narayan & Severyn (2020) build exactly this from a BERT
checkpoint: BERT's layers with a causal mask, plus a newly initialised cross-attention sub-layer
(``crossattention``, the same ``BertAttention`` module with keys and values from the encoder).
"""

from __future__ import annotations

import torch
from torch import nn

from ..attention import BertAttention, extended_attention_mask
from ..config import BertConfig
from ..embeddings import BertEmbeddings
from ..encoder import BertLayer
from ..model import BertModel, BertPreTrainedModel
from .outputs import BaseModelOutputWithCrossAttentions


def causal_attention_mask(attention_mask: torch.Tensor | None, seq_len: int, dtype: torch.dtype,
                          device: torch.device) -> torch.Tensor:
    """Additive mask (B or 1, 1, T, T): position i sees the positions j <= i that are not padding.

    The two conditions are combined first and turned into the dtype's most negative number once, so a
    key that is both in the future and padding gets min, not min + min = -inf."""
    allowed = torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()[None, None]  # (1, 1, T, T)
    if attention_mask is not None:
        allowed = allowed & attention_mask[:, None, None, :].bool()  # (B, 1, T, T)
    mask = torch.zeros(allowed.shape, dtype=dtype, device=device)
    return mask.masked_fill(~allowed, torch.finfo(dtype).min)


class BertDecoderLayer(BertLayer):
    """A BERT layer with a cross-attention sub-layer between self-attention and feed-forward."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.crossattention = BertAttention(config)

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None = None,
                output_attentions: bool = False, encoder_hidden_states: torch.Tensor | None = None,
                encoder_mask: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        attention_output, probs = self.attention(hidden_states, mask, output_attentions)  # (B, T, H)
        cross_probs = None
        if encoder_hidden_states is not None:  # without an encoder: a decoder-only language model
            attention_output, cross_probs = self.crossattention(
                attention_output, encoder_mask, output_attentions, encoder_hidden_states)  # (B, T, H)
        layer_output = self.output(self.intermediate(attention_output), attention_output)
        return layer_output, probs, cross_probs  # (B, T, H), (B, A, T, T), (B, A, T, S)


class BertDecoder(nn.Module):
    """The stack of L decoder layers; every layer attends to the same encoder outputs."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertDecoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor, encoder_hidden_states: torch.Tensor | None,
                encoder_mask: torch.Tensor | None, output_attentions: bool, output_hidden_states: bool,
                ) -> BaseModelOutputWithCrossAttentions:
        all_hidden_states = [hidden_states]
        attentions, cross_attentions = [], []
        for layer in self.layer:
            hidden_states, probs, cross_probs = layer(hidden_states, mask, output_attentions,
                                                      encoder_hidden_states, encoder_mask)
            all_hidden_states.append(hidden_states)
            attentions.append(probs)
            cross_attentions.append(cross_probs)
        return BaseModelOutputWithCrossAttentions(
            last_hidden_state=hidden_states,
            hidden_states=tuple(all_hidden_states) if output_hidden_states else None,
            attentions=tuple(attentions) if output_attentions else None,
            cross_attentions=tuple(cross_attentions) if output_attentions and encoder_hidden_states is not None
            else None)


class BertDecoderModel(BertModel):
    """BERT's embeddings over a decoder stack, under HF's names (``encoder.layer.N.crossattention``),
    so a BERT checkpoint loads into it with only the cross-attention left to initialise."""

    def __init__(self, config: BertConfig):
        BertPreTrainedModel.__init__(self, config)  # BertModel's input checks, not its encoder stack
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertDecoder(config)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                encoder_hidden_states: torch.Tensor | None = None,
                encoder_attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> BaseModelOutputWithCrossAttentions:
        self.check_inputs(input_ids, attention_mask, token_type_ids, position_ids)
        batch_size = input_ids.size(0)
        if encoder_hidden_states is not None and (
                encoder_hidden_states.dim() != 3 or encoder_hidden_states.size(0) != batch_size
                or encoder_hidden_states.size(2) != self.config.hidden_size):
            raise ValueError(f"encoder_hidden_states must have shape (batch_size={batch_size}, source_len, "
                             f"hidden_size={self.config.hidden_size}), got {tuple(encoder_hidden_states.shape)}")
        if encoder_attention_mask is not None and (
                encoder_hidden_states is None
                or tuple(encoder_attention_mask.shape) != tuple(encoder_hidden_states.shape[:2])):
            raise ValueError("encoder_attention_mask must have the shape (batch_size, source_len) of "
                             "encoder_hidden_states, and needs them")
        hidden_states = self.embeddings(input_ids.long(), token_type_ids, position_ids)  # (B, T, H)
        mask = causal_attention_mask(attention_mask, input_ids.size(1), hidden_states.dtype,
                                     hidden_states.device)  # (B or 1, 1, T, T)
        encoder_mask = None
        if encoder_attention_mask is not None and not bool(encoder_attention_mask.all()):
            encoder_mask = extended_attention_mask(encoder_attention_mask, hidden_states.dtype)  # (B, 1, 1, S)
        return self.encoder(hidden_states, mask, encoder_hidden_states, encoder_mask,
                            output_attentions, output_hidden_states)
