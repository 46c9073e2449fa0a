"""ALBERT: "A Lite BERT" (Lan et al. 2019), BERT with far fewer parameters.

Two changes to the model (paper section 3.1) and one to the pretraining data (``sentence_order``):

1. Factorised embedding parameterisation: tokens are embedded in a small space of size E (
   ``embedding_size``) and projected to the hidden size H by ``embedding_hidden_mapping_in``, so the
   embedding costs V x E + E x H instead of V x H. The MLM head predicts back through E.
2. Cross-layer parameter sharing: one encoder layer's weights are used for all L layers (HF's
   ``num_hidden_groups=1``): the encoder's size no longer grows with its depth.
3. Sentence-order prediction (SOP) replaces NSP (section 3.1 and 4.6): the pair head decides whether
   segments A and B are in their original order (label 0) or swapped (label 1).

The layer is BERT's ``BertLayer``; HF's checkpoints name its parts differently, and
``checkpoint_renames`` maps them (``bertedu.hf``, rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..activations import ACT2FN
from ..config import BertConfig
from ..embeddings import BertEmbeddings
from ..encoder import BertEncoder, BertLayer
from ..model import BertModel, BertPreTrainedModel
from ..outputs import MaskedLMOutput, ModelOutput
from ..pretraining.heads import masked_lm_logits_and_loss

_SHARED = "albert_layer_groups.0.albert_layers.0."


@dataclass
class AlbertConfig(BertConfig):
    """BertConfig plus ``embedding_size`` (E); albert-base-v2's defaults (HF's ``AlbertConfig``)."""

    model_type = "albert"
    vocab_size: int = 30000
    embedding_size: int = 128
    hidden_act: str = "gelu_new"
    hidden_dropout_prob: float = 0.0
    attention_probs_dropout_prob: float = 0.0
    classifier_dropout_prob: float = 0.1
    num_hidden_groups: int = 1
    inner_group_num: int = 1
    bos_token_id: int = 2
    eos_token_id: int = 3

    def validate(self) -> None:
        super().validate()
        if not isinstance(self.embedding_size, int) or self.embedding_size <= 0:
            raise ValueError(f"AlbertConfig.embedding_size must be a positive integer, got {self.embedding_size!r}")
        if (self.num_hidden_groups, self.inner_group_num) != (1, 1):
            raise ValueError("bertedu's ALBERT shares one layer across all layers (the paper's choice): "
                             f"num_hidden_groups and inner_group_num must be 1, got {self.num_hidden_groups}"
                             f" and {self.inner_group_num}")


class AlbertEmbeddings(BertEmbeddings):
    """BERT's token + segment + position embeddings, in E dimensions instead of H."""

    def __init__(self, config: AlbertConfig):
        nn.Module.__init__(self)
        self.config = config
        size = config.embedding_size
        self.word_embeddings = nn.Embedding(config.vocab_size, size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, size)
        self.LayerNorm = nn.LayerNorm(size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)


class AlbertEncoder(BertEncoder):
    """Project E -> H, then apply one shared ``BertLayer`` L times."""

    def __init__(self, config: AlbertConfig):
        nn.Module.__init__(self)
        self.embedding_hidden_mapping_in = nn.Linear(config.embedding_size, config.hidden_size)
        shared = BertLayer(config)
        self.layer = nn.ModuleList([shared] * config.num_hidden_layers)  # L references, one set of weights

    def forward(self, hidden_states: torch.Tensor, *args, **kwargs):
        return super().forward(self.embedding_hidden_mapping_in(hidden_states), *args, **kwargs)  # (B, T, H)


class AlbertPreTrainedModel(BertPreTrainedModel):
    base_model_prefix = "albert"
    config_class = AlbertConfig
    checkpoint_renames = (
        (f"encoder.{_SHARED}", "encoder.layer.0."),
        ("attention.dense.", "attention.output.dense."),
        ("attention.LayerNorm.", "attention.output.LayerNorm."),
        ("attention.query.", "attention.self.query."),
        ("attention.key.", "attention.self.key."),
        ("attention.value.", "attention.self.value."),
        (".ffn.", ".intermediate.dense."),
        (".ffn_output.", ".output.dense."),
        (".full_layer_layer_norm.", ".output.LayerNorm."),
        ("pooler.", "pooler.dense."),
    )

    @classmethod
    def checkpoint_layers(cls, config: AlbertConfig) -> int:
        return config.num_hidden_groups  # one shared layer (validate), whatever num_hidden_layers says


