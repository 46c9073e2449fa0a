"""Sentence polarity: Pang & Lee's 10,662 movie-review snippets, the course's own sentiment dataset.

Bo Pang and Lillian Lee (2005, "Seeing stars", ACL) collected 5,331 positive and 5,331 negative
snippets of Rotten Tomatoes reviews (the sentence polarity dataset v1.0, "MR"), lower-cased and
tokenized, one a line in ``rt-polarity.pos`` and ``rt-polarity.neg``. The BERT paper fine-tunes on
SST-2 (section 4.1), and the Stanford Sentiment Treebank was built by parsing these same snippets:
``PolarityTask`` is SST-2's task on SST's source, with SST-2's labels, shipped whole (CC BY 4.0) in
``data/sentence_polarity/`` as GLUE TSVs, so it fine-tunes offline. The flip side: a model
pretrained on these snippets has seen SST-2's sentences; keep them out of any pretraining corpus
that is later scored on SST-2.

Encoding. Cornell's original files are Windows-1252 bytes. NLTK's copy (which ``data/`` was built
from) is UTF-8, converted by reading those bytes as Latin-1: the quotes and dashes that Windows-1252
puts at 0x80-0x9F became the C1 control characters U+0080-U+009F, and NLTK replaced U+0085 (the
ellipsis "…") by a space. ``decode_polarity`` reads UTF-8 and falls back to Latin-1 (which reads
any byte), then maps every C1 control character to its Windows-1252 meaning (U+0096 -> "–"), so
both copies read the same, apart from the ellipses that NLTK turned into spaces.

The split (``split_polarity``): exact duplicates are dropped (a snippet found under both labels is
dropped altogether), then each class is shuffled with ``random.Random(seed)``; its first
``held_out_per_class`` snippets go to test, the next as many to dev, the rest to train, and each
split is shuffled (so its first N rows hold both classes). Seed 0 and 500 a class give the shipped
8,662 / 1,000 / 1,000.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import gzip_bytes, write_files
from .glue import format_glue_tsv
from .tasks import Sst2Task

POLARITY_FILES = {0: "rt-polarity.neg", 1: "rt-polarity.pos"}  # the label of each file (SST-2's ids)
SPLITS = ("train", "dev", "test")
UNDEFINED_IN_WINDOWS_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # these stay as they are
C1_AS_WINDOWS_1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
                      if code not in UNDEFINED_IN_WINDOWS_1252}


def decode_polarity(data: bytes) -> str:
    """The text of a sentence-polarity file, from Cornell's Windows-1252 original or NLTK's UTF-8 copy."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # a character per byte; the C1 range is mapped below
    return text.translate(C1_AS_WINDOWS_1252)


def read_polarity_file(path: str | os.PathLike) -> list[str]:
    """The snippets of ``rt-polarity.pos`` or ``rt-polarity.neg``: one a line, surrounding whitespace
    stripped (most lines end with a space, some start with one), empty lines skipped."""
    lines = decode_polarity(Path(path).read_bytes()).split("\n")  # not splitlines(): no break but \n
    return [line.strip() for line in lines if line.strip()]


def read_sentence_polarity(folder: str | os.PathLike) -> list[tuple[str, int]]:
    """(snippet, label) pairs from a folder with both files: the negatives (0), then the positives (1)."""
    return [(snippet, label) for label, name in POLARITY_FILES.items()
            for snippet in read_polarity_file(Path(folder) / name)]


def unique_examples(examples: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``examples`` without exact duplicates (the first is kept) nor snippets found under two labels."""
    labels: dict[str, set[int]] = {}
    for sentence, label in examples:
        labels.setdefault(sentence, set()).add(label)
    kept = dict.fromkeys(example for example in examples if len(labels[example[0]]) == 1)
    return list(kept)


def split_polarity(examples: Sequence[tuple[str, int]], held_out_per_class: int = 500,
                   seed: int = 0) -> dict[str, list[tuple[str, int]]]:
    """{"train", "dev", "test"}: ``held_out_per_class`` snippets of each class in dev and in test,
    the rest in train, no snippet in two splits (the module docstring gives the rule)."""
    examples = unique_examples(examples)
    rng = random.Random(seed)
    splits: dict[str, list[tuple[str, int]]] = {name: [] for name in SPLITS}
    for label in sorted({label for _, label in examples}):
        sentences = [sentence for sentence, other in examples if other == label]
        if len(sentences) <= 2 * held_out_per_class:
            raise ValueError(f"label {label} has {len(sentences)} distinct snippets: too few for "
                             f"{held_out_per_class} in dev, as many in test and some left to train on")
        rng.shuffle(sentences)
        held_out = {"test": sentences[:held_out_per_class],
                    "dev": sentences[held_out_per_class:2 * held_out_per_class],
                    "train": sentences[2 * held_out_per_class:]}
        for name, part in held_out.items():
            splits[name] += [(sentence, label) for sentence in part]
    for rows in splits.values():
        rng.shuffle(rows)
    return splits


def write_polarity_splits(splits: dict[str, list[tuple[str, int]]],
                          folder: str | os.PathLike) -> dict[str, Path]:
    """Each split as ``folder/SPLIT.tsv.gz``, a GLUE TSV gzip-compressed the same way every time."""
    paths = {name: Path(folder) / f"{name}.tsv.gz" for name in splits}
    write_files({paths[name]: gzip_bytes(format_glue_tsv(rows).encode("utf-8")) for name, rows in splits.items()})
    return paths


@dataclass(frozen=True)
class PolarityTask(Sst2Task):
    """Sentence polarity, SST-2's task and labels on the shipped split: ``sample_path`` gives
    ``data/sentence_polarity/{train,dev,test}.tsv.gz``."""

    name = "polarity"
    sample_folder = "sentence_polarity"
    sample_files = ("train.tsv.gz", "dev.tsv.gz", "test.tsv.gz")
