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
unless ``strip_accents`` says otherwise) and off for cased ones. Rules 3, 4 and 6 change each
word on its own (the word's characters, one by one, for 3 and 4), so they are applied after 5; a
word listed in ``never_split_words`` skips them (Hugging Face's ``never_split``).
``tokenize_with_offsets`` gives the same words with the index in the text of each character.
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


def split_whitespace_with_offsets(chars: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Rule 5 on characters that carry their index in the text: the runs between whitespace."""
    words: list[list[tuple[str, int]]] = [[]]
    for char, index in chars:
        if char.isspace():
            words.append([])
        else:
            words[-1].append((char, index))
    return [word for word in words if word]


def split_punctuation_with_offsets(word: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Rule 6 on characters that carry their index in the text."""
    pieces: list[list[tuple[str, int]]] = [[]]
    for char, index in word:
        if is_punctuation(char):
            pieces += [[(char, index)], []]
        else:
            pieces[-1].append((char, index))
    return [piece for piece in pieces if piece]


class BasicTokenizer:
    """Raw text -> words, by rules 0-6 of the module docstring (HF's ``BasicTokenizer`` API).

    ``never_split``: rule 0, special tokens kept whole wherever they are written (HF does this in the
    tokenizer's added-tokens step; HF's ``BasicTokenizer.never_split`` is our ``never_split_words``).
    ``never_split_words``: whole words kept exactly as written (not lower-cased, stripped or split).
    """

    def __init__(self, do_lower_case: bool = True, never_split: Iterable[str] | None = None,
                 tokenize_chinese_chars: bool = True, strip_accents: bool | None = None,
                 never_split_words: Iterable[str] | None = None):
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split or ())
        self.never_split_words = set(never_split_words or ())
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        # Rule 0: longest first, so that a token is never cut short by another one it starts with.
        specials = sorted(self.never_split, key=len, reverse=True)
        self._special_pattern = re.compile(
            "(" + "|".join(map(re.escape, specials)) + ")") if specials else None

    def split_special_tokens(self, text: str) -> list[tuple[int, str, bool]]:
        """Rule 0: (start, piece, is_special_token) for the pieces of ``text``, in order."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")  # noqa: TRY004
        pieces, position = [], 0
        for match in self._special_pattern.finditer(text) if self._special_pattern else ():
            pieces += [(position, text[position:match.start()], False), (match.start(), match[0], True)]
            position = match.end()
        return [*pieces, (position, text[position:], False)]

    def tokenize(self, text: str) -> list[str]:
        words: list[str] = []
        for _, piece, special in self.split_special_tokens(text):
            words.extend([piece] if special else self._words(piece))  # rule 0: a special token, whole
        return words

    def tokenize_with_offsets(self, text: str) -> list[tuple[str, list[int]]]:
        """``tokenize``'s words, each with the index in ``text`` of every one of its characters.

        A character a rule drops is in no word; one a rule turns into several ("İ" lowercases to
        "i" + U+0307) gives each of them its index, as in the ``tokenizers`` library's alignments.
        """
        words: list[tuple[str, list[int]]] = []
        for start, piece, special in self.split_special_tokens(text):
            if special:
                words.append((piece, list(range(start, start + len(piece)))))
                continue
            chars = [(char, start + index) for index, original in enumerate(piece)
                     for char in self._clean(original)]                      # rules 1, 2
            for word in split_whitespace_with_offsets(chars):               # rule 5
                if "".join(char for char, _ in word) in self.never_split_words:
                    pieces = [word]
                else:
                    pieces = split_punctuation_with_offsets(                # rule 6
                        [(char, index) for original, index in word for char in self._fold(original)])
                words += [("".join(char for char, _ in p), [index for _, index in p]) for p in pieces]
        return words

    def whitespace_words_with_offsets(self, text: str) -> list[tuple[str, list[int]]]:
        """Rules 0 and 5 only, on the raw text (``BertTokenizer(do_basic_tokenize=False)``): the
        words between special tokens and whitespace, each with its characters' indices."""
        return [(match[0], list(range(start + match.start(), start + match.end())))
                for start, piece, _ in self.split_special_tokens(text)
                for match in re.finditer(r"\S+", piece)]

    def _clean(self, text: str) -> str:
        text = clean_text(text)                                  # rule 1
        return tokenize_chinese_chars(text) if self.tokenize_chinese_chars else text  # rule 2

    def _fold(self, text: str) -> str:
        if self.strip_accents or (self.strip_accents is None and self.do_lower_case):
            text = strip_accents(text)                           # rule 3
        return lower(text) if self.do_lower_case else text       # rule 4

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for word in self._clean(text).split():                   # rules 1, 2, 5
            if word in self.never_split_words:
                words.append(word)
            else:
                words.extend(split_on_punctuation(self._fold(word)))  # rules 3, 4, 6
        return words
