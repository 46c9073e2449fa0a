"""A checkpoint's weight files, read without trusting them.

A checkpoint folder holds its weights in ``model.safetensors`` (a JSON header of names, dtypes and
shapes, then raw bytes: nothing in it can run), in ``pytorch_model.bin`` (a pickle, read with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers), or in
shards that an ``*.index.json`` lists. Files from the internet can be truncated, corrupt or
malicious; each such problem here is a one-line ValueError (OSError for a missing file) that names
the file and the tensor, before any of it reaches a model. ``hf.py`` maps the names.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open

from .files import read_json

SAFETENSORS_NAME = "model.safetensors"
PYTORCH_NAME = "pytorch_model.bin"
NOT_WEIGHTS = ("embeddings.position_ids", "embeddings.token_type_ids")  # integer buffers, not weights


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read the weights of a checkpoint folder (safetensors preferred, sharded or not). Every
    tensor but the integer buffers ``NOT_WEIGHTS`` must be a finite floating-point weight."""
    state_dict = {}
    for file in weight_files(path):
        tensors = _read_safetensors(file) if file.suffix == ".safetensors" else read_torch_file(file)
        if not isinstance(tensors, dict):
            raise ValueError(f"{file} holds a {type(tensors).__name__}, not a state dict (name -> tensor)")
        for name, tensor in tensors.items():
            if not isinstance(tensor, torch.Tensor):
                raise ValueError(f"{file}: {name} holds a {type(tensor).__name__}, not a tensor")
            if str(name).endswith(NOT_WEIGHTS):
                continue
            if not tensor.is_floating_point():
                raise ValueError(f"{file}: {name} has dtype {tensor.dtype}, but BERT's weights are "
                                 "floating point (float32, float16 or bfloat16)")
            if not bool(torch.isfinite(tensor).all()):
                raise ValueError(f"{file}: {name} holds NaN or infinite values; the checkpoint is "
                                 "broken (training diverged, or the file was damaged)")
        state_dict.update(tensors)
    return state_dict


def weight_files(path: str | os.PathLike) -> list[Path]:
    """The weight files of a checkpoint folder: one file, or the shards its index lists."""
    folder = checkpoint_folder(path)
    if (folder / SAFETENSORS_NAME).is_file():
        return [folder / SAFETENSORS_NAME]
    for index in (folder / (SAFETENSORS_NAME + ".index.json"), folder / (PYTORCH_NAME + ".index.json")):
        if index.is_file():
            return [folder / shard for shard in _shard_names(index)]
    if (folder / PYTORCH_NAME).is_file():
        return [folder / PYTORCH_NAME]
    raise FileNotFoundError(f"no weights in {folder}: expected {SAFETENSORS_NAME} or {PYTORCH_NAME}")


def _shard_names(index: Path) -> list[str]:
    """The shard files an ``*.index.json`` names: plain file names inside its folder, all present."""
    try:
        shards = set(read_json(index, "shard index")["weight_map"].values())
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{index} is not a shard index: expected UTF-8 JSON with a \"weight_map\" "
                         f"of tensor name -> shard file ({type(error).__name__}: {error})") from error
    for shard in shards:
        if not isinstance(shard, str) or shard != Path(shard).name or shard in ("", ".", ".."):
            raise ValueError(f"{index} names the shard {shard!r}; shards must be file names in the "
                             "index's own folder (no paths, no '..')")
        if not (index.parent / shard).is_file():
            raise FileNotFoundError(f"{index} names the shard {shard}, which is not in {index.parent}")
    return sorted(shards)


def _read_safetensors(file: Path) -> dict[str, torch.Tensor]:
    try:
        with safe_open(file, framework="pt") as weights:
            return {name: weights.get_tensor(name) for name in weights.keys()}
    except SafetensorError as error:
        raise ValueError(f"{file} is not a readable safetensors file ({error}); it is truncated "
                         "or corrupt: download or save it again") from error


def read_torch_file(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> Any:
    """``torch.load(weights_only=True)``: tensors and plain containers only, never pickled code.
    A truncated, corrupt or code-carrying file is a one-line ValueError naming it."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise ValueError(f"{path} is not a torch.save file of tensors: it is corrupt, or holds other "
                         "objects, which bertedu never unpickles (they could run code)") from error
    except (RuntimeError, EOFError) as error:
        reason = str(error).splitlines()[0] if str(error) else "the file ends too early"
        raise ValueError(f"{path} is truncated or corrupt ({reason})") from error


def checkpoint_folder(path: str | os.PathLike) -> Path:
    """``path`` as a folder, or FileNotFoundError saying how to get a Hub model as one."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is not a folder. bertedu loads local checkpoint folders (config.json + weights); "
            "to use a Hub model, download it first, e.g. transformers.BertModel.from_pretrained(name)"
            ".save_pretrained(folder), or huggingface_hub.snapshot_download(name)")
    return folder
