"""Hugging Face checkpoint folders in and out: the name mapping, spelled out.

A BERT checkpoint is a ``config.json`` plus a state dict (name -> tensor). Our modules carry the same
attribute names as ``transformers``' ``modeling_bert.py`` (``encoder.layer.0.attention.self.query``),
so most names map to themselves. What differs between checkpoints in the wild, and what we fix here:

1. Prefix: models with a head keep the encoder under ``bert.`` (``bert.embeddings...``), a bare
   ``BertModel`` does not. We add or strip ``bert.`` to match the model being loaded.
2. Old TensorFlow-era names: LayerNorm parameters ``gamma``/``beta`` are ``weight``/``bias``.
3. Buffers that are not weights: ``embeddings.position_ids`` (and ``token_type_ids``) are dropped.

Weights are read with safetensors, or ``torch.load(weights_only=True)`` for ``pytorch_model.bin``:
loading never runs pickled code. Saving writes ``model.safetensors`` atomically.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .config import BertConfig

CONFIG_NAME = "config.json"
SAFETENSORS_NAME = "model.safetensors"
PYTORCH_NAME = "pytorch_model.bin"
NOT_WEIGHTS = ("embeddings.position_ids", "embeddings.token_type_ids")


@dataclass
class LoadingInfo:
    """What a load did, in HF's words."""

    missing_keys: list[str] = field(default_factory=list)     # in the model, not in the checkpoint
    unexpected_keys: list[str] = field(default_factory=list)  # in the checkpoint, not in the model
    renamed_keys: dict[str, str] = field(default_factory=dict)  # checkpoint name -> our name
    mismatched_keys: list[str] = field(default_factory=list)  # skipped: another shape (ignore_mismatched_sizes)


def load_config(path: str | os.PathLike, **overrides) -> BertConfig:
    folder = _folder(path)
    config_file = folder / CONFIG_NAME
    if not config_file.is_file():
        raise FileNotFoundError(f"no {CONFIG_NAME} in {folder}: is this a BERT checkpoint folder?")
    config = BertConfig.from_json_file(config_file)
    if overrides:
        values = config.to_dict()
        if ("num_labels" in overrides and "id2label" not in overrides and "label2id" not in overrides
                and overrides["num_labels"] != config.num_labels):
            # A new number of labels makes the checkpoint's label names meaningless (as in transformers).
            values.pop("id2label", None)
            values.pop("label2id", None)
        config = BertConfig.from_dict({**values, **overrides}, warn_unknown=False)
    return config


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read the weights of a checkpoint folder (safetensors preferred, sharded or not)."""
    folder = _folder(path)
    if (folder / SAFETENSORS_NAME).is_file():
        return load_file(folder / SAFETENSORS_NAME)
    for index_name, reader in ((SAFETENSORS_NAME + ".index.json", load_file),
                               (PYTORCH_NAME + ".index.json", _load_bin)):
        if (folder / index_name).is_file():
            shards = sorted(set(json.loads((folder / index_name).read_text())["weight_map"].values()))
            state_dict = {}
            for shard in shards:
                state_dict.update(reader(folder / shard))
            return state_dict
    if (folder / PYTORCH_NAME).is_file():
        return _load_bin(folder / PYTORCH_NAME)
    raise FileNotFoundError(f"no weights in {folder}: expected {SAFETENSORS_NAME} or {PYTORCH_NAME}")


def _load_bin(file: Path) -> dict[str, torch.Tensor]:
    return torch.load(file, map_location="cpu", weights_only=True)


def hf_name_to_bertedu(name: str, prefix: str, model_keys: set[str]) -> str | None:
    """Map one checkpoint name to the model's name, or None for a buffer that is not a weight."""
    name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
    bare = name[len(prefix) + 1:] if name.startswith(prefix + ".") else name
    if bare.endswith(NOT_WEIGHTS):
        return None
    if name in model_keys:
        return name
    with_prefix = f"{prefix}.{bare}"
    if with_prefix in model_keys:  # a bare encoder checkpoint loaded into a model with a head
        return with_prefix
    if bare in model_keys:         # a checkpoint with a head loaded into a bare BertModel
        return bare
    return name


