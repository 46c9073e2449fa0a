"""Per-head summaries: one number per (layer, head) that says what kind of head it is.

Clark et al. 2019 ("What Does BERT Look At?") found that many of BERT's heads follow simple
patterns: attend to [CLS], to [SEP], to the previous or the next token, broadly over the whole
sentence. Each summary here averages one such pattern over the query tokens of a sequence:

- ``cls`` / ``sep``: attention weight on the [CLS] / [SEP] positions, sum over them;
- ``previous`` / ``next``: weight on the token just before / after (a_{i,i-1}, a_{i,i+1});
- ``self``: weight on the token itself (a_{i,i});
- ``same_token``: weight on *other* positions holding the same word piece (e.g. "the" ... "the"),
  over the queries that have such a twin; NaN when no word piece repeats;
- ``entropy``: H_i = -sum_j a_{ij} log a_{ij} in nats; log(T) is uniform attention, 0 is one token.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .inputs import check_view_inputs

SUMMARIES = ("cls", "sep", "previous", "next", "self", "same_token", "entropy")


def head_summary(attentions: Sequence[torch.Tensor], tokens: Sequence[str], cls_token: str = "[CLS]",
                 sep_token: str = "[SEP]") -> dict[str, torch.Tensor]:
    """Every summary of ``SUMMARIES`` for one sequence: name -> (L, A) tensor."""
    check_view_inputs(attentions, tokens)
    if len(tokens) < 2:
        raise ValueError("head_summary needs at least 2 tokens (previous/next need a neighbour)")
    attention = torch.cat([a.detach().float().cpu() for a in attentions])  # (L, A, T, T)
    is_cls = torch.tensor([t == cls_token for t in tokens])  # (T,)
    is_sep = torch.tensor([t == sep_token for t in tokens])  # (T,)
    special = is_cls | is_sep
    same = torch.tensor([[a == b for b in tokens] for a in tokens])  # (T, T)
    same &= ~torch.eye(len(tokens), dtype=torch.bool) & ~special[None, :] & ~special[:, None]
    has_twin = same.any(-1)  # (T,): queries whose word piece appears elsewhere
    same_token = (attention * same).sum(-1)[..., has_twin].mean(-1)  # (L, A); NaN if no twins
    return {
        "cls": attention[..., is_cls].sum(-1).mean(-1),                            # (L, A)
        "sep": attention[..., is_sep].sum(-1).mean(-1),                            # (L, A)
        "previous": attention.diagonal(offset=-1, dim1=-2, dim2=-1).mean(-1),    # rows 1..T-1
        "next": attention.diagonal(offset=1, dim1=-2, dim2=-1).mean(-1),         # rows 0..T-2
        "self": attention.diagonal(dim1=-2, dim2=-1).mean(-1),
        "same_token": same_token,
        "entropy": torch.special.entr(attention).sum(-1).mean(-1),
    }


def average_head_summary(summaries: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The mean of several sequences' summaries (NaNs, from sequences without a pattern, skipped)."""
    if not summaries:
        raise ValueError("average_head_summary needs at least one summary")
    return {name: torch.stack([s[name] for s in summaries]).nanmean(0) for name in summaries[0]}


def top_heads(scores: torch.Tensor, k: int = 3) -> list[tuple[int, int, float]]:
    """The ``k`` highest-scoring heads of an (L, A) summary as (layer, head, score), best first."""
    if scores.dim() != 2:
        raise ValueError(f"scores must be an (layers, heads) tensor, got shape {tuple(scores.shape)}")
    flat = torch.nan_to_num(scores.float(), nan=float("-inf")).reshape(-1)
    values, indices = flat.topk(min(k, flat.numel()))
    num_heads = scores.shape[1]
    return [(int(i) // num_heads, int(i) % num_heads, float(v)) for v, i in zip(values, indices)]
