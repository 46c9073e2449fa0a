"""Build data/sentence_polarity/{train,dev,test}.tsv.gz, the polarity task, from Pang & Lee's files.

    python data/make_sentence_polarity.py --datasets ../shared/datasets

Reads ``sentence_polarity/rt-polarity.{neg,pos}`` (NLTK's copy, or Cornell's original: the reader
takes both encodings), drops exact duplicates, and splits with ``bertedu.finetuning.polarity
.split_polarity`` (seed 0, 500 snippets of each class in dev and in test, the rest in train). The
output is GLUE TSV (``sentence<TAB>label``, 0 negative, 1 positive), gzip-compressed without a
timestamp: from NLTK's copy (the one ``bertedu.archives`` pins) it is the shipped files byte for
byte (with the same zlib). Never put these snippets in a pretraining corpus scored on SST-2.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bertedu.archives import CORPORA  # noqa: E402
from bertedu.finetuning.polarity import (  # noqa: E402
    read_sentence_polarity,
    split_polarity,
    write_polarity_splits,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--output", type=Path, default=ROOT / "data" / "sentence_polarity")
    args = parser.parse_args()
    source = args.datasets / "sentence_polarity"
    pinned = CORPORA["sentence_polarity"].is_unpacked_in(source)
    print(f"{source}: {'the pinned NLTK copy' if pinned else 'not the pinned copy: the split will differ'}")
    examples = read_sentence_polarity(source)
    splits = split_polarity(examples)
    kept = sum(len(rows) for rows in splits.values())
    print(f"{len(examples):,} snippets, {len(examples) - kept:,} dropped as duplicates or under both labels")
    for name, path in write_polarity_splits(splits, args.output).items():
        labels = Counter(label for _, label in splits[name])
        print(f"{path}: {len(splits[name]):,} snippets ({labels[0]:,} negative, {labels[1]:,} positive), "
              f"{path.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
