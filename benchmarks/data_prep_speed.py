"""Data preparation speed: from a 2 M-word corpus to pretraining pairs, and what the cache saves.

The course's pretraining corpus (``data/pretraining/*.txt.gz``: the 1.49 M words of movie reviews
and the speeches, about 2 M words) with the course vocabulary, timed step by step as ``python -m bertedu pretrain`` runs
them: read the files; tokenize every sentence (one call per sentence, as before the cache existed;
in batches of 4,096 through Rust; read back from the cache file); cut the sentence pairs and fix the
held-out masks (``prepare_pretraining_data``, ``--dupe-factor`` 5, the CLI's default, and 10, ``make
pretrain``'s). Each step is timed ``--repeats`` times, alternating, and the median reported; the
tokens of the three tokenizing paths are checked equal.

    python benchmarks/data_prep_speed.py [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bertedu.corpus import pretraining_corpus_files, read_corpus  # noqa: E402
from bertedu.course import DATA_DIR  # noqa: E402
from bertedu.pretraining.cache import decode_corpus, encode_corpus, tokenize_corpus  # noqa: E402
from bertedu.pretraining.run import prepare_pretraining_data  # noqa: E402
from bertedu.tokenizer.fast import BertTokenizerFast  # noqa: E402


def timed(function, *arguments):
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result


def one_by_one(documents, tokenizer):
    """What tokenizing was before the cache: a call of the tokenizer per sentence."""
    return [[tokenizer.tokenize(sentence) for sentence in document] for document in documents]


def batched(documents, tokenizer):
    return decode_corpus(encode_corpus(documents, tokenizer, False), tokenizer)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the Rust tokenizer uses its own pool)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    paths = pretraining_corpus_files()
    tokenizer = BertTokenizerFast(DATA_DIR / "course-bert" / "vocab.txt")
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        for repeat in range(args.repeats):
            seconds, documents = timed(read_corpus, paths, "bert")
            times.setdefault("read the files", []).append(seconds)
            seconds, slow = timed(one_by_one, documents, tokenizer)
            times.setdefault("tokenize, one call per sentence", []).append(seconds)
            seconds, fast = timed(batched, documents, tokenizer)
            times.setdefault("tokenize, batches through Rust", []).append(seconds)
            if repeat == 0:  # the first call writes the cache file
                cold, _ = timed(tokenize_corpus, documents, tokenizer, cache_dir, False)
            seconds, (cached, path) = timed(tokenize_corpus, documents, tokenizer, cache_dir, False)
            times.setdefault("tokenize, read from the cache", []).append(seconds)
            if not slow == fast == cached:
                raise AssertionError("the three tokenizing paths gave different WordPieces")
            for dupe in (5, 10):
                seconds, data = timed(partial(prepare_pretraining_data, dupe_factor=dupe, progress_bar=False),
                                      cached, tokenizer, 128)
                times.setdefault(f"cut pairs, fix held-out masks (dupe {dupe})", []).append(seconds)
                pairs = len(data.train_dataset)
        size = path.stat().st_size
    words = sum(len(sentence.split()) for document in documents for sentence in document)
    pieces = sum(len(sentence) for document in cached for sentence in document)
    print(f"{len(paths)} files, {len(documents)} documents, {words:,} words, {pieces:,} WordPieces; "
          f"{pairs:,} training pairs at dupe 10; cache file {size / 1e6:.1f} MB "
          f"(written in {cold:.2f} s); {args.threads} threads, median of {args.repeats}")
    print("| step | seconds |\n|---|---:|")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"| {name} | {value:.2f} |")
    for dupe in (5, 10):
        before = (medians["read the files"] + medians["tokenize, one call per sentence"]
                  + medians[f"cut pairs, fix held-out masks (dupe {dupe})"])
        after = (medians["read the files"] + medians["tokenize, read from the cache"]
                 + medians[f"cut pairs, fix held-out masks (dupe {dupe})"])
        print(f"dupe {dupe}: {before:.1f} s tokenizing sentence by sentence, {after:.1f} s with the cache")
    return medians


if __name__ == "__main__":
    main()
