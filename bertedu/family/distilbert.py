"""DistilBERT: a BERT half as deep, trained to imitate a full one (Sanh et al. 2019).

The model is BERT with less (paper section 2, "Student architecture"): the token-type embeddings
and the pooler are removed and the number of layers is halved; the layers themselves are BERT's.
(One detail differs in training mode only: DistilBERT applies no dropout after the attention
output projection; BERT does.) How the student is initialised from its teacher and trained with
the triple loss is in ``distillation``. HF's checkpoints use their own names (``transformer``,
``q_lin``, ``sa_layer_norm``, ``dim``, ``n_layers``): ``checkpoint_renames`` and
``DistilBertConfig`` translate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..activations import ACT2FN
from ..config import BertConfig
from ..embeddings import BertEmbeddings
from ..finetuning.models import BertForSequenceClassification
from ..model import BertModel, BertPreTrainedModel
from ..outputs import MaskedLMOutput, SequenceClassifierOutput
from ..pretraining.heads import masked_lm_logits_and_loss

# HF's DistilBertConfig field -> BertConfig field.
CONFIG_NAMES = {"dim": "hidden_size", "n_layers": "num_hidden_layers", "n_heads": "num_attention_heads",
                "hidden_dim": "intermediate_size", "activation": "hidden_act", "dropout": "hidden_dropout_prob",
                "attention_dropout": "attention_probs_dropout_prob"}


@dataclass
class DistilBertConfig(BertConfig):
    """BertConfig read and written with HF's DistilBERT names; distilbert-base-uncased's defaults.

    DistilBERT has no token types (``type_vocab_size`` stays 1 and is not written) and a fixed
    LayerNorm epsilon of 1e-12."""

    model_type = "distilbert"
    num_hidden_layers: int = 6
    type_vocab_size: int = 1
    qa_dropout: float = 0.1
    seq_classif_dropout: float = 0.2
    sinusoidal_pos_embds: bool = False

    def validate(self) -> None:
        super().validate()
        if self.sinusoidal_pos_embds:
            raise ValueError("bertedu's DistilBERT learns its position embeddings: sinusoidal_pos_embds must be false")
        if self.type_vocab_size != 1 or self.layer_norm_eps != 1e-12:
            raise ValueError("DistilBERT has no token types and LayerNorm eps 1e-12: leave type_vocab_size "
                             f"(1) and layer_norm_eps (1e-12) as they are, got {self.type_vocab_size}, "
                             f"{self.layer_norm_eps}")

    @classmethod
    def from_dict(cls, values: dict[str, Any], warn_unknown: bool = True) -> "DistilBertConfig":
        return super().from_dict({CONFIG_NAMES.get(k, k): v for k, v in values.items()}, warn_unknown)

    def to_dict(self) -> dict[str, Any]:
        ours_to_hf = {v: k for k, v in CONFIG_NAMES.items()}
        values = {ours_to_hf.get(k, k): v for k, v in super().to_dict().items()}
        del values["type_vocab_size"], values["layer_norm_eps"]
        return values


class DistilBertEmbeddings(BertEmbeddings):
    """Word + position embeddings (no token types), LayerNorm, dropout."""

    def __init__(self, config: DistilBertConfig):
        super().__init__(config)
        del self.token_type_embeddings

    def forward(self, input_ids: torch.Tensor, token_type_ids: None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        if position_ids is None:
            position_ids = torch.arange(input_ids.size(1), device=input_ids.device).expand_as(input_ids)
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)  # (B, T, H)
        return self.dropout(self.LayerNorm(embeddings))


class DistilBertPreTrainedModel(BertPreTrainedModel):
    base_model_prefix = "distilbert"
    config_class = DistilBertConfig
    checkpoint_renames = (
        ("transformer.layer.", "encoder.layer."),
        (".attention.q_lin.", ".attention.self.query."),
        (".attention.k_lin.", ".attention.self.key."),
        (".attention.v_lin.", ".attention.self.value."),
        (".attention.out_lin.", ".attention.output.dense."),
        (".sa_layer_norm.", ".attention.output.LayerNorm."),
        (".ffn.lin1.", ".intermediate.dense."),
        (".ffn.lin2.", ".output.dense."),
        (".output_layer_norm.", ".output.LayerNorm."),
    )


class DistilBertModel(DistilBertPreTrainedModel, BertModel):
    """``BertModel`` without token types and pooler. HF's ``DistilBertModel``'s arguments."""

    def __init__(self, config: DistilBertConfig):
        BertModel.__init__(self, config, add_pooling_layer=False)
        self.embeddings = DistilBertEmbeddings(config)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False):
        return super().forward(input_ids, attention_mask, None, position_ids, output_attentions,
                               output_hidden_states)


class DistilBertForMaskedLM(DistilBertPreTrainedModel):
    """vocab_transform -> activation -> vocab_layer_norm -> vocab_projector (tied to the word embeddings)."""

    def __init__(self, config: DistilBertConfig, sparse_prediction: bool = False):
        super().__init__(config)
        self.sparse_prediction = sparse_prediction
        self.distilbert = DistilBertModel(config)
        self.vocab_transform = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = ACT2FN[config.hidden_act]
        self.vocab_layer_norm = nn.LayerNorm(config.hidden_size, eps=1e-12)
        self.vocab_projector = nn.Linear(config.hidden_size, config.vocab_size)
        self.init_weights()

    def tie_weights(self) -> None:
        self.vocab_projector.weight = self.distilbert.embeddings.word_embeddings.weight

    def predict(self, hidden_states: torch.Tensor) -> torch.Tensor:
        """The MLM head: (..., H) -> (..., V)."""
        return self.vocab_projector(self.vocab_layer_norm(self.activation(self.vocab_transform(hidden_states))))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False) -> MaskedLMOutput:
        outputs = self.distilbert(input_ids, attention_mask, position_ids, output_attentions,
                                  output_hidden_states)
        logits, loss = masked_lm_logits_and_loss(self.predict, outputs.last_hidden_state, labels,
                                                 self.sparse_prediction)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)


class DistilBertForSequenceClassification(DistilBertPreTrainedModel):
    """[CLS] vector -> pre_classifier -> ReLU -> dropout -> classifier; loss as ``BertForSequenceClassification``."""

    loss = BertForSequenceClassification.loss

    def __init__(self, config: DistilBertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.hidden_size, config.hidden_size)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False, *,
                token_type_ids: torch.Tensor | None = None) -> SequenceClassifierOutput:
        # bertedu's fine-tuning tasks encode token types; DistilBERT has none, so only zeros pass.
        if token_type_ids is not None and bool(token_type_ids.any()):
            raise ValueError("DistilBERT has no token types: token_type_ids must be all zeros or left out "
                             "(a sentence pair is one segment to it, separated by [SEP] only)")
        outputs = self.distilbert(input_ids, attention_mask, position_ids, output_attentions,
                                  output_hidden_states)
        pooled = torch.relu(self.pre_classifier(outputs.last_hidden_state[:, 0]))  # (B, H)
        logits = self.classifier(self.dropout(pooled))                              # (B, num_labels)
        return SequenceClassifierOutput(loss=None if labels is None else self.loss(logits, labels),
                                        logits=logits, hidden_states=outputs.hidden_states,
                                        attentions=outputs.attentions)
