"""BERT with its pretraining heads: ``BertForPreTraining`` (MLM + NSP) and ``BertForMaskedLM``.

Section 3.1 and appendix A.2 of the BERT paper: "the training loss is the sum of the mean masked
LM likelihood and the mean next sentence prediction likelihood". Parameter names match HF
(``bert.``, ``cls.predictions.``, ``cls.seq_relationship``), so checkpoints go both ways.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import BertConfig
from ..model import BertModel, BertPreTrainedModel
from ..outputs import BertForPreTrainingOutput, MaskedLMOutput
from .heads import BertOnlyMLMHead, BertPreTrainingHeads, masked_lm_logits_and_loss


class BertWithMLMHead(BertPreTrainedModel):
    """BERT under ``cls``, a head whose MLM decoder shares its weight matrix with the input word
    embeddings (the released code's choice, as in "Attention Is All You Need" section 3.4). With
    ``config.tie_word_embeddings=False`` the decoder has its own weight *and* bias, as in
    transformers 5 (``cls.predictions.bias`` is then unused, and kept only so checkpoints match)."""

    def __init__(self, config: BertConfig, cls: nn.Module, sparse_prediction: bool, add_pooling_layer: bool):
        super().__init__(config)
        self.sparse_prediction = sparse_prediction
        self.bert = BertModel(config, add_pooling_layer=add_pooling_layer)
        self.cls = cls
        if not config.tie_word_embeddings:
            cls.predictions.decoder.bias = nn.Parameter(torch.zeros(config.vocab_size))  # (V,)
        self.init_weights()

    def tie_weights(self) -> None:
        if self.config.tie_word_embeddings:
            self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight


class BertForPreTraining(BertWithMLMHead):
    """The model of the paper's pretraining stage. ``sparse_prediction=True`` scores masked slots only.

    ``loss`` is the sum of whichever losses have labels. This deliberately differs from transformers,
    which returns no loss unless both ``labels`` and ``next_sentence_label`` are given: with MLM
    labels alone, bertedu returns the MLM loss (RoBERTa-style training needs nothing else)."""

    def __init__(self, config: BertConfig, sparse_prediction: bool = False):
        super().__init__(config, BertPreTrainingHeads(config), sparse_prediction, add_pooling_layer=True)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, next_sentence_label: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> BertForPreTrainingOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                            output_attentions, output_hidden_states)
        prediction_logits, masked_lm_loss = masked_lm_logits_and_loss(
            self.cls.predictions, outputs.last_hidden_state, labels, self.sparse_prediction)
        seq_relationship_logits = self.cls.seq_relationship(outputs.pooler_output)  # (B, 2)
        next_sentence_loss = None
        if next_sentence_label is not None:
            next_sentence_loss = F.cross_entropy(seq_relationship_logits.float(),
                                                 next_sentence_label.reshape(-1))
        losses = [x for x in (masked_lm_loss, next_sentence_loss) if x is not None]
        return BertForPreTrainingOutput(
            loss=sum(losses) if losses else None, prediction_logits=prediction_logits,
            seq_relationship_logits=seq_relationship_logits, hidden_states=outputs.hidden_states,
            attentions=outputs.attentions, masked_lm_loss=masked_lm_loss,
            next_sentence_loss=next_sentence_loss)


class BertForMaskedLM(BertWithMLMHead):
    """MLM only (no pooler, no NSP): the RoBERTa-style objective, and fill-in-the-[MASK] demos."""

    def __init__(self, config: BertConfig, sparse_prediction: bool = False):
        super().__init__(config, BertOnlyMLMHead(config), sparse_prediction, add_pooling_layer=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False) -> MaskedLMOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                            output_attentions, output_hidden_states)
        logits, loss = masked_lm_logits_and_loss(self.cls.predictions, outputs.last_hidden_state,
                                                 labels, self.sparse_prediction)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)
