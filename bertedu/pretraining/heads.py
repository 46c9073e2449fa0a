"""The pretraining heads: masked-LM prediction and next-sentence prediction.

BERT's paper, section 3.1: for Task #1 (Masked LM) "the final hidden vectors corresponding to the
mask tokens are fed into an output softmax over the vocabulary"; in the released code that softmax
sits behind a small transform (dense + GELU + LayerNorm) and its weight matrix is the input word
embedding matrix (weight tying), with an output-only bias per word. For Task #2 (NSP) the pooled
[CLS] vector C goes through a 2-way classifier: IsNext (label 0) or NotNext (label 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..activations import ACT2FN
from ..config import BertConfig
from ..labels import IGNORE_INDEX


class BertPredictionHeadTransform(nn.Module):
    """dense -> activation -> LayerNorm, applied to each token's final hidden state."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))  # (..., H)


class BertLMPredictionHead(nn.Module):
    """Scores over the vocabulary. ``decoder.weight`` is tied to the word embeddings by the model."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.decoder.bias = self.bias

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(hidden_states))  # (..., V)


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.predictions(sequence_output)


class BertPreTrainingHeads(nn.Module):
    """Both heads: MLM scores for tokens, NSP scores from the pooled [CLS] vector."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output: torch.Tensor, pooled_output: torch.Tensor,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


def masked_lm_logits_and_loss(head: BertLMPredictionHead, sequence_output: torch.Tensor,
                              labels: torch.Tensor | None, sparse: bool,
                              ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """MLM logits and the mean cross-entropy over labelled positions (label -100 = not predicted).

    With ``sparse=True`` (and labels given) only the labelled positions go through the head: the
    loss is the same, but the (B*T, H) x (H, V) vocabulary projection shrinks to (N, H) x (H, V)
    for the N ~ 15 % masked slots. The logits are then (N, V), in row-major order of the positions.
    """
    if labels is not None and tuple(labels.shape) != tuple(sequence_output.shape[:2]):
        raise ValueError(f"labels must have the shape of input_ids {tuple(sequence_output.shape[:2])}, "
                         f"got {tuple(labels.shape)}")
    if sparse and labels is not None:
        selected = labels != IGNORE_INDEX                          # (B, T)
        logits = head(sequence_output[selected])            # (N, V)
        target = labels[selected]                           # (N,)
    else:
        logits = head(sequence_output)                      # (B, T, V)
        target = labels
    loss = None
    if labels is not None:
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), target.reshape(-1),
                               ignore_index=IGNORE_INDEX)
    return logits, loss
