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
