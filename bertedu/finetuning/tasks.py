"""The fine-tuning tasks: what each one reads, feeds the model, scores and predicts.

Figure 4 of the BERT paper fine-tunes one pretrained model for different tasks by changing only
the inputs and one output layer. A ``Task`` bundles what changes: the model class with its head
(``bertedu.finetuning.models``), the label names, the reader of the dataset's original file format, the
encoder that turns examples into model inputs and targets, the metric the paper reports, and a
``predict`` helper for new text. Sentence classification (SST-2, section 4.1) and named entity
recognition (CoNLL-2003, section 5.3) are here; question answering (SQuAD, sections 4.2-4.3) is in
``bertedu.finetuning.squad_task``, sentence polarity (SST-2's task on its source snippets) in
``bertedu.finetuning.polarity``.
"""

from __future__ import annotations

import abc
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from ..course import data_path
from ..inference import eval_mode
from .conll import CONLL2003_LABELS, encode_ner, read_conll, word_tags
from .glue import SST2_LABELS, accuracy, encode_classification, read_glue_tsv
from .models import BertForSequenceClassification, BertForTokenClassification
from .ner_metrics import entity_scores

EVAL_BATCH_SIZE = 64


@dataclass
class TaskData:
    """Encoded examples: model inputs and targets as tensors with a row per instance, and the
    examples they came from (SQuAD also keeps its ``features``, the windows over each context).

    Indexing gives one row as a dict, so a ``TaskData`` is a dataset for the ``Trainer``."""

    tensors: dict[str, torch.Tensor]
    examples: list
    features: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tensors["input_ids"])

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {name: tensor[index] for name, tensor in self.tensors.items()}


