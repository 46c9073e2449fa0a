"""GLUE single-sentence classification data: the SST-2 sentiment task, read from its TSV files.

Section 4.1 of the BERT paper fine-tunes on the GLUE benchmark: the input is ``[CLS] sentence
[SEP]`` (or a sentence pair), the final hidden vector of [CLS] goes through one new linear layer,
and the model is trained with a softmax cross-entropy loss. SST-2 (Stanford Sentiment Treebank) is
GLUE's single-sentence task: movie-review sentences labelled 0 (negative) or 1 (positive), stored
as tab-separated ``sentence<TAB>label`` lines under a header line (read from ``.tsv.gz`` too).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

from ..files import read_utf8

SST2_LABELS = ("negative", "positive")


def parse_glue_tsv(text: str, text_column: str = "sentence",
                   label_column: str = "label") -> list[tuple[str, int]]:
    """(sentence, label) pairs from the contents of a GLUE TSV file with a header line.

    GLUE files are not CSV: quotes are ordinary characters, so lines are split on tabs only.
    """
    lines = text.splitlines()
    if not lines:
        raise ValueError("the GLUE TSV is empty; it needs a header line such as 'sentence\\tlabel'")
    header = lines[0].split("\t")
    for column in (text_column, label_column):
        if column not in header:
            raise ValueError(f"the GLUE TSV header has no column {column!r}; it has {header}")
    text_index, label_index = header.index(text_column), header.index(label_column)
    examples = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise ValueError(f"line {number} has {len(fields)} tab-separated fields, "
                             f"the header has {len(header)}: {line!r}")
        label = fields[label_index].strip()
        if not label.lstrip("-").isdigit():
            raise ValueError(f"line {number}: label {label!r} is not an integer class id")
        examples.append((fields[text_index].strip(), int(label)))
    return examples


def read_glue_tsv(path: str | os.PathLike, text_column: str = "sentence",
                  label_column: str = "label") -> list[tuple[str, int]]:
    """(sentence, label) pairs from a GLUE TSV file, e.g. SST-2's ``train.tsv`` or ``dev.tsv``; a
    ``.gz`` file is read decompressed."""
    return parse_glue_tsv(read_utf8(path, "GLUE TSV"), text_column, label_column)


def format_glue_tsv(examples: Sequence[tuple[str, int]]) -> str:
    """The text of a GLUE TSV file holding ``examples``: the header ``sentence<TAB>label``, then a
    line per example (what ``parse_glue_tsv`` reads back)."""
    bad = [sentence for sentence, _ in examples
           if not sentence.strip() or "\t" in sentence or sentence.splitlines() != [sentence]]
    if bad:
        raise ValueError(f"a GLUE TSV sentence is one line of text without tabs, got {bad[0]!r}")
    return "".join(f"{sentence}\t{label}\n" for sentence, label in [("sentence", "label"), *examples])


def encode_classification(examples: Sequence[tuple[str, int]], tokenizer,
                          max_length: int = 128) -> dict[str, torch.Tensor]:
    """Tokenize ``[CLS] sentence [SEP]`` for every example, truncated to ``max_length`` tokens and
    padded to the longest, plus the class ids as ``labels`` (the names HF's models take)."""
    if not examples:
        raise ValueError("encode_classification needs at least one (sentence, label) example")
    if max_length < 3:
        raise ValueError(f"max_length must be at least 3 ([CLS] x [SEP]), got {max_length}")
    sentences = [sentence for sentence, _ in examples]
    encoded = tokenizer(sentences, padding="longest", truncation=True, max_length=max_length,
                        return_tensors="pt")
    return {"input_ids": encoded["input_ids"],  # (N, T)
            "token_type_ids": encoded["token_type_ids"],  # (N, T), all 0: a single segment
            "attention_mask": encoded["attention_mask"],  # (N, T), 0 on padding
            "labels": torch.tensor([label for _, label in examples], dtype=torch.long)}  # (N,)


def accuracy(predictions: Sequence[int] | torch.Tensor, labels: Sequence[int] | torch.Tensor) -> float:
    """Fraction of predictions equal to the labels (SST-2's GLUE metric)."""
    predictions = torch.as_tensor(predictions)
    labels = torch.as_tensor(labels)
    if predictions.shape != labels.shape or predictions.numel() == 0:
        raise ValueError(f"accuracy needs predictions and labels of the same non-empty shape, got "
                         f"{tuple(predictions.shape)} and {tuple(labels.shape)}")
    return (predictions == labels).float().mean().item()
