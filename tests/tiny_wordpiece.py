"""A tiny WordPiece vocabulary for the fine-tuning data tests: a few whole words and suffixes,
plus every lower-case letter, digit and ASCII punctuation mark, so any English word tokenizes,
most of them into several pieces (which is what label alignment and offsets must handle)."""

from __future__ import annotations

import string
from collections.abc import Iterable
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "a", "of", "in", "is", "was", "and", "to", "river", "film", "great", "bad", "john",
         "smith", "paris", "tower", "eiffel", "which", "what", "who", "where", "when", "how"]
SUFFIXES = ["##s", "##ed", "##ing", "##er", "##ly"]


def vocabulary(extra_words: Iterable[str] = ()) -> list[str]:
    characters = string.ascii_lowercase + string.digits
    tokens = (SPECIAL + WORDS + SUFFIXES + list(characters) + ["##" + c for c in characters]
              + list(string.punctuation))
    return tokens + sorted(set(extra_words) - set(tokens))


def make_tokenizer(directory: Path, extra_words: Iterable[str] = ()):
    """bertedu's BertTokenizer on the tiny vocabulary plus ``extra_words`` (lower-case whole
    words), transformers' BertTokenizer until bertedu's exists."""
    tokens = vocabulary(extra_words)
    vocab_file = directory / "vocab.txt"
    vocab_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    try:
        from bertedu.tokenizer.bert import BertTokenizer
    except ImportError:
        from transformers import BertTokenizer

        return BertTokenizer(vocab={token: i for i, token in enumerate(tokens)})
    return BertTokenizer(str(vocab_file))
