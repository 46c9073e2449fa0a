"""Running a model for predictions rather than training: eval mode, no gradients.

Dropout (paper section 3.3 of the Transformer; BERT uses 0.1 everywhere) is for training only, and
gradients are wasted work when nothing will be updated. ``eval_mode`` switches both off for a block
and afterwards puts the model back in the mode it was in, also when the block raises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[torch.device]:
    """Eval mode (no dropout) and no gradients inside the block; yields the model's device."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield next((p.device for p in model.parameters()), torch.device("cpu"))
    finally:
        model.train(was_training)
