"""BERT's special tokens and where they go: ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``.

"The first token of every sequence is always a special classification token ([CLS])" and sentence
pairs are separated "with a special token ([SEP])" (Devlin et al. 2018, Section 3). [PAD] fills a
batch to one length, [MASK] hides the tokens the masked language model predicts (Section 3.1) and
[UNK] stands for a word WordPiece cannot spell. The methods are Hugging Face's, with its results.
"""

from __future__ import annotations

from .encoding import with_special_tokens
from .folder import SPECIAL_TOKEN_NAMES


class SpecialTokensMixin:
    """The special tokens of a tokenizer with a ``vocab`` dict and ``unk_token`` ... ``mask_token``.

    Unlike transformers, bertedu requires every special token, [PAD] and [MASK] included, to be in
    the vocabulary (HF accepts a vocabulary without them and gives None for their ids): every
    pretraining and fine-tuning batch needs them.
    """

    @property
    def all_special_tokens(self) -> list[str]:
        return [getattr(self, name) for name in SPECIAL_TOKEN_NAMES]

    @property
    def all_special_ids(self) -> list[int]:
        return [self.vocab[token] for token in self.all_special_tokens]

    @property
    def special_tokens_map(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SPECIAL_TOKEN_NAMES}

    unk_token_id = property(lambda self: self.vocab[self.unk_token])
    sep_token_id = property(lambda self: self.vocab[self.sep_token])
    pad_token_id = property(lambda self: self.vocab[self.pad_token])
    cls_token_id = property(lambda self: self.vocab[self.cls_token])
    mask_token_id = property(lambda self: self.vocab[self.mask_token])

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return 3 if pair else 2

    def build_inputs_with_special_tokens(self, token_ids_0: list[int],
                                         token_ids_1: list[int] | None = None) -> list[int]:
        """``[CLS] A [SEP]``, or ``[CLS] A [SEP] B [SEP]`` for a pair."""
        return with_special_tokens(token_ids_0, token_ids_1, self.cls_token_id, self.sep_token_id)[0]

    def create_token_type_ids_from_sequences(self, token_ids_0: list[int],
                                             token_ids_1: list[int] | None = None) -> list[int]:
        """The segment ids of ``build_inputs_with_special_tokens``: 0 for [CLS] A [SEP], 1 for B [SEP]."""
        return with_special_tokens(token_ids_0, token_ids_1, self.cls_token_id, self.sep_token_id)[1]

    def get_special_tokens_mask(self, token_ids_0: list[int], token_ids_1: list[int] | None = None,
                                already_has_special_tokens: bool = False) -> list[int]:
        """1 where ``build_inputs_with_special_tokens`` puts a special token, 0 on A's and B's ids.

        With ``already_has_special_tokens=True`` the ids are a finished input: 1 marks every id of a
        special token ([UNK] too, as in HF), and there is no second sequence.
        """
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("already_has_special_tokens=True takes one finished sequence of ids "
                                 "(with [CLS] and [SEP] in it); token_ids_1 must be None")
            special = set(self.all_special_ids)
            return [int(index in special) for index in token_ids_0]
        mask = [1] + [0] * len(token_ids_0) + [1]
        return mask if token_ids_1 is None else mask + [0] * len(token_ids_1) + [1]
