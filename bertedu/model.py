"""BertModel: embeddings, the encoder stack and the pooler, with input checks.

This is the "BERT" box of the paper's Figure 1: token ids in, one contextual vector per token out
(``last_hidden_state``) plus the pooled [CLS] vector. ``BertPreTrainedModel`` adds what every BERT
model shares: the weight initialisation of section A.2 (truncated-normal-like N(0, 0.02)) and
``from_pretrained`` / ``save_pretrained`` for Hugging Face checkpoint folders (see ``hf.py``).
"""

from __future__ import annotations

import os

import torch
from torch import nn

from . import hf
from .attention import extended_attention_mask
from .config import BertConfig
from .embeddings import BertEmbeddings
from .encoder import BertEncoder, BertPooler
from .outputs import BaseModelOutputWithPooling

INTEGER_DTYPES = (torch.long, torch.int32, torch.int16, torch.int8, torch.uint8)


class BertPreTrainedModel(nn.Module):
    """Base class: weight initialisation and HF-compatible loading and saving."""

    base_model_prefix = "bert"
    config_class = BertConfig
    checkpoint_renames: tuple[tuple[str, str], ...] = ()  # see hf.py, rule 5

    def __init__(self, config: BertConfig):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"{type(self).__name__} needs a bertedu.BertConfig, got {type(config).__name__}")
        self.config = config

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def init_weights(self) -> None:
        self.apply(self._init_weights)
        self.tie_weights()

    def tie_weights(self) -> None:
        """Heads that share weights with the embeddings override this."""

    @classmethod
    def checkpoint_layers(cls, config: BertConfig) -> int:
        """Distinct encoder layers a checkpoint for ``config`` holds (``hf.check_fits``); ALBERT,
        whose layers share one set of weights, overrides this."""
        return config.num_hidden_layers

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, output_loading_info: bool = False,
                        ignore_mismatched_sizes: bool = False, **config_overrides):
        """Load an HF (or bertedu) checkpoint folder: config.json + model.safetensors / pytorch_model.bin.

        Keyword arguments override config.json (e.g. ``num_labels=3``); with
        ``ignore_mismatched_sizes=True`` weights of another shape (such a head) are re-initialised.
        config.json is checked against the weights before the model is built (``hf.check_fits``)."""
        config = hf.load_config(path, cls.config_class, **config_overrides)
        state_dict = hf.read_state_dict(path)
        hf.check_fits(cls, config, state_dict, str(path), ignore_mismatched_sizes)
        model = cls(config)
        info = hf.load_weights(model, state_dict, source=str(path),
                               ignore_mismatched_sizes=ignore_mismatched_sizes)
        model.eval()  # like HF: a loaded model starts in inference mode
        return (model, info) if output_loading_info else model

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write config.json and model.safetensors that ``transformers`` loads."""
        hf.save(self, path)


class BertModel(BertPreTrainedModel):
    """Token ids -> contextual vectors. Call with the same arguments as HF's ``BertModel``."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.init_weights()

    def check_inputs(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None,
                     token_type_ids: torch.Tensor | None, position_ids: torch.Tensor | None) -> None:
        """Raise a ValueError that says what is wrong, before it becomes an index error deep inside."""
        config = self.config
        if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2:
            shape = tuple(input_ids.shape) if isinstance(input_ids, torch.Tensor) else type(input_ids).__name__
            raise ValueError(f"input_ids must be a tensor of shape (batch_size, seq_len), got {shape}; "
                             "for one sequence use input_ids.unsqueeze(0)")
        if input_ids.dtype not in INTEGER_DTYPES:
            raise ValueError(f"input_ids must hold integer token ids, got dtype {input_ids.dtype}; "
                             "use input_ids.long()")
        batch_size, seq_len = input_ids.shape
        if batch_size == 0:
            raise ValueError("input_ids holds no sequence (batch size 0): skip empty batches")
        if seq_len == 0:
            raise ValueError("input_ids is empty: need at least one token per sequence")
        if seq_len > config.max_position_embeddings:
            raise ValueError(f"sequence length {seq_len} exceeds max_position_embeddings="
                             f"{config.max_position_embeddings}: truncate the input (tokenizer "
                             f"truncation=True, max_length={config.max_position_embeddings})")
        checks_values = not _compiling()  # reading values back would break torch.compile's graph
        if checks_values:
            _check_range("input_ids", input_ids, config.vocab_size, "vocab_size")
        for name, tensor in (("attention_mask", attention_mask), ("token_type_ids", token_type_ids),
                             ("position_ids", position_ids)):
            if tensor is None:
                continue
            if not isinstance(tensor, torch.Tensor):
                raise ValueError(f"{name} must be a tensor, got {type(tensor).__name__}; "
                                 f"use torch.tensor({name})")
            if tuple(tensor.shape) != (batch_size, seq_len):
                raise ValueError(f"{name} must have the shape of input_ids {(batch_size, seq_len)}, "
                                 f"got {tuple(tensor.shape)}")
        for name, tensor, upper, field in (
                ("token_type_ids", token_type_ids, config.type_vocab_size, "type_vocab_size"),
                ("position_ids", position_ids, config.max_position_embeddings, "max_position_embeddings")):
            if tensor is None:
                continue
            if tensor.dtype not in INTEGER_DTYPES:
                raise ValueError(f"{name} must hold integer ids, got dtype {tensor.dtype}; use {name}.long()")
            if checks_values:
                _check_range(name, tensor, upper, field)
        if attention_mask is not None and attention_mask.dtype != torch.bool and checks_values:
            not_binary = (attention_mask != 0) & (attention_mask != 1)  # (B, T)
            if bool(not_binary.any()):
                raise ValueError(f"attention_mask must hold 1 for a token to attend to and 0 for padding, "
                                 f"got {attention_mask[not_binary][0].item()}; use the tokenizer's "
                                 "attention_mask, or (input_ids != pad_token_id).long()")

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> BaseModelOutputWithPooling:
        self.check_inputs(input_ids, attention_mask, token_type_ids, position_ids)
        input_ids = input_ids.long()
        hidden_states = self.embeddings(input_ids, token_type_ids, position_ids)  # (B, T, H)
        mask = None
        # Without padding no mask is needed (and SDPA may pick its fastest kernel); under torch.compile
        # that test would be a data-dependent branch, so the (all-zero where no padding) mask stays.
        if attention_mask is not None and (_compiling() or not bool(attention_mask.all())):
            mask = extended_attention_mask(attention_mask, hidden_states.dtype)  # (B, 1, 1, T)
        sequence_output, all_hidden_states, all_attentions = self.encoder(
            hidden_states, mask, output_attentions, output_hidden_states)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output,
                                          hidden_states=all_hidden_states, attentions=all_attentions)


def _compiling() -> bool:
    """True while torch.compile traces the model (torch.compiler.is_compiling, torch >= 2.3)."""
    compiler = getattr(torch, "compiler", None)
    return bool(compiler is not None and hasattr(compiler, "is_compiling") and compiler.is_compiling())


def _check_range(name: str, tensor: torch.Tensor, upper: int, field: str) -> None:
    low, high = int(tensor.min()), int(tensor.max())
    if low < 0 or high >= upper:
        bad = low if low < 0 else high
        raise ValueError(f"{name} contains {bad}, outside [0, {upper}) allowed by config.{field}={upper}")
