"""The Unicode facts BERT's text rules need, as Hugging Face's Rust ``tokenizers`` knows them.

The BasicTokenizer's rules (see ``basic_tokenizer.py``) ask three questions about a character: its
Unicode general category (is it a control character, punctuation, a nonspacing accent mark?), its
canonical decomposition (NFD, to separate accents from letters) and its lowercase form. Python's
``unicodedata`` answers from the Unicode version Python ships (14.0 in Python 3.11, 16.0 in 3.14).
``transformers.BertTokenizer`` runs the Rust ``tokenizers`` library, whose category tables are from
Unicode 9.0 (2016), whose NFD tables lack a few later decompositions and whose lowercasing follows
Unicode 17.0. On characters Unicode added or re-classified since, the two disagree, and so would the
token ids. The three small tables below are exactly those disagreements, so that our pure-Python
rules give HF's ids on every string. They were found by running all 1,114,112 code points through
``tokenizers`` 0.23 and comparing with Unicode 14.0 to 17.0; ``tests/test_tokenizer_unicode.py``
re-checks over 100,000 code points (all but a sample of the uniform CJK and Hangul blocks) against
the installed ``tokenizers``. Ordinary text never meets these characters.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import cache

# Ranges of code points that are ordinary characters to the Unicode 9.0 tables (mostly unassigned
# then) but that newer Unicode versions made punctuation (Po), format controls (Cf) or nonspacing
# marks (Mn): to BERT's rules, as HF runs them, they are letters like any other.
_ORDINARY_IN_UNICODE_9 = [
    (0x061D, 0x061D), (0x07FD, 0x07FD), (0x0890, 0x08E2), (0x09FD, 0x09FE), (0x0A76, 0x0A76),
    (0x0AFA, 0x0AFF), (0x0B55, 0x0B55), (0x0C04, 0x0C3C), (0x0C77, 0x0C77), (0x0C84, 0x0C84),
    (0x0D00, 0x0D00), (0x0D3B, 0x0D3C), (0x0D81, 0x0D81), (0x0EBA, 0x0EBA), (0x0ECE, 0x0ECE),
    (0x180F, 0x1886), (0x1ABF, 0x1AEB), (0x1B4E, 0x1B4F), (0x1B7D, 0x1B7F), (0x1DF6, 0x1DFB),
    (0x2E43, 0x2E5D), (0xA82C, 0xA82C), (0xA8C5, 0xA8C5), (0xA8FF, 0xA8FF), (0xA9BD, 0xA9BD),
    (0x10D24, 0x10F89), (0x11070, 0x11074), (0x110C2, 0x110CD), (0x111CF, 0x111CF),
    (0x1123E, 0x11241), (0x1133B, 0x1133B), (0x113BB, 0x1145E), (0x11660, 0x1166C),
    (0x116B9, 0x116B9), (0x1182F, 0x11FFF), (0x12FF1, 0x1612F), (0x16D6D, 0x16F4F),
    (0x16FE2, 0x16FE4), (0x1CF00, 0x1CF46), (0x1E000, 0x1E6F5), (0x1E944, 0x1E95F),
]
_ORDINARY_STARTS = [first for first, _ in _ORDINARY_IN_UNICODE_9]

# Characters whose category changed after Unicode 9.0, with their Unicode 9.0 category.
_CATEGORY_IN_UNICODE_9 = {0x166D: "Po", 0x1734: "Mn", 0x111C9: "Po", 0x1171E: "Mn"}

# Characters whose canonical decomposition the Rust NFD tables do not have (Unicode 13.0 and 16.0
# additions): they stay whole. All of them are starters (combining class 0).
_NOT_DECOMPOSED = frozenset(map(chr, [
    0x105C9, 0x105E4, 0x11383, 0x11385, 0x1138E, 0x11391, 0x113C5, 0x113C7, 0x113C8, 0x11938,
    *range(0x16121, 0x16129), 0x16D68, 0x16D69, 0x16D6A,
]))

# Capital letters added in Unicode 16.0 and 17.0 (Rust lowercases them, Python 3.11 does not).
_LOWERCASE_ADDED = {
    0x1C89: 0x1C8A, 0xA7CB: 0x0264, 0xA7CC: 0xA7CD, 0xA7CE: 0xA7CF, 0xA7D2: 0xA7D3,
    0xA7D4: 0xA7D5, 0xA7DA: 0xA7DB, 0xA7DC: 0x019B,
    **{capital: capital + 0x20 for capital in range(0x10D50, 0x10D66)},  # Garay
    **{capital: capital + 0x1B for capital in range(0x16EA0, 0x16EB9)},  # Beria Erfe
}


@cache
def category(char: str) -> str:
    """The Unicode general category of ``char`` (two letters, e.g. "Lu", "Po", "Mn") as HF sees it."""
    code = ord(char)
    if code in _CATEGORY_IN_UNICODE_9:
        return _CATEGORY_IN_UNICODE_9[code]
    index = bisect_right(_ORDINARY_STARTS, code) - 1
    if index >= 0 and code <= _ORDINARY_IN_UNICODE_9[index][1]:
        return "Cn"
    return unicodedata.category(char)


def nfd(text: str) -> str:
    """Canonical decomposition (Unicode NFD): "é" (one code point) becomes "e" + U+0301 (two)."""
    if _NOT_DECOMPOSED.isdisjoint(text):
        return unicodedata.normalize("NFD", text)
    # A starter that stays whole splits the text into parts that normalize independently.
    parts, start = [], 0
    for index, char in enumerate(text):
        if char in _NOT_DECOMPOSED:
            parts += [unicodedata.normalize("NFD", text[start:index]), char]
            start = index + 1
    parts.append(unicodedata.normalize("NFD", text[start:]))
    return "".join(parts)


@cache
def lowercase(char: str) -> str:
    """The lowercase form of one character (one or more characters: "İ" becomes "i" + U+0307).

    Character by character, as Rust does: no context rules such as Greek final sigma ("Σ" is "σ").
    """
    code = ord(char)
    return chr(_LOWERCASE_ADDED[code]) if code in _LOWERCASE_ADDED else char.lower()
