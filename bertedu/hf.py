"""Hugging Face checkpoint folders in and out: the name mapping, spelled out.

A BERT checkpoint is a ``config.json`` plus a state dict (name -> tensor). Our modules carry the same
attribute names as ``transformers``' ``modeling_bert.py`` (``encoder.layer.0.attention.self.query``),
so most names map to themselves. What differs between checkpoints in the wild, and what we fix here:

1. Prefix: models with a head keep the encoder under ``bert.`` (``bert.embeddings...``), a bare
   ``BertModel`` does not. We add or strip ``bert.`` to match the model being loaded.
2. Old TensorFlow-era names: LayerNorm parameters ``gamma``/``beta`` are ``weight``/``bias``.
3. Buffers that are not weights: ``embeddings.position_ids`` (and ``token_type_ids``) are dropped.
4. Tied weights (``tie_word_embeddings``): a tied name shares its tensor with an earlier one, is
   not saved, and must equal that one when a checkpoint holds both.
5. Descendants whose checkpoints name modules differently (ALBERT, DistilBERT: ``bertedu.family``)
   list ``checkpoint_renames``, pairs of (checkpoint's name part, ours) applied in order, both ways.

``weight_files`` reads the weights (safetensors, or ``torch.load(weights_only=True)`` for
``pytorch_model.bin``: never pickled code) and refuses broken files. Before a model is built,
``check_fits`` checks config.json against them on the ``meta`` device (shapes, no memory): a config
asking for more than its weights hold is an error, not a 60 GB allocation. Saving writes
``model.safetensors`` atomically.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save as save_safetensors

from .config import BertConfig
from .files import write_files
from .weight_files import NOT_WEIGHTS, SAFETENSORS_NAME, checkpoint_folder
from .weight_files import (
    read_state_dict as read_state_dict,  # re-exported: lesson 05 reads checkpoints from here
)

CONFIG_NAME = "config.json"
LAYER = re.compile(r"encoder\.layer\.(\d+)\.")
MAX_FRESH = 100_000_000  # parameters from_pretrained may initialise afresh (BERT-large's head: ~1M)


@dataclass
class LoadingInfo:
    """What a load did, in HF's words."""

    missing_keys: list[str] = field(default_factory=list)     # in the model, not in the checkpoint
    unexpected_keys: list[str] = field(default_factory=list)  # in the checkpoint, not in the model
    renamed_keys: dict[str, str] = field(default_factory=dict)  # checkpoint name -> our name
    mismatched_keys: list[str] = field(default_factory=list)  # skipped: another shape (ignore_mismatched_sizes)


def load_config(path: str | os.PathLike, config_class: type[BertConfig] = BertConfig,
                **overrides) -> BertConfig:
    folder = checkpoint_folder(path)
    config_file = folder / CONFIG_NAME
    if not config_file.is_file():
        raise FileNotFoundError(f"no {CONFIG_NAME} in {folder}: is this a BERT checkpoint folder?")
    config = config_class.from_json_file(config_file)
    if overrides:
        values = config.to_dict()
        if ("num_labels" in overrides and "id2label" not in overrides and "label2id" not in overrides
                and overrides["num_labels"] != config.num_labels):
            # A new number of labels makes the checkpoint's label names meaningless (as in transformers).
            values.pop("id2label", None)
            values.pop("label2id", None)
        config = config_class.from_dict({**values, **overrides}, warn_unknown=False)
    return config


def bare_name(name: str, prefix: str = "bert") -> str | None:
    """Rules 1-3 for a bare encoder: strip ``prefix.``, rename gamma/beta, None for a buffer."""
    bare = _layer_norm_renamed(name).removeprefix(prefix + ".")
    return None if bare.endswith(NOT_WEIGHTS) else bare


def _layer_norm_renamed(name: str) -> str:
    return name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")


def renamed(name: str, renames: tuple[tuple[str, str], ...], to_checkpoint: bool = False) -> str:
    """Rule 5: replace each (checkpoint part, our part) of ``renames`` in order (ours -> the
    checkpoint's with ``to_checkpoint``); rules whose part is inside another's come after it."""
    for checkpoint_part, model_part in renames:
        old, new = (model_part, checkpoint_part) if to_checkpoint else (checkpoint_part, model_part)
        name = name.replace(old, new, 1)
    return name


def hf_name_to_bertedu(name: str, prefix: str, model_keys: set[str]) -> str | None:
    """Map one checkpoint name to the model's name, or None for a buffer that is not a weight."""
    bare = bare_name(name, prefix)
    if bare is None:
        return None
    name = _layer_norm_renamed(name)
    if name in model_keys:
        return name
    with_prefix = f"{prefix}.{bare}"
    if with_prefix in model_keys:  # a bare encoder checkpoint loaded into a model with a head
        return with_prefix
    if bare in model_keys:         # a checkpoint with a head loaded into a bare BertModel
        return bare
    return name


def check_fits(model_class: type[torch.nn.Module], config: BertConfig, state_dict: dict[str, torch.Tensor],
               source: str = "checkpoint", ignore_mismatched_sizes: bool = False) -> None:
    """Refuse a config.json that asks for more than the weights hold, before any memory is used: no
    more encoder layers than the weights have, each tensor's shape the model's (checked on a model
    built on the ``meta`` device: shapes, no storage), and at most ``MAX_FRESH`` parameters left to
    initialise. Otherwise a 100 KB checkpoint whose config says 20,000 layers would allocate ~60 GB."""
    renames = getattr(model_class, "checkpoint_renames", ())
    layers = {int(match.group(1)) for name in state_dict if (match := LAYER.search(renamed(name, renames)))}
    needed = getattr(model_class, "checkpoint_layers", lambda config: config.num_hidden_layers)(config)
    if needed > len(layers):  # fewer for ALBERT, whose layers share one set of weights
        raise ValueError(f"{source}: config.json asks for num_hidden_layers={config.num_hidden_layers} "
                         f"but the weights hold {len(layers)} layers: config.json does not match the weights")
    with torch.device("meta"):
        skeleton = model_class(config)
    own = skeleton.state_dict()
    _, info = _match(skeleton, state_dict, source, ignore_mismatched_sizes)
    fresh = sum(own[name].numel() for name in info.missing_keys)
    if fresh > MAX_FRESH:
        raise ValueError(f"{source}: the config asks for {fresh:,} parameters that the weights do not "
                         f"hold (at most {MAX_FRESH:,} may be new, e.g. a head): config.json does not "
                         "match the weights")


def load_weights(model: torch.nn.Module, state_dict: dict[str, torch.Tensor],
                 source: str = "checkpoint", ignore_mismatched_sizes: bool = False) -> LoadingInfo:
    """Copy a checkpoint's tensors into ``model`` through the mapping, checking every shape.

    A tensor of another shape is an error, unless ``ignore_mismatched_sizes`` (as in transformers):
    then it is skipped, reported, and the model's freshly initialised tensor is kept (e.g. a
    classifier fine-tuned for 2 labels loaded for 3)."""
    mapped, info = _match(model, state_dict, source, ignore_mismatched_sizes)
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


def _match(model: torch.nn.Module, state_dict: dict[str, torch.Tensor], source: str,
           ignore_mismatched_sizes: bool) -> tuple[dict[str, torch.Tensor], LoadingInfo]:
    """Rules 1-4: the checkpoint's tensors under the model's names, and what did not fit."""
    own = model.state_dict()
    prefix = getattr(model, "base_model_prefix", "bert")
    info = LoadingInfo()
    mapped = {}
    for name, tensor in state_dict.items():
        target = hf_name_to_bertedu(renamed(name, getattr(model, "checkpoint_renames", ())), prefix, set(own))
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
    for alias, first in tied.items():
        if alias in mapped and first in mapped and not torch.equal(mapped[alias], mapped[first]):
            raise ValueError(f"{source}: {alias} differs from {first}, but config.json ties them "
                             "(tie_word_embeddings=true); set \"tie_word_embeddings\": false in "
                             "config.json to load them as two weights")
    loaded = {tied.get(name, name) for name in mapped}
    info.missing_keys = [k for k in own if k not in tied and k not in loaded]
    return mapped, info


def _tied_names(model: torch.nn.Module) -> dict[str, str]:
    """Rule 4: each name whose tensor is an earlier name's (e.g. the MLM decoder's weight is the
    word embeddings'), mapped to that earlier name. By identity, so that it works on ``meta``."""
    seen: dict[int, str] = {}
    tied = {}
    for name, tensor in model.state_dict(keep_vars=True).items():
        if id(tensor) in seen:
            tied[name] = seen[id(tensor)]
        else:
            seen[id(tensor)] = name
    return tied


def save(model: torch.nn.Module, path: str | os.PathLike) -> None:
    """Write config.json + model.safetensors into ``path``, together (``bertedu.files.write_files``):
    a failure while writing either leaves the folder's previous checkpoint whole."""
    folder = Path(path)
    tied = _tied_names(model)
    renames = getattr(model, "checkpoint_renames", ())
    tensors = {renamed(k, renames, to_checkpoint=True): v.detach().contiguous().cpu()
               for k, v in model.state_dict().items() if k not in tied}
    write_files({folder / CONFIG_NAME: model.config.to_json_string(architectures=[type(model).__name__]),
                 folder / SAFETENSORS_NAME: save_safetensors(tensors, metadata={"format": "pt"})})