def load_weights(model: torch.nn.Module, state_dict: dict[str, torch.Tensor],
                 source: str = "checkpoint", ignore_mismatched_sizes: bool = False) -> LoadingInfo:
    """Copy a checkpoint's tensors into ``model`` through the mapping, checking every shape.

    A tensor of another shape is an error, unless ``ignore_mismatched_sizes`` (as in transformers):
    then it is skipped, reported, and the model's freshly initialised tensor is kept (e.g. a
    classifier fine-tuned for 2 labels loaded for 3)."""
    own = model.state_dict()
    prefix = getattr(model, "base_model_prefix", "bert")
    info = LoadingInfo()
    mapped = {}
    for name, tensor in state_dict.items():
        target = hf_name_to_bertedu(name, prefix, set(own))
        if target is None:
            continue
        if target != name:
            info.renamed_keys[name] = target
        if target not in own:
            info.unexpected_keys.append(name)
            continue
        if tuple(own[target].shape) != tuple(tensor.shape):
            if ignore_mismatched_sizes:
                info.mismatched_keys.append(name)
                continue
            raise ValueError(f"{source}: {name} has shape {tuple(tensor.shape)} but the model's {target} "
                             f"has {tuple(own[target].shape)}: config.json does not match the weights "
                             "(for a head with another number of labels pass ignore_mismatched_sizes=True)")
        mapped[target] = tensor
    tied = _tied_names(model)
    info.missing_keys = [k for k in own if k not in mapped and k not in tied]
    model.load_state_dict(mapped, strict=False)
    model.tie_weights()
    name = type(model).__name__
    if info.missing_keys:
        warnings.warn(f"Some weights of {name} were not initialized from {source} and are newly "
                      f"initialized: {info.missing_keys}. Train the model before using it for predictions.",
                      stacklevel=3)
    if info.mismatched_keys:
        warnings.warn(f"Some weights of {source} have another shape than in {name} and were not used: "
                      f"{info.mismatched_keys}; they are newly initialized.", stacklevel=3)
    if info.unexpected_keys:
        warnings.warn(f"Some weights of {source} were not used when initializing {name}: "
                      f"{info.unexpected_keys}. This is expected when the checkpoint has a head this "
                      f"model does not (e.g. pretraining heads loaded into BertModel).", stacklevel=3)
    return info


def _tied_names(model: torch.nn.Module) -> set[str]:
    """Names that share storage with an earlier name (e.g. the MLM decoder and word embeddings)."""
    seen: dict[int, str] = {}
    tied = set()
    for name, tensor in model.state_dict(keep_vars=True).items():
        key = tensor.data_ptr()
        if key in seen:
            tied.add(name)
        else:
            seen[key] = name
    return tied


def save(model: torch.nn.Module, path: str | os.PathLike) -> None:
    """Write config.json + model.safetensors into ``path``, each file atomically."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    config_dict = {"model_type": "bert", "architectures": [type(model).__name__],
                   **model.config.to_dict()}
    tied = _tied_names(model)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items() if k not in tied}
    _atomic_write(folder / CONFIG_NAME, lambda f: f.write_text(json.dumps(config_dict, indent=2) + "\n"))
    _atomic_write(folder / SAFETENSORS_NAME, lambda f: save_file(tensors, str(f), metadata={"format": "pt"}))


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; read once, when bertedu loads
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _atomic_write(target: Path, write) -> None:
    """Write to a temporary file in the same folder, then rename: a crash never leaves half a file."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")  # same folder: atomic rename
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # safetensors writes owner-only (0600) files; use the usual mode
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _folder(path: str | os.PathLike) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is not a folder. bertedu loads local checkpoint folders (config.json + weights); "
            "to use a Hub model, download it first, e.g. transformers.BertModel.from_pretrained(name)"
            ".save_pretrained(folder), or huggingface_hub.snapshot_download(name)")
    return folder