class AlbertModel(AlbertPreTrainedModel, BertModel):
    """``BertModel`` with factorised embeddings and a shared layer. HF's ``AlbertModel``'s arguments."""

    def __init__(self, config: AlbertConfig, add_pooling_layer: bool = True):
        BertModel.__init__(self, config, add_pooling_layer)
        self.embeddings = AlbertEmbeddings(config)
        self.encoder = AlbertEncoder(config)
        self.init_weights()


class AlbertMLMHead(nn.Module):
    """dense H -> E, activation, LayerNorm, decoder E -> V (tied to the E-sized word embeddings)."""

    def __init__(self, config: AlbertConfig):
        super().__init__()
        self.LayerNorm = nn.LayerNorm(config.embedding_size, eps=config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.dense = nn.Linear(config.hidden_size, config.embedding_size)
        self.decoder = nn.Linear(config.embedding_size, config.vocab_size)
        self.decoder.bias = self.bias
        self.activation = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.LayerNorm(self.activation(self.dense(hidden_states))))  # (..., V)


class AlbertSOPHead(nn.Module):
    """Sentence-order prediction from the pooled [CLS] vector: 0 = in order, 1 = swapped."""

    def __init__(self, config: AlbertConfig):
        super().__init__()
        self.dropout = nn.Dropout(config.classifier_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled_output: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(pooled_output))  # (B, 2)


@dataclass
class AlbertForPreTrainingOutput(ModelOutput):
    loss: torch.Tensor | None = None                        # masked_lm_loss + sentence_order_loss
    prediction_logits: torch.Tensor | None = None           # (B, T, V), or (N, V) at the N masked slots
    sop_logits: torch.Tensor | None = None                  # (B, 2)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


class AlbertWithMLMHead(AlbertPreTrainedModel):
    def __init__(self, config: AlbertConfig, sparse_prediction: bool, add_pooling_layer: bool):
        super().__init__(config)
        self.sparse_prediction = sparse_prediction
        self.albert = AlbertModel(config, add_pooling_layer=add_pooling_layer)
        self.predictions = AlbertMLMHead(config)

    def tie_weights(self) -> None:
        self.predictions.decoder.weight = self.albert.embeddings.word_embeddings.weight


class AlbertForPreTraining(AlbertWithMLMHead):
    """MLM + SOP: ``loss = masked_lm_loss + sentence_order_loss``."""

    def __init__(self, config: AlbertConfig, sparse_prediction: bool = False):
        super().__init__(config, sparse_prediction, add_pooling_layer=True)
        self.sop_classifier = AlbertSOPHead(config)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, sentence_order_label: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> AlbertForPreTrainingOutput:
        outputs = self.albert(input_ids, attention_mask, token_type_ids, position_ids,
                              output_attentions, output_hidden_states)
        prediction_logits, masked_lm_loss = masked_lm_logits_and_loss(
            self.predictions, outputs.last_hidden_state, labels, self.sparse_prediction)
        sop_logits = self.sop_classifier(outputs.pooler_output)  # (B, 2)
        sentence_order_loss = None
        if sentence_order_label is not None:
            sentence_order_loss = F.cross_entropy(sop_logits.float(), sentence_order_label.reshape(-1))
        losses = [x for x in (masked_lm_loss, sentence_order_loss) if x is not None]
        return AlbertForPreTrainingOutput(loss=sum(losses) if losses else None, prediction_logits=prediction_logits,
                                          sop_logits=sop_logits, hidden_states=outputs.hidden_states,
                                          attentions=outputs.attentions)


class AlbertForMaskedLM(AlbertWithMLMHead):
    """MLM only (no pooler, no SOP head)."""

    def __init__(self, config: AlbertConfig, sparse_prediction: bool = False):
        super().__init__(config, sparse_prediction, add_pooling_layer=False)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False) -> MaskedLMOutput:
        outputs = self.albert(input_ids, attention_mask, token_type_ids, position_ids,
                              output_attentions, output_hidden_states)
        logits, loss = masked_lm_logits_and_loss(self.predictions, outputs.last_hidden_state, labels,
                                                 self.sparse_prediction)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)
