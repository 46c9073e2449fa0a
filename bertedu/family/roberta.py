"""RoBERTa: BERT's architecture, trained "robustly" (Liu et al. 2019).

RoBERTa changes the *recipe*, not the encoder (paper section 4): no next sentence prediction and
full-sentence inputs (4.2), dynamic masking (4.1), bigger batches and more data (4.3), and a
byte-level BPE vocabulary (4.4, ``roberta_tokenizer``). What the model keeps from the recipe is
small, and it is all here: one token type only (no sentence B), the pooler unused, and positions
counted from ``padding_idx + 1`` over non-pad tokens (fairseq's convention), so a padded sequence
gets the same positions as the unpadded one and ``max_position_embeddings - padding_idx - 1``
tokens fit. The MLM head is BERT's (dense, GELU, LayerNorm, tied decoder) under HF's names, and
the classification head reads ``<s>`` through dense + tanh + out_proj.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..activations import gelu
from ..config import BertConfig
from ..embeddings import BertEmbeddings
from ..finetuning.models import BertForSequenceClassification, classifier_dropout_layer
from ..model import BertModel, BertPreTrainedModel
from ..outputs import MaskedLMOutput, SequenceClassifierOutput
from ..pretraining.heads import masked_lm_logits_and_loss


@dataclass
class RobertaConfig(BertConfig):
    """BertConfig with roberta-base's defaults (HF's ``RobertaConfig`` fields)."""

    model_type = "roberta"
    vocab_size: int = 50265
    max_position_embeddings: int = 514
    type_vocab_size: int = 1
    layer_norm_eps: float = 1e-5
    pad_token_id: int = 1
    bos_token_id: int = 0
    eos_token_id: int = 2

    def validate(self) -> None:
        super().validate()
        if self.max_position_embeddings <= self.pad_token_id + 1:
            raise ValueError(f"RobertaConfig.max_position_embeddings ({self.max_position_embeddings}) must "
                             f"exceed pad_token_id + 1 = {self.pad_token_id + 1}: positions start there")

    @property
    def max_sequence_length(self) -> int:
        """The longest input: positions run from pad_token_id + 1 to max_position_embeddings - 1."""
        return self.max_position_embeddings - self.pad_token_id - 1


def create_position_ids_from_input_ids(input_ids: torch.Tensor, padding_idx: int) -> torch.Tensor:
    """padding_idx + 1, + 2, ... over the real tokens; padding_idx at the pad tokens. (B, T) -> (B, T)."""
    not_pad = (input_ids != padding_idx).long()          # (B, T)
    return torch.cumsum(not_pad, dim=1) * not_pad + padding_idx


class RobertaEmbeddings(BertEmbeddings):
    """BERT's embeddings; the position ids skip padding and start after ``padding_idx``."""

    def __init__(self, config: RobertaConfig):
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size,
                                                padding_idx=self.padding_idx)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        if position_ids is None:
            position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)  # (B, T)
        return super().forward(input_ids, token_type_ids, position_ids)


class RobertaPreTrainedModel(BertPreTrainedModel):
    base_model_prefix = "roberta"
    config_class = RobertaConfig


class RobertaModel(RobertaPreTrainedModel, BertModel):
    """``BertModel`` with RoBERTa's embeddings. Same arguments as HF's ``RobertaModel``."""

    def __init__(self, config: RobertaConfig, add_pooling_layer: bool = True):
        BertModel.__init__(self, config, add_pooling_layer)
        self.embeddings = RobertaEmbeddings(config)
        self.init_weights()

    def check_inputs(self, input_ids, attention_mask, token_type_ids, position_ids) -> None:
        if isinstance(input_ids, torch.Tensor) and input_ids.dim() == 2 and position_ids is None:
            limit = self.config.max_sequence_length
            if input_ids.size(1) > limit:
                raise ValueError(
                    f"sequence length {input_ids.size(1)} exceeds {limit} = max_position_embeddings "
                    f"({self.config.max_position_embeddings}) - padding_idx ({self.config.pad_token_id}) - 1"
                    f" (RoBERTa's positions start after padding_idx): truncate to max_length={limit}")
        super().check_inputs(input_ids, attention_mask, token_type_ids, position_ids)


class RobertaLMHead(nn.Module):
    """dense -> GELU -> LayerNorm -> decoder (weight tied to the word embeddings, bias ``bias``)."""

    def __init__(self, config: RobertaConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.layer_norm(gelu(self.dense(features))))  # (..., V)


class RobertaForMaskedLM(RobertaPreTrainedModel):
    """RoBERTa's only pretraining objective: MLM (no NSP, no pooler)."""

    def __init__(self, config: RobertaConfig, sparse_prediction: bool = False):
        super().__init__(config)
        self.sparse_prediction = sparse_prediction
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.lm_head = RobertaLMHead(config)
        self.init_weights()

    def tie_weights(self) -> None:
        self.lm_head.decoder.weight = self.roberta.embeddings.word_embeddings.weight

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False) -> MaskedLMOutput:
        outputs = self.roberta(input_ids, attention_mask, token_type_ids, position_ids,
                               output_attentions, output_hidden_states)
        logits, loss = masked_lm_logits_and_loss(self.lm_head, outputs.last_hidden_state, labels,
                                                 self.sparse_prediction)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)


class RobertaClassificationHead(nn.Module):
    """The ``<s>`` vector -> dropout -> dense -> tanh -> dropout -> out_proj (a pooler inside the head)."""

    def __init__(self, config: RobertaConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = classifier_dropout_layer(config)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.dropout(features[:, 0])                                  # (B, H): <s>
        return self.out_proj(self.dropout(torch.tanh(self.dense(x))))     # (B, num_labels)


class RobertaForSequenceClassification(RobertaPreTrainedModel):
    """Sentence tasks; the loss follows ``config.problem_type`` as in ``BertForSequenceClassification``."""

    loss = BertForSequenceClassification.loss

    def __init__(self, config: RobertaConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(config)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False) -> SequenceClassifierOutput:
        outputs = self.roberta(input_ids, attention_mask, token_type_ids, position_ids,
                               output_attentions, output_hidden_states)
        logits = self.classifier(outputs.last_hidden_state)  # (B, num_labels)
        return SequenceClassifierOutput(loss=None if labels is None else self.loss(logits, labels),
                                        logits=logits, hidden_states=outputs.hidden_states,
                                        attentions=outputs.attentions)
