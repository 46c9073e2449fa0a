"""Knowledge distillation: a small student trained to imitate a large teacher (Sanh et al. 2019).

DistilBERT's paper, section 2: the student is trained with a *triple loss*, a linear combination of
1. ``L_ce``, the distillation loss: cross-entropy between the teacher's and the student's output
   distributions, both softened by a temperature T: p_i = exp(z_i / T) / sum_j exp(z_j / T). The
   soft targets carry the teacher's "dark knowledge" (which wrong words are nearly right). As in
   Hinton et al. 2015 it is scaled by T^2 so its gradients keep their size when T changes; we
   compute it as KL(teacher || student), which differs from the cross-entropy by a constant;
2. ``L_mlm``, the usual masked-LM loss on the true tokens;
3. ``L_cos``, a cosine embedding loss that aligns the directions of the student's and the
   teacher's final hidden states.
"Student initialization" (same section): the student has the teacher's width, so it takes the
teacher's embeddings and "one layer out of two". The weights (5, 2, 1) and T = 2 are those of the
authors' released training script. Here the student sees token types no more: we fold the
teacher's segment-0 embedding into the position embeddings, so single-segment inputs start equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..labels import IGNORE_INDEX
from ..outputs import ModelOutput
from .distilbert import DistilBertConfig, DistilBertForMaskedLM


def student_from_teacher(teacher: nn.Module) -> DistilBertForMaskedLM:
    """A DistilBERT with half the layers (at least one) initialised from a ``BertForMaskedLM`` or
    ``BertForPreTraining``: embeddings, layers 0, 2, 4, ... and the MLM head."""
    config = teacher.config
    if config.layer_norm_eps != 1e-12:
        raise ValueError(f"DistilBERT's LayerNorms use eps 1e-12; the teacher uses {config.layer_norm_eps}")
    layers = list(range(0, config.num_hidden_layers, 2))
    student = DistilBertForMaskedLM(DistilBertConfig(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_hidden_layers=len(layers),
        num_attention_heads=config.num_attention_heads, intermediate_size=config.intermediate_size,
        hidden_act=config.hidden_act, hidden_dropout_prob=config.hidden_dropout_prob,
        attention_probs_dropout_prob=config.attention_probs_dropout_prob,
        max_position_embeddings=config.max_position_embeddings, pad_token_id=config.pad_token_id,
        initializer_range=config.initializer_range))
    ours, theirs = student.distilbert, teacher.bert
    head = teacher.cls.predictions
    with torch.no_grad():
        ours.embeddings.word_embeddings.weight.copy_(theirs.embeddings.word_embeddings.weight)
        ours.embeddings.position_embeddings.weight.copy_(theirs.embeddings.position_embeddings.weight
                                                         + theirs.embeddings.token_type_embeddings.weight[0])
        ours.embeddings.LayerNorm.load_state_dict(theirs.embeddings.LayerNorm.state_dict())
        for student_index, teacher_index in enumerate(layers):
            ours.encoder.layer[student_index].load_state_dict(theirs.encoder.layer[teacher_index].state_dict())
        student.vocab_transform.load_state_dict(head.transform.dense.state_dict())
        student.vocab_layer_norm.load_state_dict(head.transform.LayerNorm.state_dict())
        student.vocab_projector.bias.copy_(head.bias)
    return student


def distillation_losses(student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor,
                        student_hidden: torch.Tensor, teacher_hidden: torch.Tensor,
                        attention_mask: torch.Tensor, temperature: float = 2.0) -> dict[str, torch.Tensor]:
    """The three losses, each a mean: ``ce`` and ``cos`` over the real (non-pad) tokens, ``mlm`` over
    the labelled ones. Logits (B, T, V), labels and attention_mask (B, T), hidden states (B, T, H)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    real = attention_mask.bool()                                          # (B, T)
    student_log_probs = F.log_softmax(student_logits[real].float() / temperature, dim=-1)  # (N, V)
    teacher_probs = F.softmax(teacher_logits[real].float() / temperature, dim=-1)          # (N, V)
    ce = F.kl_div(student_log_probs, teacher_probs, reduction="batchmean") * temperature ** 2
    mlm = F.cross_entropy(student_logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE_INDEX)
    cos = (1 - F.cosine_similarity(student_hidden[real], teacher_hidden[real], dim=-1)).mean()
    return {"ce": ce, "mlm": mlm, "cos": cos}


@dataclass
class DistillationOutput(ModelOutput):
    loss: torch.Tensor                  # alpha_ce * ce_loss + alpha_mlm * mlm_loss + alpha_cos * cos_loss
    ce_loss: torch.Tensor
    mlm_loss: torch.Tensor
    cos_loss: torch.Tensor


class Distiller(nn.Module):
    """The student and its frozen teacher as one model for ``bertedu.Trainer``: ``forward`` returns
    the triple loss ``alpha_ce * L_ce + alpha_mlm * L_mlm + alpha_cos * L_cos``."""

    def __init__(self, student: DistilBertForMaskedLM, teacher: nn.Module, temperature: float = 2.0,
                 alpha_ce: float = 5.0, alpha_mlm: float = 2.0, alpha_cos: float = 1.0):
        super().__init__()
        if student.config.hidden_size != teacher.config.hidden_size:
            raise ValueError("the cosine loss compares hidden states: student and teacher need the same "
                             f"hidden_size, got {student.config.hidden_size} and {teacher.config.hidden_size}")
        self.student, self.teacher = student, teacher.eval().requires_grad_(False)
        self.temperature, self.weights = temperature, {"ce": alpha_ce, "mlm": alpha_mlm, "cos": alpha_cos}

    def train(self, mode: bool = True) -> "Distiller":
        self.student.train(mode)  # the teacher stays in eval mode: no dropout in the targets
        self.training = mode
        return self

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor,
                token_type_ids: torch.Tensor | None = None, **unused: torch.Tensor) -> DistillationOutput:
        with torch.no_grad():
            teacher = self.teacher(input_ids, attention_mask, token_type_ids, output_hidden_states=True)
        student = self.student(input_ids, attention_mask, output_hidden_states=True)
        teacher_logits = getattr(teacher, "prediction_logits", None)
        losses = distillation_losses(student.logits, teacher.logits if teacher_logits is None else teacher_logits,
                                     labels, student.hidden_states[-1], teacher.hidden_states[-1],
                                     attention_mask, self.temperature)
        return DistillationOutput(loss=sum(self.weights[name] * value for name, value in losses.items()),
                                **{f"{name}_loss": value for name, value in losses.items()})
