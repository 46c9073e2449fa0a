"""Resumable training state: everything the next update depends on, saved so that it reads back.

Stopping a run and resuming it gives the very same loss curve only if the resumed run continues
*every* stream the uninterrupted one would have used: the weights, Adam's moment estimates, the
schedule's step, the position in the data, and the random number generators behind dropout
(PyTorch), data shuffles and masking (Python, NumPy, and a data collator's own ``rng``). This module
captures the generators as plain tensors, tuples and ints, so a checkpoint loads with
``torch.load(weights_only=True)``, which never runs pickled code; and writes checkpoints atomically.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .files import write_file
from .weight_files import read_torch_file


def rng_states(data_collator: object = None) -> dict[str, Any]:
    """The state of every random stream; a collator's counts if it has a ``random.Random`` ``rng``."""
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    states = {"python": random.getstate(), "torch": torch.get_rng_state(),
              "numpy": (name, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached_gaussian)}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    if isinstance(getattr(data_collator, "rng", None), random.Random):
        states["collator"] = data_collator.rng.getstate()
    return states


def set_rng_states(states: dict[str, Any], data_collator: object = None) -> None:
    """Put every random stream back where ``rng_states`` found it."""
    random.setstate(states["python"])
    torch.set_rng_state(states["torch"])
    name, keys, position, has_gauss, cached_gaussian = states["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), position, has_gauss, cached_gaussian))
    if "cuda" in states:
        torch.cuda.set_rng_state_all(states["cuda"])
    if "collator" in states:
        data_collator.rng.setstate(states["collator"])


def save_state(state: dict[str, Any], path: str | os.PathLike) -> None:
    """``torch.save`` atomically (``bertedu.files``): a crash leaves the old file or the new one."""
    write_file(path, lambda file: torch.save(state, file))


def load_state(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a state written by ``save_state`` without unpickling code (``weights_only=True``)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"cannot resume: no checkpoint at {path}; train once without resume")
    state = read_torch_file(path, map_location)
    if not isinstance(state, dict):
        raise ValueError(f"cannot resume from {path}: it holds a {type(state).__name__}, not the dict "
                         "of training state that save_state writes; train again without resume")
    return state
