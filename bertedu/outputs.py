"""Output containers with HF's field names (``last_hidden_state``, ``attentions``, ...).

Like HF's ``ModelOutput`` they allow ``out.last_hidden_state``, ``out["last_hidden_state"]`` and
``out[0]`` (the first field that is not None), so code written for one library reads the other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch


class ModelOutput:
    def to_tuple(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None)

    def __getitem__(self, key: int | str):
        if isinstance(key, str):
            return getattr(self, key)
        return self.to_tuple()[key]

    def keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


@dataclass
class BaseModelOutputWithPooling(ModelOutput):
    last_hidden_state: torch.Tensor                         # (B, T, H)
    pooler_output: torch.Tensor | None = None               # (B, H)
    hidden_states: tuple[torch.Tensor, ...] | None = None   # L+1 of (B, T, H): embeddings, then layers
    attentions: tuple[torch.Tensor, ...] | None = None      # L of (B, A, T, T)


@dataclass
class BertForPreTrainingOutput(ModelOutput):
    loss: torch.Tensor | None = None                        # masked_lm_loss + next_sentence_loss
    prediction_logits: torch.Tensor | None = None           # (B, T, V), or (N, V) at the N masked slots
    seq_relationship_logits: torch.Tensor | None = None     # (B, 2): 0 = IsNext, 1 = NotNext
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    masked_lm_loss: torch.Tensor | None = None
    next_sentence_loss: torch.Tensor | None = None


@dataclass
class MaskedLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None                      # (B, T, V), or (N, V) at the N masked slots
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class SequenceClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None                      # (B, num_labels)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class TokenClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None                      # (B, T, num_labels)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class QuestionAnsweringModelOutput(ModelOutput):
    loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None                # (B, T)
    end_logits: torch.Tensor | None = None                  # (B, T)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
