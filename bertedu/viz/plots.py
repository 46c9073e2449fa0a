"""Static attention plots with matplotlib: they print, export and render anywhere, JavaScript or not.

``plot_attention`` draws attention maps as heatmaps (queries down, keys across, so row ``i`` is the
distribution of token ``i``): one head, or every head of a layer side by side.
``plot_head_summary`` draws the per-head summaries of ``head_summary`` as (layer x head) grids, the
quickest way to spot, say, the heads that attend to the previous token.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .head_summary import SUMMARIES
from .inputs import check_view_inputs

SUMMARY_TITLES = {"cls": "attention to [CLS]", "sep": "attention to [SEP]",
                  "previous": "attention to previous token", "next": "attention to next token",
                  "self": "attention to itself", "same_token": "attention to the same word piece",
                  "entropy": "entropy (nats)"}


def plot_attention(attentions: Sequence[torch.Tensor], tokens: Sequence[str], layer: int = 0,
                   head: int | None = None, ax: Axes | None = None, cmap: str = "viridis") -> Figure:
    """Heatmap of one head (``head=h``; on ``ax`` if given) or a grid of all heads (``head=None``)."""
    check_view_inputs(attentions, tokens)
    num_layers, num_heads = len(attentions), attentions[0].shape[1]
    if not 0 <= layer < num_layers:
        raise ValueError(f"layer must be in [0, {num_layers}), got {layer}")
    maps = attentions[layer][0].detach().float().cpu()  # (A, T, T)
    if head is not None:
        if not 0 <= head < num_heads:
            raise ValueError(f"head must be None (all heads) or in [0, {num_heads}), got {head}")
        if ax is None:
            size = max(3.0, 0.35 * len(tokens) + 1.5)
            _, ax = plt.subplots(figsize=(size + 1, size))
        _heatmap(ax, maps[head], tokens, f"layer {layer}, head {head}", cmap)
        ax.figure.colorbar(ax.images[0], ax=ax, fraction=0.046, pad=0.04)
        return ax.figure
    if ax is not None:
        raise ValueError("ax is only used for one head; pass head=... or leave ax=None for the grid")
    cols = min(4, num_heads)
    rows = math.ceil(num_heads / cols)
    size = max(2.5, 0.25 * len(tokens) + 1.2)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * size), squeeze=False)
    for h, ax_h in enumerate(axes.flat):
        if h < num_heads:
            _heatmap(ax_h, maps[h], tokens, f"head {h}", cmap, labels=h % cols == 0)
        else:
            ax_h.axis("off")
    fig.suptitle(f"Layer {layer}: every head (rows: queries, columns: keys)")
    fig.tight_layout()
    return fig


def _heatmap(ax: Axes, attention: torch.Tensor, tokens: Sequence[str], title: str, cmap: str,
             labels: bool = True) -> None:
    ax.imshow(attention.numpy(), cmap=cmap, vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
    ax.set_yticks(range(len(tokens)), tokens if labels else [], fontsize=8)
    ax.set_title(title, fontsize=10)


def plot_head_summary(summary: dict[str, torch.Tensor], names: Sequence[str] | None = None,
                      cmap: str = "magma") -> Figure:
    """One (layer x head) grid per summary in ``names`` (default: all of them), values written in."""
    names = [n for n in SUMMARIES if n in summary] if names is None else list(names)
    unknown = [n for n in names if n not in summary]
    if not names or unknown:
        raise ValueError(f"names must be summaries in {sorted(summary)}, got {names}")
    num_layers, num_heads = summary[names[0]].shape
    width = max(2.2, 0.45 * num_heads + 1.0)
    fig, axes = plt.subplots(1, len(names), figsize=(width * len(names), max(2.6, 0.4 * num_layers + 1.4)),
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        values = summary[name].detach().float().cpu()  # (L, A)
        # Attention weights share one scale, [0, 1]; entropy goes from 0 to its largest value here.
        top = 1.0 if name != "entropy" else max(float(values.nan_to_num().max()), 1e-6)
        image = ax.imshow(values.numpy(), cmap=cmap, aspect="auto", vmin=0.0, vmax=top)
        if num_layers * num_heads <= 64:
            for layer in range(num_layers):
                for head in range(num_heads):
                    ax.text(head, layer, f"{values[layer, head]:.2f}", ha="center", va="center",
                            fontsize=7, color="grey")
        ax.set_xticks(range(num_heads))
        ax.set_yticks(range(num_layers))
        ax.set_xlabel("head")
        ax.set_ylabel("layer")
        ax.set_title(SUMMARY_TITLES.get(name, name), fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig
