"""BertConfig: the hyper-parameters of a BERT model.

BERT's paper (Devlin et al. 2018, section 3) names a model by its number of layers L, hidden size H
and attention heads A (BERT-base: L=12, H=768, A=12). The field names and defaults here are those of
Hugging Face's ``BertConfig``, so a ``config.json`` from the Hub reads straight in and ours loads in
``transformers``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .activations import ACT2FN
from .files import read_json, write_file

# Google's released BERT sizes ("Well-Read Students Learn Better", Turc et al. 2019, and the paper).
SIZES = {
    "tiny": dict(num_hidden_layers=2, hidden_size=128, num_attention_heads=2, intermediate_size=512),
    "mini": dict(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024),
    "small": dict(num_hidden_layers=4, hidden_size=512, num_attention_heads=8, intermediate_size=2048),
    "medium": dict(num_hidden_layers=8, hidden_size=512, num_attention_heads=8, intermediate_size=2048),
    "base": dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072),
    "large": dict(num_hidden_layers=24, hidden_size=1024, num_attention_heads=16, intermediate_size=4096),
}


@dataclass
class BertConfig:
    model_type: ClassVar[str] = "bert"  # config.json's "model_type" (subclasses: other architectures)
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    # Task heads (fine-tuning) keep their label names here, as HF does.
    num_labels: int = 2
    id2label: dict[int, str] | None = None
    problem_type: str | None = None
    classifier_dropout: float | None = None
    # The MLM decoder shares the word-embedding matrix (HF's default); False: its own weight and bias.
    tie_word_embeddings: bool = True
    # Keys we do not use but keep, so a round trip through our config loses nothing.
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.id2label is not None:
            self.id2label = _label_names(self.id2label)
            self.num_labels = len(self.id2label)
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first field that cannot describe a BERT model."""
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size", "num_labels"):
            value = getattr(self, name)
            if not _is_integer(value) or value <= 0:
                raise ValueError(f"BertConfig.{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads}): each head gets "
                f"hidden_size / num_attention_heads dimensions")
        if not isinstance(self.hidden_act, str) or self.hidden_act not in ACT2FN:
            raise ValueError(
                f"BertConfig.hidden_act {self.hidden_act!r} is not supported; use one of {tuple(ACT2FN)}")
        probabilities = {"hidden_dropout_prob": self.hidden_dropout_prob,
                         "attention_probs_dropout_prob": self.attention_probs_dropout_prob}
        if self.classifier_dropout is not None:
            probabilities["classifier_dropout"] = self.classifier_dropout
        for name, value in probabilities.items():
            if not (_is_number(value) and 0.0 <= value < 1.0):
                raise ValueError(f"BertConfig.{name} must be a number in [0, 1), got {value!r}")
        if not (_is_number(self.layer_norm_eps) and self.layer_norm_eps > 0):
            raise ValueError(f"BertConfig.layer_norm_eps must be a number > 0, got {self.layer_norm_eps!r}")
        if not (_is_number(self.initializer_range) and self.initializer_range >= 0):
            raise ValueError(f"BertConfig.initializer_range must be a number >= 0, got {self.initializer_range!r}")
        if self.pad_token_id is not None and not (
                _is_integer(self.pad_token_id) and 0 <= self.pad_token_id < self.vocab_size):
            raise ValueError(
                f"BertConfig.pad_token_id ({self.pad_token_id!r}) must be an integer in [0, vocab_size={self.vocab_size})")
        if self.problem_type not in PROBLEM_TYPES:
            raise ValueError(f"BertConfig.problem_type must be one of {PROBLEM_TYPES}, got {self.problem_type!r}")
        if not isinstance(self.tie_word_embeddings, bool):
            raise ValueError(f"BertConfig.tie_word_embeddings must be true or false, got {self.tie_word_embeddings!r}")

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def label2id(self) -> dict[str, int] | None:
        return None if self.id2label is None else {v: k for k, v in self.id2label.items()}

    @classmethod
    def from_size(cls, name: str, **overrides: Any) -> "BertConfig":
        """One of Google's sizes by name: tiny, mini, small, medium, base, large."""
        if name not in SIZES:
            raise ValueError(f"unknown BERT size {name!r}; choose one of {sorted(SIZES)}")
        return cls(**{**SIZES[name], **overrides})

    @classmethod
    def from_dict(cls, values: dict[str, Any], warn_unknown: bool = True) -> "BertConfig":
        for key, allowed in ENCODER_ONLY.items():
            if key in values and values[key] != allowed:
                raise ValueError(f"bertedu implements BERT's encoder (absolute position embeddings, no "
                                 f"decoder, no cross-attention); this config asks for {key}={values[key]!r}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in values.items() if k in known}
        if "label2id" in values and "id2label" not in values:
            label2id = values["label2id"]
            if not isinstance(label2id, dict) or not all(_is_integer(v) for v in label2id.values()):
                raise ValueError(f"BertConfig.label2id must map label names to integer ids, got {label2id!r}")
            kwargs["id2label"] = {v: k for k, v in label2id.items()}
        extra = values.get("extra", {})
        if not isinstance(extra, dict):
            raise ValueError(f"BertConfig.extra must be a dict of keys bertedu keeps but does not use, got {extra!r}")
        unknown = {k: v for k, v in {**values, **extra}.items()
                   if k not in known and k != "extra" and k not in _HF_BOOKKEEPING}
        if warn_unknown and unknown:
            warnings.warn(f"BertConfig: ignoring keys bertedu does not use: {', '.join(sorted(unknown))}",
                          stacklevel=2)
        return cls(**kwargs, extra=unknown)

    def to_dict(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        if self.id2label is None:
            del values["id2label"]
        else:
            values["id2label"] = {str(k): v for k, v in self.id2label.items()}
            values["label2id"] = self.label2id
        for key in ("problem_type", "classifier_dropout"):
            if values[key] is None:
                del values[key]
        return {**self.extra, **values}

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> "BertConfig":
        """Read HF's config.json; every problem with it is a one-line ValueError naming the file."""
        values = read_json(path, "config file")
        if not isinstance(values, dict):
            raise ValueError(f"{path} must hold a JSON object of config fields, got {type(values).__name__}")
        if values.get("model_type", cls.model_type) != cls.model_type:
            raise ValueError(f"{path} describes a {values['model_type']!r} model, not {cls.model_type!r}")
        try:
            return cls.from_dict(values)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error

    def to_json_string(self, architectures: list[str] | None = None) -> str:
        """HF's config.json text: our fields plus ``model_type`` (and ``architectures`` if given)."""
        values = {"model_type": self.model_type, **({"architectures": architectures} if architectures else {}),
                  **self.to_dict()}
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, path: str | os.PathLike) -> None:
        """Write HF's config.json atomically (see ``bertedu.files``)."""
        write_file(path, self.to_json_string())


PROBLEM_TYPES = (None, "regression", "single_label_classification", "multi_label_classification")

# HF config keys for what bertedu does not implement (they change the numbers), at the one value it does.
ENCODER_ONLY = {"position_embedding_type": "absolute", "is_decoder": False, "add_cross_attention": False}

# Keys in HF's config.json that change neither the weights nor the numbers: no note for these.
_HF_BOOKKEEPING = {
    "model_type", "architectures", "transformers_version", "torch_dtype", "dtype", "_name_or_path",
    "use_cache", "gradient_checkpointing", "chunk_size_feed_forward", "output_attentions",
    "output_hidden_states", "return_dict", "bos_token_id", "eos_token_id", "tokenizer_class", "label2id",
    *ENCODER_ONLY,  # at the one value bertedu implements (from_dict refuses any other)
}


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _label_names(id2label: Any) -> dict[int, str]:
    """id2label with the integer keys 0..N-1 (JSON writes them as strings) and a name for each."""
    ids = {}
    if isinstance(id2label, dict):
        ids = {int(k): v for k, v in id2label.items() if _is_integer(k) or (isinstance(k, str) and k.isdecimal())}
    if (not ids or len(ids) != len(id2label) or sorted(ids) != list(range(len(ids)))
            or not all(isinstance(name, str) for name in ids.values())):
        raise ValueError(f"BertConfig.id2label must map every label id 0..N-1 to a name, e.g. "
                         f'{{"0": "negative", "1": "positive"}}, got {id2label!r}')
    return dict(sorted(ids.items()))
