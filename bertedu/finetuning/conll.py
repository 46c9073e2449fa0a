"""CoNLL-2003 named entity recognition data: the file format and word-piece label alignment.

Section 5.3 of the BERT paper tags CoNLL-2003 named entities (persons, organisations, locations,
miscellaneous). The data has one word a line, ``token [POS chunk] NER-tag``, a blank line between
sentences and ``-DOCSTART-`` lines between documents. Tags mark entity spans: ``B-TYPE`` begins an
entity, ``I-TYPE`` continues it, ``O`` is outside. In IOB2 every entity starts with ``B-``; the
original files use IOB1, where an entity starts with ``I-`` unless it follows one of the same type.

BERT tags word pieces, not words. As in the paper, "we use the representation of the first
sub-token as the input to the token-level classifier": the first piece of each word carries the
word's label, the other pieces (and [CLS], [SEP], padding) get -100, which the loss ignores.
Entity-level scores are in ``bertedu.finetuning.ner_metrics``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

from ..labels import IGNORE_INDEX

CONLL2003_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")


def _is_tag(tag: str) -> bool:
    return tag == "O" or (tag[:2] in ("B-", "I-") and len(tag) > 2)


def _check_tag(tag: str, where: str) -> None:
    if not _is_tag(tag):
        raise ValueError(f"{where}: tag {tag!r} is not 'O', 'B-TYPE' or 'I-TYPE' (IOB1/IOB2)")


def to_iob2(tags: Sequence[str]) -> list[str]:
    """IOB1 -> IOB2: an ``I-X`` that does not continue an entity of type X becomes ``B-X``.
    Tags already in IOB2 come back unchanged."""
    converted: list[str] = []
    previous = "O"
    for tag in tags:
        _check_tag(tag, "to_iob2")
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        converted.append(tag)
        previous = tag
    return converted


def parse_conll(text: str, convert_to_iob2: bool = True,
                tag_column: int | None = None) -> list[tuple[list[str], list[str]]]:
    """(words, tags) sentences from the contents of a CoNLL file.

    The word is column 0. The NER tag is in column ``tag_column``; by default it is the
    last column of the first line that holds an IOB tag, so the original layout (``token POS
    chunk NER``) and variants such as ``token NER`` or ``token NER flag`` all read correctly.
    ``-DOCSTART-`` lines separate documents and are skipped. Tags are converted to IOB2 unless
    ``convert_to_iob2=False``.
    """
    if tag_column is not None and tag_column < 1:
        raise ValueError(f"tag_column must be >= 1 (column 0 is the token), got {tag_column}")
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(text.splitlines() + [""], start=1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if words:
                sentences.append((words, to_iob2(tags) if convert_to_iob2 else tags))
            words, tags = [], []
            continue
        if tag_column is None:
            tag_columns = [i for i, field in enumerate(fields) if i > 0 and _is_tag(field)]
            if not tag_columns:
                raise ValueError(f"line {number}: no column after the token holds an NER tag "
                                 f"('O', 'B-TYPE' or 'I-TYPE'): {line!r}")
            tag_column = tag_columns[-1]
        if len(fields) <= tag_column:
            raise ValueError(f"line {number}: expected a token and a tag in column {tag_column}, "
                             f"got {line!r}")
        _check_tag(fields[tag_column], f"line {number}")
        words.append(fields[0])
        tags.append(fields[tag_column])
    return sentences


def read_conll(path: str | os.PathLike, convert_to_iob2: bool = True,
               tag_column: int | None = None) -> list[tuple[list[str], list[str]]]:
    """(words, tags) sentences from a CoNLL-2003 file such as ``train.txt`` (see ``parse_conll``)."""
    with open(path, encoding="utf-8") as file:
        return parse_conll(file.read(), convert_to_iob2, tag_column)


def label_list(sentences: Sequence[tuple[Sequence[str], Sequence[str]]]) -> list[str]:
    """The tags used in ``sentences``: "O" first, then by entity type, ``B-`` before ``I-``."""
    tags = {tag for _, sentence_tags in sentences for tag in sentence_tags} | {"O"}
    return sorted(tags, key=lambda tag: (tag != "O", tag[2:], tag[:2]))


def tokenize_words(words: Sequence[str], tokenizer) -> tuple[list[str], list[int]]:
    """Word pieces of each word and, for every piece, the index of the word it came from.

    A word the tokenizer drops entirely (e.g. a lone control character) becomes [UNK], so every
    word keeps one piece to carry its label.
    """
    pieces: list[str] = []
    word_ids: list[int] = []
    for index, word in enumerate(words):
        word_pieces = tokenizer.tokenize(word) or [tokenizer.unk_token]
        pieces.extend(word_pieces)
        word_ids.extend([index] * len(word_pieces))
    return pieces, word_ids


def align_labels(word_ids: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """One label per token: the word's label on its first piece, -100 on later pieces and on
    special tokens (``word_id`` None)."""
    labels = []
    previous = None
    for word_id in word_ids:
        if word_id is None or word_id == previous:
            labels.append(IGNORE_INDEX)
        else:
            labels.append(word_labels[word_id])
        previous = word_id
    return labels


def encode_ner(sentences: Sequence[tuple[Sequence[str], Sequence[str]]], tokenizer,
               labels: Sequence[str] = CONLL2003_LABELS,
               max_length: int = 128) -> dict[str, torch.Tensor]:
    """``[CLS] pieces [SEP]`` for every sentence, truncated to ``max_length`` tokens and padded to
    the longest, with aligned ``labels`` (ids into ``labels``, -100 where there is no prediction)."""
    if not sentences:
        raise ValueError("encode_ner needs at least one (words, tags) sentence")
    if max_length < 3:
        raise ValueError(f"max_length must be at least 3 ([CLS] x [SEP]), got {max_length}")
    label_to_id = {label: index for index, label in enumerate(labels)}
    rows_ids, rows_labels = [], []
    for words, tags in sentences:
        unknown = sorted(set(tags) - set(label_to_id))
        if unknown:
            raise ValueError(f"tags {unknown} are not in the label list {list(labels)}")
        pieces, word_ids = tokenize_words(words, tokenizer)
        pieces, word_ids = pieces[:max_length - 2], word_ids[:max_length - 2]
        tokens = [tokenizer.cls_token] + pieces + [tokenizer.sep_token]
        rows_ids.append(tokenizer.convert_tokens_to_ids(tokens))
        rows_labels.append(align_labels([None] + word_ids + [None],
                                        [label_to_id[tag] for tag in tags]))
    length = max(len(row) for row in rows_ids)
    input_ids = torch.full((len(rows_ids), length), tokenizer.pad_token_id)  # (N, T)
    label_ids = torch.full((len(rows_ids), length), IGNORE_INDEX)  # (N, T)
    attention_mask = torch.zeros(len(rows_ids), length, dtype=torch.long)  # (N, T)
    for row, (ids, row_labels) in enumerate(zip(rows_ids, rows_labels)):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        label_ids[row, :len(ids)] = torch.tensor(row_labels)
        attention_mask[row, :len(ids)] = 1
    return {"input_ids": input_ids, "token_type_ids": torch.zeros_like(input_ids),
            "attention_mask": attention_mask, "labels": label_ids}


def word_tags(predictions: torch.Tensor, labels: torch.Tensor,
              label_names: Sequence[str]) -> list[list[str]]:
    """Tag names at the positions that carry a word's label (``labels != -100``), one list per
    sentence: ``word_tags(logits.argmax(-1), labels, names)`` gives the predicted word tags and
    ``word_tags(labels, labels, names)`` the gold ones, ready for ``ner_metrics.entity_scores``."""
    if predictions.shape != labels.shape or predictions.dim() != 2:
        raise ValueError(f"predictions and labels must both be (N, T), got "
                         f"{tuple(predictions.shape)} and {tuple(labels.shape)}")
    keep = labels != IGNORE_INDEX  # (N, T)
    return [[label_names[int(i)] for i in row[mask]] for row, mask in zip(predictions, keep)]
