"""Every character class, checked against the Rust ``tokenizers`` that transformers.BertTokenizer runs.

Each code point c is written as the word "a{c}b" and a long text of such words goes through our
BasicTokenizer and through HF's BERT normalizer + pre-tokenizer: the word lists must be identical.
That decides, for every character, whether it is dropped (control), whitespace, punctuation, a CJK
ideograph, an accent to strip, how it lowercases and how it decomposes. All code points of planes
0-3 and 14 (where every assigned character lives) are checked, and a sample of the other planes
(unassigned and private use). Inside the big uniform blocks (CJK ideographs, Hangul syllables)
every 13th character is checked, plus the first and last few of each block.
"""

from __future__ import annotations

import pytest

from bertedu.tokenizer.basic import BasicTokenizer

normalizers = pytest.importorskip("tokenizers.normalizers")
pre_tokenizers = pytest.importorskip("tokenizers.pre_tokenizers")

UNIFORM_BLOCKS = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x20000, 0x2A6DF),
                  (0x2A700, 0x2EBEF), (0x30000, 0x323AF)]


def sampled(code: int) -> bool:
    for first, last in UNIFORM_BLOCKS:
        if first <= code <= last:
            return code - first < 3 or last - code < 3 or code % 13 == 0
    return not 0xD800 <= code <= 0xDFFF


CODE_POINTS = [code for code in [*range(0x32400), *range(0xE0000, 0xE1000),
                                 *range(0x32400, 0x110000, 97)] if sampled(code)]
SETTINGS = [
    {"do_lower_case": True},                           # uncased: strip accents, then lowercase
    {"do_lower_case": False},                          # cased: cleaning, CJK and punctuation only
    {"do_lower_case": True, "strip_accents": False},   # lowercase only
    {"do_lower_case": False, "strip_accents": True},   # strip accents only
]


def rust_words(text: str, do_lower_case: bool, strip_accents=None) -> list[str]:
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                            strip_accents=strip_accents, lowercase=do_lower_case)
    return [word for word, _ in
            pre_tokenizers.BertPreTokenizer().pre_tokenize_str(normalizer.normalize_str(text))]


@pytest.mark.parametrize("setting", SETTINGS, ids=["uncased", "cased", "lower", "strip"])
def test_every_code_point_is_treated_as_hf_treats_it(setting):
    ours = BasicTokenizer(**setting)
    for start in range(0, len(CODE_POINTS), 8192):
        text = " ".join(f"a{chr(code)}b" for code in CODE_POINTS[start:start + 8192])
        expected = rust_words(text, **setting)
        words = ours.tokenize(text)
        if words != expected:
            mismatch = next(index for index, (a, b) in enumerate(zip(words, expected)) if a != b)
            pytest.fail(f"first difference at word {mismatch}: ours {words[mismatch:mismatch + 3]}"
                        f" vs HF {expected[mismatch:mismatch + 3]}")
