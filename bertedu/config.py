"""BertConfig: the hyper-parameters of a BERT model.

BERT's paper (Devlin et al. 2018, section 3) names a model by its number of layers L, hidden size H
and attention heads A (BERT-base: L=12, H=768, A=12). The field names and defaults here are those of
Hugging Face's ``BertConfig``, so a ``config.json`` from the Hub reads straight in and ours loads in
``transformers``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .activations import ACT2FN
from .files import write_file

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
    # Keys we do not use but keep, so a round trip through our config loses nothing.
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.id2label is not None:
            self.id2label = {int(k): str(v) for k, v in self.id2label.items()}
            self.num_labels = len(self.id2label)
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first field that cannot describe a BERT model."""
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"BertConfig.{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads}): each head gets "
                f"hidden_size / num_attention_heads dimensions")
        if self.hidden_act not in ACT2FN:
            raise ValueError(
                f"BertConfig.hidden_act {self.hidden_act!r} is not supported; use one of {tuple(ACT2FN)}")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"BertConfig.{name} must be in [0, 1), got {value!r}")
        if not self.layer_norm_eps > 0:
            raise ValueError(f"BertConfig.layer_norm_eps must be > 0, got {self.layer_norm_eps!r}")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(
                f"BertConfig.pad_token_id ({self.pad_token_id}) must be in [0, vocab_size={self.vocab_size})")

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
        if values.get("position_embedding_type", "absolute") != "absolute" or values.get("is_decoder"):
            raise ValueError("bertedu implements BERT's encoder with absolute position embeddings; this "
                             f"config asks for position_embedding_type={values.get('position_embedding_type')!r}"
                             f", is_decoder={values.get('is_decoder')!r}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in values.items() if k in known}
        if "label2id" in values and "id2label" not in values:
            kwargs["id2label"] = {int(v): k for k, v in values["label2id"].items()}
        unknown = {k: v for k, v in {**values, **values.get("extra", {})}.items()
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
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
        if values.get("model_type", cls.model_type) != cls.model_type:
            raise ValueError(f"{path} describes a {values['model_type']!r} model, not {cls.model_type!r}")
        return cls.from_dict(values)

    def to_json_string(self, architectures: list[str] | None = None) -> str:
        """HF's config.json text: our fields plus ``model_type`` (and ``architectures`` if given)."""
        values = {"model_type": self.model_type, **({"architectures": architectures} if architectures else {}),
                  **self.to_dict()}
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, path: str | os.PathLike) -> None:
        """Write HF's config.json atomically (see ``bertedu.files``)."""
        write_file(path, self.to_json_string())


# Keys in HF's config.json that are bookkeeping, not model structure: no note for these.
_HF_BOOKKEEPING = {
    "model_type", "architectures", "transformers_version", "torch_dtype", "dtype", "_name_or_path",
    "position_embedding_type", "use_cache", "is_decoder", "add_cross_attention", "gradient_checkpointing",
    "chunk_size_feed_forward", "output_attentions", "output_hidden_states", "return_dict",
    "tie_word_embeddings", "bos_token_id", "eos_token_id", "tokenizer_class", "label2id",
}
