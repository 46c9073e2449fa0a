"""Plots of training runs: loss curves, held-out metrics, confusion matrices.

Every function builds a ``matplotlib.figure.Figure`` directly (no pyplot state: safe in scripts,
tests and notebooks alike; a notebook shows the returned figure) and, given ``path``, also writes it
as a PNG atomically (``bertedu.files``). The attention plots live with the viewers in ``bertedu.viz``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .files import write_file

History = dict[str, list[dict[str, float]]]  # {"train": [{"step", "loss", ...}], "eval": [...]}
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def save_figure(figure: Figure, path: str | os.PathLike | None) -> Figure:
    """Write ``figure`` as a PNG at ``path`` (atomically; nothing when ``path`` is None)."""
    if path is not None:
        write_file(path, lambda file: figure.savefig(file, format="png", dpi=100))
    return figure


def plot_training_loss(axes: Axes, history: History, color: str, label: str, points: int = 50) -> None:
    """The loss of every update, faint, under its running mean over ``len // points`` updates."""
    steps = np.array([record["step"] for record in history["train"]])
    losses = np.array([record["loss"] for record in history["train"]])
    if not len(losses):  # a run stopped before its first update
        return
    window = max(1, len(losses) // points)
    if window > 1:
        axes.plot(steps, losses, color=color, alpha=0.25, linewidth=0.8)
    smoothed = np.convolve(losses, np.ones(window) / window, mode="valid")  # running mean
    axes.plot(steps[window - 1:], smoothed, color=color,
              label=label + (f" (mean of {window})" if window > 1 else ""))


def plot_history(history: History, path: str | os.PathLike | None = None) -> Figure:
    """A pretraining run: training loss next to the held-out losses; held-out accuracies.

    The held-out MLM numbers are those of the [MASK]ed positions, each beside its input-blind
    baseline (dashed, when recorded): the unigram loss and the most frequent token's accuracy; NSP
    accuracy beside the majority-class rate."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    plot_training_loss(loss_axes, history, "tab:blue", "training MLM + NSP loss")
    evals = [record for record in history["eval"] if "mlm_loss" in record]
    eval_steps = [record["step"] for record in evals]
    loss_axes.plot(eval_steps, [r["mlm_loss"] + r["nsp_loss"] for r in evals], "o-", color="tab:orange",
                   label="held-out MLM + NSP loss")
    loss_axes.plot(eval_steps, [r["mlm_loss"] for r in evals], "o-", color="tab:red",
                   label="held-out MLM loss at [MASK]")
    if evals and "mlm_unigram_loss" in evals[-1]:
        loss_axes.plot(eval_steps, [r["mlm_unigram_loss"] for r in evals], "--", color="tab:red",
                       alpha=0.6, label="unigram loss (input-blind)")
    loss_axes.set(xlabel="update", ylabel="loss", title="loss")
    loss_axes.legend()
    for name, baseline, label, color in (
            ("mlm_accuracy", "mlm_baseline_accuracy", "MLM at [MASK]", "tab:red"),
            ("nsp_accuracy", "nsp_majority_accuracy", "NSP", "tab:green")):
        accuracy_axes.plot(eval_steps, [r[name] for r in evals], "o-", color=color, label=f"held-out {label}")
        if evals and baseline in evals[-1]:
            accuracy_axes.plot(eval_steps, [r[baseline] for r in evals], "--", color=color, alpha=0.6,
                               label="most frequent token" if name == "mlm_accuracy" else "majority class")
    accuracy_axes.set(xlabel="update", ylabel="accuracy", ylim=(0, 1), title="held-out accuracy")
    accuracy_axes.legend()
    return save_figure(figure, path)


def plot_learning_curves(histories: dict[str, History], metric: str,
                         path: str | os.PathLike | None = None) -> Figure:
    """Training loss and the held-out ``metric`` of one or more fine-tuning runs on shared axes,
    e.g. ``{"pretrained": result.history, "random init": baseline.history}``."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    loss_axes, metric_axes = figure.subplots(1, 2)
    for (name, history), color in zip(histories.items(), COLORS):
        plot_training_loss(loss_axes, history, color, f"{name}: training loss", points=25)
        evals = [record for record in history["eval"] if metric in record]
        loss_axes.plot([r["step"] for r in evals], [r["loss"] for r in evals], "o--", color=color,
                       label=f"{name}: held-out loss")
        metric_axes.plot([r["step"] for r in evals], [r[metric] for r in evals], "o-", color=color, label=name)
    loss_axes.set(xlabel="update", ylabel="cross-entropy loss", title="loss")
    metric_axes.set(xlabel="update", ylabel=metric, title=f"held-out {metric}")
    loss_axes.legend()
    metric_axes.legend()
    return save_figure(figure, path)


def plot_confusion_matrix(matrix: torch.Tensor, label_names: Sequence[str], title: str = "confusion matrix",
                          ) -> Figure:
    """The counts as a heat map, with the number in each cell."""
    figure = Figure(figsize=(4.5, 4), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(matrix.numpy(), cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix.numpy()):
        dark = count > matrix.max().item() / 2
        axes.text(column, row, str(count), ha="center", va="center", color="white" if dark else "black")
    ticks = range(len(label_names))
    axes.set(xticks=ticks, yticks=ticks, xticklabels=label_names, yticklabels=label_names,
             xlabel="predicted", ylabel="true", title=title)
    figure.colorbar(image, ax=axes)
    return figure
