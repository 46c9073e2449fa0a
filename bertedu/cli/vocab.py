"""``python -m bertedu vocab``: train a WordPiece vocabulary (vocab.txt) on a corpus.

    python -m bertedu vocab --vocab-size 4000 --output data/vocab.txt            # the course corpus
    python -m bertedu vocab --corpus wiki.train.tokens --corpus-format wikitext \\
        --vocab-size 30000 --output wikitext-vocab.txt

Training uses the ``tokenizers`` library (see ``bertedu.tokenizer.vocab``); the special tokens come
first ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4) and the same corpus gives the same file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..corpus import FORMATS, course_corpus_files, read_corpus
from ..tokenizer.fast import BertTokenizerFast
from ..tokenizer.vocab import train_wordpiece, write_vocab


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", nargs="+", metavar="PATH",
                        help="corpus files (default: the course corpus, data/corpus/*.txt)")
    parser.add_argument("--corpus-format", choices=FORMATS, default="bert",
                        help="bert: a sentence per line, blank line between documents (default); "
                             "wikitext: WikiText's .tokens/.raw files; text: plain text")
    parser.add_argument("--vocab-size", type=int, default=4000,
                        help="tokens in the vocabulary, special tokens included (default 4000)")
    parser.add_argument("--min-frequency", type=int, default=2,
                        help="merge only pairs seen at least this often (default 2)")
    parser.add_argument("--cased", action="store_true",
                        help="keep case and accents (a cased vocabulary; default: uncased)")
    parser.add_argument("--output", required=True, metavar="FILE", help="where to write vocab.txt")


def run(args: argparse.Namespace) -> int:
    paths = args.corpus or course_corpus_files()
    if not paths:
        raise ValueError("no corpus: pass --corpus PATH... (the course corpus data/corpus/*.txt "
                         "is missing)")
    if args.min_frequency < 1:
        raise ValueError(f"--min-frequency must be at least 1, got {args.min_frequency}")
    if Path(args.output).is_dir():
        raise IsADirectoryError(f"--output {args.output} is a folder; pass a file name such as "
                                f"{Path(args.output) / 'vocab.txt'}")
    start = time.perf_counter()
    documents = read_corpus(paths, args.corpus_format)
    sentences = [sentence for document in documents for sentence in document]
    if not sentences:
        raise ValueError(f"the corpus ({len(paths)} file(s)) has no text")
    tokens = train_wordpiece(sentences, args.vocab_size, do_lower_case=not args.cased,
                             min_frequency=args.min_frequency)
    path = write_vocab(tokens, args.output)
    backend = BertTokenizerFast(path, do_lower_case=not args.cased).backend_tokenizer
    encodings = backend.encode_batch(sentences, add_special_tokens=False)
    words = sum(len(set(encoding.word_ids)) for encoding in encodings)
    pieces = sum(len(encoding.ids) for encoding in encodings)
    print(f"{len(documents)} documents, {len(sentences)} sentences, {words} words from "
          f"{len(paths)} file(s)")
    print(f"wrote {path}: {len(tokens)} tokens ({'cased' if args.cased else 'uncased'}); "
          f"{pieces / words:.2f} WordPieces per word on this corpus; "
          f"{time.perf_counter() - start:.1f} s")
    if len(tokens) < args.vocab_size:
        print(f"note: the corpus supports only {len(tokens)} tokens at --min-frequency "
              f"{args.min_frequency} (asked for {args.vocab_size})")
    return 0