def trim_padding(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Cut every (B, T) tensor after the batch's longest sequence: short sentences padded to the
    dataset's longest would cost as much compute as the longest one."""
    length = int(batch["attention_mask"].sum(1).max())
    return {name: tensor[:, :length].contiguous() if tensor.dim() == 2 else tensor
            for name, tensor in batch.items()}


def collate(rows: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The Trainer's collator: stack rows into a batch, then ``trim_padding``."""
    return trim_padding({name: torch.stack([row[name] for row in rows]) for name in rows[0]})


def batches(data: TaskData, batch_size: int = EVAL_BATCH_SIZE,
            device: torch.device | str = "cpu") -> Iterator[dict[str, torch.Tensor]]:
    """The rows of ``data`` in order, ``batch_size`` at a time, trimmed and on ``device``."""
    for start in range(0, len(data), batch_size):
        batch = trim_padding({name: tensor[start:start + batch_size] for name, tensor in data.tensors.items()})
        yield {name: tensor.to(device) for name, tensor in batch.items()}


@dataclass(frozen=True)
class Task(abc.ABC):
    """What fine-tuning needs to know about one task; subclasses fill it in.

    A task is an immutable value built from its options (``SquadTask(doc_stride=64)``; ``get_task``
    builds one by name). The class constants say what the task is: ``labels`` become the
    checkpoint's ``id2label`` (None: the head has no label names); ``metrics`` name the headline
    numbers of ``evaluate``; ``sample_files`` are the course's copy of the task in ``data/``, in the
    folder ``sample_folder`` (train, dev, and test where there is one). The option ``max_length`` is
    the default input length in tokens.
    """

    name: ClassVar[str]
    model_class: ClassVar[type[nn.Module]]
    labels: ClassVar[tuple[str, ...] | None]
    metrics: ClassVar[tuple[str, ...]]
    sample_files: ClassVar[tuple[str, ...]]
    sample_folder: ClassVar[str] = "samples"
    max_length: int = 128

    def __post_init__(self) -> None:
        if not isinstance(self.max_length, int) or self.max_length < 8:
            raise ValueError(f"{self.name}: max_length must be at least 8 tokens, got {self.max_length!r}")

    @property
    def id2label(self) -> dict[int, str] | None:
        return None if self.labels is None else dict(enumerate(self.labels))

    def sample_path(self, split: str = "train") -> Path:
        """The course's copy of this task's ``split``: "train", "dev" (or "test" where there is one)."""
        splits = ("train", "dev", "test")[:len(self.sample_files)]
        if split not in splits:
            raise ValueError(f"{self.name} has the splits {', '.join(splits)}, not {split!r}")
        return data_path(self.sample_folder, self.sample_files[splits.index(split)])

    @abc.abstractmethod
    def read(self, path: str | os.PathLike) -> list:
        """The examples in a file of the dataset's original format."""

    @abc.abstractmethod
    def encode(self, examples: Sequence, tokenizer, max_length: int | None = None) -> TaskData:
        """Model inputs and targets for ``examples``, at most ``max_length`` tokens a row."""

    @abc.abstractmethod
    def evaluate(self, model: nn.Module, data: TaskData,
                 batch_size: int = EVAL_BATCH_SIZE) -> dict[str, float]:
        """The held-out loss and the task's metrics (fractions in [0, 1]; SQuAD: percentages)."""

    @abc.abstractmethod
    def predict(self, model: nn.Module, tokenizer, inputs: Sequence, max_length: int | None = None) -> list:
        """Predictions for new inputs, one per input."""

@dataclass(frozen=True)
class Sst2Task(Task):
    """SST-2 sentiment: ``[CLS] sentence [SEP]``, the pooled [CLS] vector -> 2 classes; accuracy."""

    name = "sst2"
    model_class = BertForSequenceClassification
    labels = SST2_LABELS
    metrics = ("accuracy",)
    sample_files = ("sst2_train.tsv", "sst2_dev.tsv")

    def read(self, path: str | os.PathLike) -> list[tuple[str, int]]:
        return read_glue_tsv(path)

    def encode(self, examples: Sequence[tuple[str, int]], tokenizer, max_length: int | None = None) -> TaskData:
        bad = sorted({label for _, label in examples} - set(range(len(self.labels))))
        if bad:
            raise ValueError(f"{self.name} labels are 0 (negative) and 1 (positive), got {bad}")
        return TaskData(encode_classification(examples, tokenizer, max_length or self.max_length), list(examples))

    def predicted_labels(self, model: nn.Module, data: TaskData,
                         batch_size: int = EVAL_BATCH_SIZE) -> tuple[torch.Tensor, float]:
        """The predicted class of every row (N,) and the mean loss (weighted by rows)."""
        predictions, loss = [], 0.0
        with eval_mode(model) as device:
            for batch in batches(data, batch_size, device):
                outputs = model(**batch)
                predictions.append(outputs.logits.argmax(-1).cpu())  # (B,)
                loss += outputs.loss.item() * len(batch["labels"])
        return torch.cat(predictions), loss / len(data)

    def evaluate(self, model: nn.Module, data: TaskData, batch_size: int = EVAL_BATCH_SIZE) -> dict[str, float]:
        predictions, loss = self.predicted_labels(model, data, batch_size)
        return {"loss": loss, "accuracy": accuracy(predictions, data.tensors["labels"])}

    def predict(self, model: nn.Module, tokenizer, inputs: Sequence[str],
                max_length: int | None = None) -> list[dict[str, float | str]]:
        """For each sentence its most likely label and that label's probability (softmax)."""
        if isinstance(inputs, str):
            raise TypeError("predict takes a list of sentences; for one, pass [sentence]")
        encoded = tokenizer(list(inputs), padding=True, truncation=True,
                            max_length=max_length or self.max_length, return_tensors="pt")
        with eval_mode(model) as device:
            logits = model(**{name: tensor.to(device) for name, tensor in encoded.items()}).logits
        probabilities = logits.float().softmax(-1).cpu()  # (N, num_labels)
        id2label = model.config.id2label or dict(enumerate(self.labels))
        return [{"label": id2label[int(row.argmax())], "score": float(row.max())} for row in probabilities]


WORD = re.compile(r"\w+(?:['’.-]\w+)*|[^\w\s]")  # words (with inner ' . -) and single punctuation marks


@dataclass(frozen=True)
class ConllTask(Task):
    """CoNLL-2003 NER: every word's first piece -> 9 IOB2 tags; entity-level F1 (conlleval)."""

    name = "conll"
    model_class = BertForTokenClassification
    labels = CONLL2003_LABELS
    metrics = ("precision", "recall", "f1")
    sample_files = ("conll_train.txt", "conll_dev.txt")

    def read(self, path: str | os.PathLike) -> list[tuple[list[str], list[str]]]:
        return read_conll(path)

    def encode(self, examples: Sequence[tuple[list[str], list[str]]], tokenizer,
               max_length: int | None = None) -> TaskData:
        return TaskData(encode_ner(examples, tokenizer, self.labels, max_length or self.max_length), list(examples))

    def predicted_tags(self, model: nn.Module, data: TaskData,
                       batch_size: int = EVAL_BATCH_SIZE) -> tuple[list[list[str]], float]:
        """Each sentence's predicted word tags and the mean loss (weighted by rows). Words cut off
        by ``max_length`` are tagged "O", so the gold entities there count as missed."""
        predicted, loss = [], 0.0
        with eval_mode(model) as device:
            for batch in batches(data, batch_size, device):
                outputs = model(**batch)
                predicted += word_tags(outputs.logits.argmax(-1).cpu(), batch["labels"].cpu(), self.labels)
                loss += outputs.loss.item() * len(batch["labels"])
        tags = [row + ["O"] * (len(words) - len(row)) for row, (words, _) in zip(predicted, data.examples)]
        return tags, loss / len(data)

    def evaluate(self, model: nn.Module, data: TaskData, batch_size: int = EVAL_BATCH_SIZE) -> dict[str, float]:
        predicted, loss = self.predicted_tags(model, data, batch_size)
        overall = entity_scores([tags for _, tags in data.examples], predicted)["overall"]
        return {"loss": loss, "precision": overall["precision"], "recall": overall["recall"], "f1": overall["f1"]}

    def predict(self, model: nn.Module, tokenizer, inputs: Sequence[str],
                max_length: int | None = None) -> list[list[tuple[str, str]]]:
        """Split each text into words and punctuation marks; tag every word: [(word, tag), ...]."""
        if isinstance(inputs, str):
            raise TypeError("predict takes a list of texts; for one, pass [text]")
        sentences = [(WORD.findall(text), ["O"] * len(WORD.findall(text))) for text in inputs]
        if not all(words for words, _ in sentences):
            raise ValueError("every text needs at least one word")
        tags, _ = self.predicted_tags(model, self.encode(sentences, tokenizer, max_length))
        return [list(zip(words, row)) for (words, _), row in zip(sentences, tags)]
