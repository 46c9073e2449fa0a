"""BertTokenizerFast: our BertTokenizer with the text-to-ids step done by the Rust ``tokenizers``.

The pure-Python tokenizer is written to be read; tokenizing a large corpus is faster in Rust.
``BertTokenizerFast`` builds a ``tokenizers.Tokenizer`` from the same vocabulary and the same BERT
rules (BERT normalizer, BERT pre-tokenizer, WordPiece, special tokens matched in raw text) and uses
it only to turn text into WordPiece tokens; everything else (pairs, truncation, padding, tensors,
decoding, saving) is ``BertTokenizer``'s code. The tests check that both give identical ids and
offsets (``return_offsets_mapping=True``: the Rust tokenizer tracks them as it normalizes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .bert import BertTokenizer
from .offsets import Offsets

# Rust strings are UTF-8, so a lone surrogate (U+D800..U+DFFF) cannot cross over: texts with one
# take the Python path, which drops surrogates like other control characters.
_SURROGATE = re.compile("[\ud800-\udfff]")


class BertTokenizerFast(BertTokenizer):
    """``BertTokenizer``'s API and ids, tokenized in Rust (``self.backend_tokenizer``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.never_split or not self.do_basic_tokenize:
            raise ValueError("BertTokenizerFast has no never_split or do_basic_tokenize=False (HF's "
                             "fast tokenizer ignores them silently): use BertTokenizer for those")
        from tokenizers import AddedToken, Tokenizer, models, normalizers, pre_tokenizers

        backend = Tokenizer(models.WordPiece(self.vocab, unk_token=self.unk_token,
                                             max_input_chars_per_word=100))
        backend.normalizer = normalizers.BertNormalizer(
            clean_text=True, handle_chinese_chars=self.tokenize_chinese_chars,
            strip_accents=self.strip_accents, lowercase=self.do_lower_case)
        backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        # Special tokens are matched in the raw text, before lowercasing (normalized=False).
        backend.add_special_tokens([AddedToken(token, special=True, normalized=False)
                                    for token in self.all_special_tokens])
        self.backend_tokenizer = backend

    def _tokens(self, text: str) -> list[str]:
        if not isinstance(text, str) or _SURROGATE.search(text):
            return super()._tokens(text)
        return self.backend_tokenizer.encode(text, add_special_tokens=False).tokens

    def _encode_texts(self, texts: Sequence[str], offsets: bool = True) -> list[tuple[list[int], Offsets]]:
        if any(_SURROGATE.search(text) for text in texts):
            return super()._encode_texts(texts, offsets)
        encodings = self.backend_tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [(encoding.ids, encoding.offsets) for encoding in encodings]

    def batch_token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if any(_SURROGATE.search(text) for text in texts):
            return super().batch_token_ids(texts)
        return [encoding.ids for encoding in self.backend_tokenizer.encode_batch(list(texts), add_special_tokens=False)]
