"""Tokenizer speed: bertedu's pure-Python BertTokenizer vs HF's Python and Rust tokenizers.

Every tokenizer turns the same lines of real text into ids ([CLS] ... [SEP]) with the same
vocab.txt; we time them alternately (A B C ... A B C ...) so background load hits all alike, report
the median and tokens per second (WordPiece tokens, special tokens not counted), and check that the
ids are identical to transformers.BertTokenizer's. Text: WikiText-2's test split when
../shared/datasets/wikitext-2 is next to the repository (about 390k tokens), else the course corpus.

    python benchmarks/tokenizer_speed.py [--repeats 3] [--vocab data/vocab.txt] [--text FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import tokenizers
import transformers
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from bertedu.corpus import course_corpus
from bertedu.course import DATA_DIR
from bertedu.tokenizer.bert import BertTokenizer, load_vocab
from bertedu.tokenizer.fast import BertTokenizerFast

# ../shared/datasets next to the repository, where this project's workplace keeps public data
WIKITEXT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "wikitext-2" / "test.txt"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vocab", type=Path, default=DATA_DIR / "vocab.txt")
    parser.add_argument("--text", type=Path, default=WIKITEXT if WIKITEXT.is_file() else None,
                        help="a text file, one paragraph per line (default: WikiText-2 test, "
                             "else the course corpus)")
    return parser.parse_args(argv)


def load_lines(path: Path | None) -> tuple[list[str], str]:
    if path is None:
        return [sentence for document in course_corpus() for sentence in document], "course corpus"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line], str(path)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    lines, source = load_lines(args.text)
    vocab = load_vocab(args.vocab)
    hf_rust = transformers.BertTokenizer(vocab=dict(vocab))
    candidates = {
        "bertedu BertTokenizer (Python)": BertTokenizer(args.vocab),
        "HF BertTokenizerLegacy (Python)": BertTokenizerLegacy(str(args.vocab)),
        "bertedu BertTokenizerFast (Rust)": BertTokenizerFast(args.vocab),
        "HF BertTokenizer (Rust tokenizers)": hf_rust,
    }
    encode = {name: (lambda tokenizer=tokenizer: tokenizer(lines)["input_ids"])
              for name, tokenizer in candidates.items()}
    # The Rust library on its own, without transformers' conversion of its output to Python lists.
    encode["tokenizers encode_batch (Rust, bare)"] = lambda: [
        encoding.ids for encoding in hf_rust.backend_tokenizer.encode_batch(lines)]

    reference = hf_rust(lines)["input_ids"]
    n_tokens = sum(len(ids) - 2 for ids in reference)
    identical = {name: sum(a != b for a, b in zip(fn(), reference)) for name, fn in encode.items()}

    times: dict[str, list[float]] = {name: [] for name in encode}
    for _ in range(args.repeats):
        for name, fn in encode.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    seconds = {name: statistics.median(values) for name, values in times.items()}
    ours = seconds["bertedu BertTokenizer (Python)"]

    print(f"{len(lines)} lines, {n_tokens} WordPiece tokens from {source}; vocab {args.vocab} "
          f"({len(vocab)} tokens); {os.cpu_count()} CPUs; transformers {transformers.__version__}, "
          f"tokenizers {tokenizers.__version__}; median of {args.repeats}")
    print(f"{'':38}{'seconds':>9}{'tokens/s':>12}{'x bertedu':>11}  ids = HF BertTokenizer")
    for name, value in seconds.items():
        same = "yes" if identical[name] == 0 else f"no ({identical[name]} lines differ)"
        print(f"{name:38}{value:9.2f}{n_tokens / value:12,.0f}{ours / value:11.1f}  {same}")
    return {"seconds": seconds, "tokens": n_tokens, "lines_differing": identical}


if __name__ == "__main__":
    main()
