"""The optimizer's setup: AdamW's two weight-decay groups and the warmup-then-linear-decay schedule.

BERT's paper, appendix A.2: "Adam with learning rate of 1e-4, beta1 = 0.9, beta2 = 0.999, L2 weight
decay of 0.01, learning rate warmup over the first 10,000 steps, and linear decay of the learning
rate." The released code applies the decay as AdamW does (decoupled from the gradient) and exempts
biases and LayerNorm parameters from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn


def param_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Two AdamW groups: weights decay, biases and LayerNorm parameters do not (as in BERT's code)."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():  # tied weights are listed once
        if not parameter.requires_grad:
            continue
        skip = name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name
        (no_decay if skip else decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def linear_schedule_with_warmup(optimizer: torch.optim.Optimizer, num_warmup_steps: int,
                                num_training_steps: int, decay: bool = True,
                                time_left: Callable[[], float] | None = None, warmup_time: float = 0.0,
                                ) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate x step/warmup for the first ``num_warmup_steps``, then linearly down to 0
    (or, with ``decay=False``, constant: a schedule that a time limit may cut anywhere).

    ``time_left()`` (the share of a time budget still unspent, 1 -> 0) makes the schedule follow the
    clock as well as the updates, whichever is further along: the warmup also ends once
    ``warmup_time`` of the budget is spent, and the decay reaches 0 when the budget does, so a run
    stopped by its time limit is neither cut at a high learning rate nor stuck in a warmup planned
    for more updates than the budget allows."""
    if not 0 <= warmup_time < 1:
        raise ValueError(f"warmup_time is a share of the time budget in [0, 1), got {warmup_time}")

    def factor(step: int) -> float:
        if step < num_warmup_steps:
            by_time = (1.0 - time_left()) / warmup_time if time_left is not None and warmup_time > 0 else 0.0
            progress = max(step / max(1, num_warmup_steps), by_time)
            if progress < 1:
                return progress
        if not decay:
            return 1.0
        by_steps = max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))
        if time_left is None:
            return min(1.0, by_steps)
        return min(1.0, by_steps, max(0.0, time_left()) / (1 - warmup_time))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
