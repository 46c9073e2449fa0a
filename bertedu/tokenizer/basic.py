"""BERT's BasicTokenizer: from raw text to words, before WordPiece splits them into pieces.

The paper says only "We use WordPiece embeddings (Wu et al., 2016) with a 30,000 token vocabulary"
(Devlin et al. 2018, Section 3). The rules that come before WordPiece are in the released code
(google-research/bert ``tokenization.py``) and in Hugging Face's ``BertTokenizer``; we follow the
Rust implementation that ``transformers.BertTokenizer`` runs, in its order:

0. special tokens such as ``[MASK]`` written in the raw text are kept whole (matched exactly);
1. clean the text: drop NUL, U+FFFD and control characters, turn every kind of whitespace into " ";
2. put spaces around CJK ideographs, so each Chinese character becomes a word of its own;
3. strip accents (decompose with NFD, drop nonspacing marks): "café" becomes "cafe";
4. lowercase (the "uncased" models);
5. split on whitespace;
6. split off every punctuation character as a word of its own: "don't" becomes "don", "'", "t".

Steps 3 and 4 are on for uncased vocabularies (``do_lower_case=True``; accents follow lowercasing
unless ``strip_accents`` says otherwise) and off for cased ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from .unicode_tables import category, lowercase, nfd

# The CJK Unified Ideographs blocks (with extensions A to F and the compatibility ideographs), as HF's
# Rust code lists them. Hangul, Hiragana and Katakana are not here: those scripts put spaces between
# words. (Google's original code starts the fourth extension range at U+2B820, HF's Rust at U+2B920.)
CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


@cache
def is_whitespace(char: str) -> bool:
    """Tab, newline, carriage return, or a Unicode separator (Zs: spaces, Zl, Zp: line breaks)."""
    return char in "\t\n\r" or category(char) in ("Zs", "Zl", "Zp")


@cache
def is_control(char: str) -> bool:
    """A control (Cc), format (Cf, e.g. zero-width joiner), private-use or surrogate character.

    Tab, newline and carriage return are technically controls but count as whitespace.
    """
    return char not in "\t\n\r" and category(char) in ("Cc", "Cf", "Co", "Cs")


@cache
def is_punctuation(char: str) -> bool:
    """Unicode punctuation (P*), plus every non-alphanumeric printable ASCII character.

    The ASCII rule makes "$", "+", "<", "^", "`", "|", "~" punctuation too, although Unicode calls
    them symbols: BERT splits them off like ".".
    """
    code = ord(char)
    return (33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126
            or category(char).startswith("P"))


@cache
def is_chinese_char(char: str) -> bool:
    code = ord(char)
    return any(first <= code <= last for first, last in CJK_RANGES)


def clean_text(text: str) -> str:
    """Rule 1: drop NUL, the replacement character U+FFFD and controls; any whitespace becomes " "."""
    return "".join(" " if is_whitespace(char) else char for char in text
                   if char not in "\x00\ufffd" and not is_control(char))


def tokenize_chinese_chars(text: str) -> str:
    """Rule 2: spaces around every CJK ideograph, so that each becomes a word of its own."""
    return "".join(f" {char} " if is_chinese_char(char) else char for char in text)


def strip_accents(text: str) -> str:
    """Rule 3: decompose (NFD) and drop the nonspacing marks (Mn): "naïve" becomes "naive"."""
    return "".join(char for char in nfd(text) if category(char) != "Mn")


def lower(text: str) -> str:
    """Rule 4: lowercase, character by character (for ASCII text that is just ``str.lower``)."""
    return text.lower() if text.isascii() else "".join(map(lowercase, text))


def split_on_punctuation(word: str) -> list[str]:
    """Rule 6: every punctuation character becomes a word; the runs between them stay together."""
    pieces: list[str] = []
    start = 0
    for index, char in enumerate(word):
        if is_punctuation(char):
            if start < index:
                pieces.append(word[start:index])
            pieces.append(char)
            start = index + 1
    if start < len(word):
        pieces.append(word[start:])
    return pieces


class BasicTokenizer:
    """Raw text -> words, by rules 0-6 of the module docstring (HF's ``BasicTokenizer`` API)."""

    def __init__(self, do_lower_case: bool = True, never_split: Iterable[str] | None = None,
                 tokenize_chinese_chars: bool = True, strip_accents: bool | None = None):
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split or ())
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        # Rule 0: longest first, so that a token is never cut short by another one it starts with.
        specials = sorted(self.never_split, key=len, reverse=True)
        self._special_pattern = re.compile(
            "(" + "|".join(map(re.escape, specials)) + ")") if specials else None

    def tokenize(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")  # noqa: TRY004
        pieces = self._special_pattern.split(text) if self._special_pattern else [text]
        words: list[str] = []
        # re.split with a group alternates: text, special token, text, special token, ..., text.
        for index, piece in enumerate(pieces):
            if index % 2 == 1:
                words.append(piece)                          # rule 0: a special token, kept whole
            else:
                words.extend(self._words(piece))
        return words

    def _words(self, text: str) -> list[str]:
        text = clean_text(text)                                  # rule 1
        if self.tokenize_chinese_chars:
            text = tokenize_chinese_chars(text)                  # rule 2
        if self.strip_accents or (self.strip_accents is None and self.do_lower_case):
            text = strip_accents(text)                           # rule 3
        if self.do_lower_case:
            text = lower(text)                                   # rule 4
        words: list[str] = []
        for word in text.split():                                # rule 5
            words.extend(split_on_punctuation(word))             # rule 6
        return words
