"""BERT2BERT: a BERT encoder and a BERT decoder joined by cross-attention, as HF's ``EncoderDecoderModel``.

Rothe, Narayan & Severyn (2020), "Leveraging Pre-trained Checkpoints for Sequence Generation Tasks":
initialise *both* the encoder and the decoder from a BERT checkpoint ("BERT2BERT"); only the decoder's
cross-attention starts from random weights. Training is teacher forcing (Vaswani et al. 2017, section
3): the decoder reads the target shifted one place to the right, behind a start token, and predicts
it. Weight names and config.json are transformers' (``encoder.``, ``decoder.bert.``, ``decoder.cls.``;
``model_type: encoder-decoder``), so a folder saved by one library loads in the other.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .. import hf
from ..config import BertConfig
from ..files import read_json
from ..labels import IGNORE_INDEX
from ..model import BertModel
from . import generation
from .lm_head_model import BertLMHeadModel, bert_config_from_hf, decoder_config
from .outputs import Seq2SeqLMOutput


def shift_tokens_right(labels: torch.Tensor, pad_token_id: int, decoder_start_token_id: int) -> torch.Tensor:
    """(B, T) labels -> decoder inputs: the start token, then labels[:, :-1]; -100 becomes padding."""
    shifted = labels.new_full(labels.shape, decoder_start_token_id)  # (B, T)
    shifted[:, 1:] = labels[:, :-1]
    return shifted.masked_fill(shifted == IGNORE_INDEX, pad_token_id)


@dataclass
class EncoderDecoderConfig:
    """The two BERT configs and the token ids that generation needs (HF's names)."""

    encoder: BertConfig
    decoder: BertConfig
    decoder_start_token_id: int
    pad_token_id: int
    eos_token_id: int | None = None

    def __post_init__(self) -> None:
        self.decoder = decoder_config(self.decoder)
        for name in ("decoder_start_token_id", "pad_token_id", "eos_token_id"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < self.decoder.vocab_size:
                raise ValueError(f"EncoderDecoderConfig.{name}={value} is not a token id of the decoder's "
                                 f"vocabulary [0, {self.decoder.vocab_size})")

    def to_json_string(self, architectures: list[str] | None = None) -> str:
        values = {"model_type": "encoder-decoder", "is_encoder_decoder": True,
                  **({"architectures": architectures} if architectures else {}),
                  "encoder": {"model_type": "bert", **self.encoder.to_dict()},
                  "decoder": {"model_type": "bert", **self.decoder.to_dict()},
                  "decoder_start_token_id": self.decoder_start_token_id,
                  "pad_token_id": self.pad_token_id, "eos_token_id": self.eos_token_id}
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> EncoderDecoderConfig:
        if values.get("model_type") != "encoder-decoder":
            raise ValueError(f"expected an encoder-decoder config.json, got model_type={values.get('model_type')!r}")
        for part in ("encoder", "decoder"):
            if values[part].get("model_type") != "bert":
                raise ValueError(f"bertedu's encoder-decoder is BERT2BERT; the {part} is "
                                 f"{values[part].get('model_type')!r}")
        if values.get("decoder_start_token_id") is None or values.get("pad_token_id") is None:
            raise ValueError("config.json needs decoder_start_token_id and pad_token_id for the decoder's inputs")
        return cls(bert_config_from_hf(values["encoder"]), bert_config_from_hf(values["decoder"]),
                   values["decoder_start_token_id"], values["pad_token_id"], values.get("eos_token_id"))


class EncoderDecoderModel(nn.Module):
    """Source ids -> encoder -> cross-attention of a decoder -> next-token scores of the target."""

    base_model_prefix = "encoder_decoder"

    def __init__(self, config: EncoderDecoderConfig, encoder: BertModel | None = None,
                 decoder: BertLMHeadModel | None = None):
        super().__init__()
        self.config = config
        self.encoder = encoder or BertModel(config.encoder)
        self.decoder = decoder or BertLMHeadModel(config.decoder)
        if config.encoder.hidden_size != config.decoder.hidden_size:  # as HF: project the encoder's outputs
            self.enc_to_dec_proj = nn.Linear(config.encoder.hidden_size, config.decoder.hidden_size)
            self.decoder._init_weights(self.enc_to_dec_proj)

    def tie_weights(self) -> None:
        self.decoder.tie_weights()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
               output_attentions: bool = False, output_hidden_states: bool = False):
        """The encoder's outputs and the (B, S, H_decoder) states the cross-attention reads."""
        outputs = self.encoder(input_ids, attention_mask, output_attentions=output_attentions,
                               output_hidden_states=output_hidden_states)
        states = outputs.last_hidden_state  # (B, S, H_encoder)
        return outputs, self.enc_to_dec_proj(states) if hasattr(self, "enc_to_dec_proj") else states

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                decoder_input_ids: torch.Tensor | None = None,
                decoder_attention_mask: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False) -> Seq2SeqLMOutput:
        """Teacher forcing: with ``labels`` alone the decoder inputs are the labels shifted right.
        The loss compares logits at t with ``labels`` at t (the shift is in the inputs, not the loss)."""
        config = self.config
        if labels is not None and decoder_input_ids is None:
            decoder_input_ids = shift_tokens_right(labels, config.pad_token_id, config.decoder_start_token_id)
            if decoder_attention_mask is None:
                decoder_attention_mask = (decoder_input_ids != config.pad_token_id).long()  # (B, T)
        if decoder_input_ids is None:
            raise ValueError("pass decoder_input_ids (the target after the start token) or labels "
                             "(they are shifted right to make decoder_input_ids)")
        encoder_outputs, encoder_states = self.encode(input_ids, attention_mask, output_attentions,
                                                      output_hidden_states)
        outputs = self.decoder(decoder_input_ids, decoder_attention_mask, encoder_states, attention_mask,
                               output_attentions=output_attentions,
                               output_hidden_states=output_hidden_states)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(outputs.logits.reshape(-1, outputs.logits.size(-1)).float(),
                                   labels.reshape(-1), ignore_index=IGNORE_INDEX)
        return Seq2SeqLMOutput(
            loss=loss, logits=outputs.logits, decoder_hidden_states=outputs.hidden_states,
            decoder_attentions=outputs.attentions, cross_attentions=outputs.cross_attentions,
            encoder_last_hidden_state=encoder_outputs.last_hidden_state,
            encoder_hidden_states=encoder_outputs.hidden_states, encoder_attentions=encoder_outputs.attentions)

    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                 max_length: int = 20, num_beams: int = 1, length_penalty: float = 1.0) -> torch.Tensor:
        """Greedy (``num_beams=1``) or beam search; see ``bertedu.translation.generation``."""
        return generation.generate(self, input_ids, attention_mask, max_length, num_beams, length_penalty)

    @classmethod
    def from_encoder_decoder_pretrained(cls, encoder_path: str | os.PathLike, decoder_path: str | os.PathLike,
                                        decoder_start_token_id: int, pad_token_id: int, eos_token_id: int,
                                        ) -> tuple[EncoderDecoderModel, dict[str, hf.LoadingInfo]]:
        """Warm-start both halves from BERT checkpoint folders (Rothe et al. 2020). Returns the model
        and what each load did: the decoder's ``missing_keys`` are its new cross-attention weights."""
        encoder = BertModel(hf.load_config(encoder_path))
        decoder = BertLMHeadModel(hf.load_config(decoder_path))
        info = {"encoder": hf.load_weights(encoder, hf.read_state_dict(encoder_path), source=str(encoder_path)),
                "decoder": hf.load_weights(decoder, hf.read_state_dict(decoder_path), source=str(decoder_path))}
        config = EncoderDecoderConfig(encoder.config, decoder.config, decoder_start_token_id, pad_token_id,
                                      eos_token_id)
        return cls(config, encoder, decoder).eval(), info

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike) -> EncoderDecoderModel:
        """Load a folder saved by this class or by transformers' ``EncoderDecoderModel``."""
        config_file = Path(path) / hf.CONFIG_NAME
        if not config_file.is_file():
            raise FileNotFoundError(f"no {hf.CONFIG_NAME} in {path}: is this an encoder-decoder folder?")
        model = cls(EncoderDecoderConfig.from_dict(read_json(config_file, "config file")))
        hf.load_weights(model, hf.read_state_dict(path), source=str(path))
        return model.eval()

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """config.json + model.safetensors that ``transformers.EncoderDecoderModel`` loads."""
        hf.save(self, path)
