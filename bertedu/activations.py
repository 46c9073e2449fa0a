"""The feed-forward activation functions a BERT config may name (``hidden_act``).

BERT's feed-forward sub-layer uses a GELU (Hendrycks & Gimpel 2016) where the Transformer used a
ReLU (paper section 3.3 of "Attention Is All You Need"; BERT section 3). The original TensorFlow
code computed GELU with a tanh approximation, which transformers calls "gelu_new"; transformers'
"gelu" is the exact one. ``ACT2FN`` maps each name to its function, and is the one list of the names
that ``BertConfig`` accepts.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact GELU: x * Phi(x) with Phi the standard normal CDF (HF's "gelu")."""
    return F.gelu(x)


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    """The tanh approximation of GELU used by GPT-2 and the original TF BERT (HF's "gelu_new")."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT2FN = {"gelu": gelu, "gelu_new": gelu_new, "relu": F.relu}
