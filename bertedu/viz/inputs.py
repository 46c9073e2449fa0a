"""What every attention view takes: per-layer attention maps of one sequence, and its tokens.

A BERT forward pass with ``output_attentions=True`` returns ``attentions``: a tuple with one tensor
per layer, each of shape (batch, heads, T, T), where row ``i`` of a head is the softmax distribution
of token ``i`` over all tokens (section 3.2 of "Attention Is All You Need"). Views draw one sequence
at a time, so they follow bertviz's *batch-of-one rule*: every layer's tensor is (1, A, T, T) with
exactly one token string per position. ``sentence_b_start`` is the index of the first token of
sentence B in a pair (the token after the first [SEP], where ``token_type_ids`` turns to 1), or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from ..inference import eval_mode


class ViewInputs(NamedTuple):
    """The three positional arguments of bertviz's ``head_view``/``model_view`` and ``show_attention``.

    ``bertviz.head_view(*inputs)``, ``bertviz.model_view(*inputs)`` and
    ``bertedu.viz.show_attention(*inputs)`` all accept it as it is.
    """

    attentions: tuple[torch.Tensor, ...]  # L of (1, A, T, T)
    tokens: list[str]                     # T token strings
    sentence_b_start: int | None          # first position of sentence B, or None for one sentence


def check_view_inputs(attentions: Sequence[torch.Tensor], tokens: Sequence[str],
                      sentence_b_start: int | None = None) -> None:
    """Raise a ValueError that says what is wrong with inputs meant for an attention view."""
    if isinstance(attentions, torch.Tensor) or not isinstance(attentions, (tuple, list)) or not attentions:
        raise ValueError("attentions must be a non-empty tuple with one (1, heads, T, T) tensor per layer, "
                         "as in model(..., output_attentions=True).attentions")
    first = attentions[0]
    for layer, attention in enumerate(attentions):
        if not isinstance(attention, torch.Tensor) or attention.dim() != 4:
            shape = tuple(attention.shape) if isinstance(attention, torch.Tensor) else type(attention).__name__
            raise ValueError(f"attentions[{layer}] must be a tensor of shape (1, heads, T, T), got {shape}")
        if attention.shape[0] != 1:
            raise ValueError(f"attentions[{layer}] has batch size {attention.shape[0]}; views show one "
                             "sequence: pick it with bertedu.viz.select_sequence(attentions, index, "
                             "attention_mask)")
        if attention.shape != first.shape or attention.shape[2] != attention.shape[3]:
            raise ValueError(f"attentions[{layer}] has shape {tuple(attention.shape)}; every layer must "
                             f"be (1, heads, T, T) like attentions[0] {tuple(first.shape)}")
    seq_len = first.shape[-1]
    if len(tokens) != seq_len:
        raise ValueError(f"got {len(tokens)} tokens for attention over {seq_len} positions: pass one "
                         "token string per position (padding removed, see select_sequence)")
    if sentence_b_start is not None and not 0 < sentence_b_start < seq_len:
        raise ValueError(f"sentence_b_start must be None or a position in (0, {seq_len}), "
                         f"got {sentence_b_start}")


def select_sequence(attentions: Sequence[torch.Tensor], index: int = 0,
                    attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
    """Pick sequence ``index`` of a batch as a batch of one, cut to its real (unpadded) tokens.

    Padding is at the end of each row (as the tokenizer pads), so the real tokens are the first
    ``attention_mask[index].sum()`` positions.
    """
    batch_size = attentions[0].shape[0]
    if not -batch_size <= index < batch_size:
        raise ValueError(f"index {index} is outside the batch of {batch_size} sequences")
    index %= batch_size  # -1 is the last sequence
    length = attentions[0].shape[-1]
    if attention_mask is not None:
        row = attention_mask[index]
        length = int(row.sum())
        if not bool(row[:length].all()):
            raise ValueError("attention_mask must be 1s followed by 0s (padding at the end)")
    return tuple(layer[index:index + 1, :, :length, :length] for layer in attentions)  # L of (1, A, t, t)


def sentence_b_start_from(token_type_ids: torch.Tensor) -> int | None:
    """The first position with segment id 1 (sentence B), or None when there is no sentence B."""
    positions = torch.nonzero(token_type_ids.reshape(-1) == 1)
    return int(positions[0]) if len(positions) else None


def attention_for_text(model: nn.Module, tokenizer, text: str, text_pair: str | None = None,
                       max_length: int | None = None) -> ViewInputs:
    """Tokenize one sentence (or a pair), run ``model`` and return what the views need.

    ``model`` is any BERT that takes (input_ids, token_type_ids=..., output_attentions=True) and
    returns ``.attentions``: bertedu's models, or transformers' loaded with
    ``attn_implementation="eager"``. The model runs in eval mode (no dropout) and is put back in
    the mode it was in.
    """
    encoded = tokenizer(text, text_pair, truncation=max_length is not None, max_length=max_length,
                        return_tensors="pt")
    input_ids = encoded["input_ids"]  # (1, T)
    token_type_ids = encoded["token_type_ids"]  # (1, T)
    with eval_mode(model):
        outputs = model(input_ids, token_type_ids=token_type_ids, output_attentions=True)
    if outputs.attentions is None:
        raise ValueError(f"{type(model).__name__} returned no attentions; a transformers model must be "
                         "loaded with attn_implementation='eager' to return them")
    tokens = tokenizer.convert_ids_to_tokens(input_ids[0].tolist())
    return ViewInputs(tuple(outputs.attentions), tokens, sentence_b_start_from(token_type_ids))
