"""Task heads for fine-tuning: sequence classification, token classification, question answering.

BERT's paper, section 4 and Figure 4: fine-tuning adds one small output layer and trains all the
parameters end to end. Sentence tasks (GLUE, SST-2; section 4.1) classify the pooled [CLS] vector;
token tasks (NER, section 5.3) classify every token's final vector; SQuAD (sections 4.2-4.3) learns
a start vector S and an end vector E and scores token i as the answer start by S·T_i (end: E·T_i).
Names match HF's ``BertFor...`` classes so checkpoints and code transfer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import BertConfig
from ..labels import IGNORE_INDEX
from ..model import BertModel, BertPreTrainedModel
from ..outputs import QuestionAnsweringModelOutput, SequenceClassifierOutput, TokenClassifierOutput


def classifier_dropout_layer(config: BertConfig) -> nn.Dropout:
    p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
    return nn.Dropout(p)


class BertWithClassifier(BertPreTrainedModel):
    """BERT, dropout, then one linear layer over the pooled [CLS] vector (sentence tasks) or over
    every token's final vector (token tasks): figure 4's "one additional output layer"."""

    pooled: bool  # classify the pooled [CLS] vector (True) or every token (False)

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=self.pooled)
        self.dropout = classifier_dropout_layer(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool = False,
                output_hidden_states: bool = False):
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                            output_attentions, output_hidden_states)
        features = outputs.pooler_output if self.pooled else outputs.last_hidden_state  # (B, H) or (B, T, H)
        logits = self.classifier(self.dropout(features))  # (B, num_labels) or (B, T, num_labels)
        loss = None if labels is None else self.loss(logits, labels)
        output_class = SequenceClassifierOutput if self.pooled else TokenClassifierOutput
        return output_class(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                            attentions=outputs.attentions)


class BertForSequenceClassification(BertWithClassifier):
    """pooler -> dropout -> linear. Loss by ``config.problem_type`` (HF's rules):

    num_labels == 1: regression (MSE); integer labels: single-label (cross-entropy);
    float multi-hot labels: multi-label (binary cross-entropy with logits).
    """

    pooled = True

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        problem_type = self.config.problem_type
        if problem_type is None:
            if self.num_labels == 1:
                problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                problem_type = "single_label_classification"
            else:
                problem_type = "multi_label_classification"
            self.config.problem_type = problem_type
        if problem_type == "regression":
            return F.mse_loss(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
        if problem_type == "single_label_classification":
            if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_labels):
                raise ValueError(f"labels must be class ids in [0, {self.num_labels}), got range "
                                 f"[{int(labels.min())}, {int(labels.max())}]")
            return F.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1))
        if problem_type == "multi_label_classification":
            return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        raise ValueError(f"unknown problem_type {problem_type!r}; use regression, "
                         "single_label_classification or multi_label_classification")


class BertForTokenClassification(BertWithClassifier):
    """Every token's final vector -> dropout -> linear. Label -100 marks tokens without a label."""

    pooled = False

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1), ignore_index=IGNORE_INDEX)


class BertForQuestionAnswering(BertPreTrainedModel):
    """Start and end scores per token: ``qa_outputs`` is the paper's S and E vectors stacked."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        self.init_weights()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                start_positions: torch.Tensor | None = None, end_positions: torch.Tensor | None = None,
                output_attentions: bool = False, output_hidden_states: bool = False,
                ) -> QuestionAnsweringModelOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                            output_attentions, output_hidden_states)
        logits = self.qa_outputs(outputs.last_hidden_state)         # (B, T, 2)
        start_logits, end_logits = logits.unbind(dim=-1)             # (B, T) each
        loss = None
        if start_positions is not None and end_positions is not None:
            # Positions outside the sequence are clamped to T and ignored, as in HF.
            ignored = start_logits.size(1)
            start = start_positions.reshape(-1).clamp(0, ignored)
            end = end_positions.reshape(-1).clamp(0, ignored)
            loss = (F.cross_entropy(start_logits, start, ignore_index=ignored)
                    + F.cross_entropy(end_logits, end, ignore_index=ignored)) / 2
        return QuestionAnsweringModelOutput(loss=loss, start_logits=start_logits.contiguous(),
                                            end_logits=end_logits.contiguous(),
                                            hidden_states=outputs.hidden_states,
                                            attentions=outputs.attentions)
