"""``BertLMHeadModel``: the decoder BERT with the language-model head, predicting the next token.

Rothe, Narayan & Severyn (2020, section 3) reuse BERT's masked-LM head as the decoder's output layer:
the same transform and vocabulary projection (tied to the word embeddings), now scoring the token
*after* each position. The loss is the next-token cross-entropy: the logits at position t are
compared with the label at t + 1 ("labels shifted as Hugging Face does"; label -100 is skipped).
Parameter names are HF's (``bert.``, ``cls.predictions.``), and the config carries HF's
``is_decoder`` / ``add_cross_attention`` flags so that ``transformers`` builds the same model.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
import torch.nn.functional as F

from ..config import BertConfig
from ..labels import IGNORE_INDEX
from ..model import BertPreTrainedModel
from ..pretraining.heads import BertOnlyMLMHead
from .decoder import BertDecoderModel
from .outputs import CausalLMOutputWithCrossAttentions

DECODER_FLAGS = {"is_decoder": True, "add_cross_attention": True}


def decoder_config(config: BertConfig) -> BertConfig:
    """A copy of ``config`` whose config.json tells transformers to build a decoder with cross-attention."""
    return dataclasses.replace(config, extra={**config.extra, **DECODER_FLAGS})


def bert_config_from_hf(values: dict[str, Any]) -> BertConfig:
    """A BertConfig from HF's dict of an encoder or a decoder (BertConfig itself refuses ``is_decoder``:
    the decoder flags are what this package adds, through ``decoder_config``)."""
    flags = {key: values[key] for key in DECODER_FLAGS if key in values}
    config = BertConfig.from_dict({k: v for k, v in values.items() if k not in DECODER_FLAGS})
    if flags.get("is_decoder") and not flags.get("add_cross_attention"):
        raise ValueError("bertedu's decoder always has cross-attention: the config says is_decoder=True "
                         "with add_cross_attention=False")
    return decoder_config(config) if flags.get("is_decoder") else config


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the logits at t (B, T, V) against the labels at t + 1 (B, T)."""
    if tuple(labels.shape) != tuple(logits.shape[:2]):
        raise ValueError(f"labels must have the shape of input_ids {tuple(logits.shape[:2])}, "
                         f"got {tuple(labels.shape)}")
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)).float(),  # (B*(T-1), V)
                           labels[:, 1:].reshape(-1), ignore_index=IGNORE_INDEX)


class BertLMHeadModel(BertPreTrainedModel):
    """Decoder BERT + LM head; equal to transformers' ``BertLMHeadModel`` with ``is_decoder=True,
    add_cross_attention=True``. Call it with ``encoder_hidden_states`` to attend to a source."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.config = decoder_config(config)
        self.bert = BertDecoderModel(self.config)
        self.cls = BertOnlyMLMHead(self.config)
        self.init_weights()

    def tie_weights(self) -> None:
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                encoder_hidden_states: torch.Tensor | None = None,
                encoder_attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False) -> CausalLMOutputWithCrossAttentions:
        outputs = self.bert(input_ids, attention_mask, encoder_hidden_states, encoder_attention_mask,
                            token_type_ids, position_ids, output_attentions, output_hidden_states)
        logits = self.cls(outputs.last_hidden_state)  # (B, T, V)
        return CausalLMOutputWithCrossAttentions(
            loss=None if labels is None else causal_lm_loss(logits, labels), logits=logits,
            hidden_states=outputs.hidden_states, attentions=outputs.attentions,
            cross_attentions=outputs.cross_attentions)
