"""Looking inside BERT: what each attention head attends to.

- ``attention_for_text`` runs a model on a sentence (or pair) and returns ``ViewInputs``
  (attentions, tokens, sentence_b_start) in the batch-of-one form that every view takes:
  ``bertviz.head_view(*inputs)``, ``bertviz.model_view(*inputs)``, ``show_attention(*inputs)``.
  ``select_sequence`` picks one sequence of a padded batch.
- ``neuron_view_model`` copies a bertedu (or HF) BERT into bertviz's neuron-view BERT class.
- ``show_attention`` is an interactive head view that needs no network (plain JS and inline SVG).
- ``plot_attention``, ``head_summary`` and ``plot_head_summary`` are the static, matplotlib side.
"""

from .head_summary import SUMMARIES, average_head_summary, head_summary, top_heads
from .head_view import AttentionView, show_attention
from .inputs import (
                     ViewInputs,
                     attention_for_text,
                     check_view_inputs,
                     select_sequence,
                     sentence_b_start_from,
)
from .neuron_view import neuron_view_model, neuron_view_state_dict
from .plots import plot_attention, plot_head_summary

__all__ = [
    "SUMMARIES", "AttentionView", "ViewInputs", "attention_for_text", "average_head_summary",
    "check_view_inputs", "head_summary", "neuron_view_model", "neuron_view_state_dict",
    "plot_attention", "plot_head_summary", "select_sequence", "sentence_b_start_from",
    "show_attention", "top_heads",
]
