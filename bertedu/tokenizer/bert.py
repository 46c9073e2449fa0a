"""BertTokenizer: text to BERT's input ids and back, written from scratch in Python.

Tokenization is two stages: the BasicTokenizer turns text into words (cleaning, CJK splitting,
accents, lowercasing, punctuation; ``basic.py``) and WordPiece splits each word into
vocabulary pieces (``wordpiece.py``). The ids are then packed into BERT's input format,
``[CLS] A [SEP] B [SEP]`` with segment ids, truncated and padded (``encoding.py``).
The API is Hugging Face's, and the ids and offsets are identical to ``transformers.BertTokenizer``
built from the same vocab.txt (tested on generated Unicode text and on real text, cased and uncased).
Where bertedu differs on purpose: every special token, [PAD] and [MASK] included, must be in the
vocabulary, and ``return_offsets_mapping=True`` works here too (HF's Python tokenizer refuses it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import ClassVar, Union

from . import encoding as encoding
from .basic import BasicTokenizer
from .folder import (  # noqa: F401 (the file names, for callers)
    CONFIG_NAME,
    SPECIAL_TOKEN_NAMES,
    TOKENIZER_JSON_NAME,
    VOCAB_NAME,
    read_tokenizer_folder,
    write_tokenizer_folder,
)
from .offsets import Offsets, with_special_offsets, word_piece_offsets
from .special_tokens import SpecialTokensMixin
from .vocab import load_vocab
from .wordpiece import WordpieceTokenizer

TextInput = Union[str, Sequence[str]]


class BertTokenizer(SpecialTokensMixin):
    """BERT's WordPiece tokenizer (HF's ``BertTokenizer`` API; ``vocab_file`` may also be a dict).

    ``never_split``: words kept exactly as written, neither lower-cased nor split on punctuation nor
    given to WordPiece, when they stand alone between whitespace (HF's rule: "[x]," is not "[x]").
    ``do_basic_tokenize=False``: no BasicTokenizer (so no ``never_split`` either), only WordPiece on
    the whitespace-separated words (no cleaning, no lower-casing); special tokens are still matched.
    """

    vocab_files_names: ClassVar[dict[str, str]] = {"vocab_file": VOCAB_NAME}
    model_input_names: ClassVar[list[str]] = ["input_ids", "token_type_ids", "attention_mask"]
    padding_side = "right"

    def __init__(self, vocab_file: str | os.PathLike | Mapping[str, int],
                 do_lower_case: bool = True, strip_accents: bool | None = None,
                 tokenize_chinese_chars: bool = True, unk_token: str = "[UNK]",
                 sep_token: str = "[SEP]", pad_token: str = "[PAD]", cls_token: str = "[CLS]",
                 mask_token: str = "[MASK]", model_max_length: int | None = None,
                 never_split: Sequence[str] | None = None, do_basic_tokenize: bool = True):
        self.vocab = dict(vocab_file) if isinstance(vocab_file, Mapping) else load_vocab(vocab_file)
        self.ids_to_tokens = {index: token for token, index in self.vocab.items()}
        self.do_lower_case, self.strip_accents = do_lower_case, strip_accents
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.never_split, self.do_basic_tokenize = list(never_split or ()), do_basic_tokenize
        self.model_max_length = model_max_length
        self.unk_token, self.sep_token, self.pad_token = unk_token, sep_token, pad_token
        self.cls_token, self.mask_token = cls_token, mask_token
        missing = [token for token in self.all_special_tokens if token not in self.vocab]
        if missing:
            raise ValueError(f"the vocabulary has no {', '.join(missing)}: BERT needs its special "
                             f"tokens {', '.join(self.all_special_tokens)} in vocab.txt")
        self.basic_tokenizer = BasicTokenizer(do_lower_case, self.all_special_tokens,
                                              tokenize_chinese_chars, strip_accents, self.never_split)
        self.wordpiece_tokenizer = WordpieceTokenizer(self.vocab, unk_token)

    # --- the vocabulary ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.vocab)

    vocab_size = property(__len__)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]):
        """Token(s) to id(s); tokens outside the vocabulary get the id of [UNK]."""
        if isinstance(tokens, str):
            return self.vocab.get(tokens, self.unk_token_id)
        return [self.vocab.get(token, self.unk_token_id) for token in tokens]

    def convert_ids_to_tokens(self, ids):
        """Id(s) to token(s): an int gives a str, a list (or 1-D tensor) gives a list."""
        ids = ids.tolist() if hasattr(ids, "tolist") else ids
        if isinstance(ids, int):
            return self._token(ids)
        return [self._token(index) for index in ids]

    def _token(self, index) -> str:
        try:
            return self.ids_to_tokens[int(index)]
        except KeyError:
            raise ValueError(f"id {int(index)} is not in the vocabulary (ids are 0 to "
                             f"{max(self.ids_to_tokens)})") from None

    # --- text to tokens to ids -----------------------------------------------------------------
    def tokenize(self, text: str, pair: str | None = None,
                 add_special_tokens: bool = False) -> list[str]:
        """Text (and an optional pair) to WordPiece tokens."""
        tokens, pair_tokens = self._tokens(text), (None if pair is None else self._tokens(pair))
        if add_special_tokens:
            return encoding.with_special_tokens(tokens, pair_tokens, self.cls_token, self.sep_token)[0]
        return tokens + (pair_tokens or [])

    def _tokens(self, text: str) -> list[str]:
        """The BasicTokenizer's words, each split by WordPiece (``BertTokenizerFast``: in Rust)."""
        if not self.do_basic_tokenize or self.never_split:  # the rarer options go the long way
            return self._tokens_with_offsets(text)[0]
        return [piece for word in self.basic_tokenizer.tokenize(text)
                for piece in self.wordpiece_tokenizer.tokenize_word(word)]

    def _tokens_with_offsets(self, text: str) -> tuple[list[str], Offsets]:
        """The tokens of ``text`` and the span of ``text`` each came from (``offsets``)."""
        basic, tokens, offsets = self.basic_tokenizer, [], []
        words = (basic.tokenize_with_offsets(text) if self.do_basic_tokenize
                 else basic.whitespace_words_with_offsets(text))
        for word, indices in words:
            kept = self.do_basic_tokenize and word in self.never_split  # as HF: a BasicTokenizer rule
            pieces = [word] if kept else self.wordpiece_tokenizer.tokenize_word(word)
            tokens += pieces
            offsets += word_piece_offsets(pieces, indices, self.unk_token)
        return tokens, offsets

    def batch_token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's WordPiece ids, no special tokens (``BertTokenizerFast``: one call into Rust)."""
        return [self.convert_tokens_to_ids(self._tokens(text)) for text in texts]

    def _encode_texts(self, texts: Sequence[str], offsets: bool = True) -> list[tuple[list[int], Offsets]]:
        """The ids of each text, without special tokens, and their offsets ((0, 0) if not ``offsets``)."""
        if not offsets:  # the short path: no character bookkeeping
            return [(ids, [(0, 0)] * len(ids)) for ids in self.batch_token_ids(texts)]
        return [(self.convert_tokens_to_ids(tokens), offsets)
                for tokens, offsets in map(self._tokens_with_offsets, texts)]

    def encode(self, text: str, text_pair: str | None = None, add_special_tokens: bool = True,
               max_length: int | None = None, truncation=None) -> list[int]:
        return self(text, text_pair, add_special_tokens=add_special_tokens, max_length=max_length,
                    truncation=truncation)["input_ids"]

    def __call__(self, text: TextInput, text_pair: TextInput | None = None,
                 add_special_tokens: bool = True, padding=False, truncation=None,
                 max_length: int | None = None, return_tensors: str | None = None,
                 return_offsets_mapping: bool = False) -> encoding.BatchEncoding:
        """Encode one text (or pair) or a batch: input_ids, token_type_ids, attention_mask.

        ``padding``: False, True / "longest" (to the batch's longest), "max_length".
        ``truncation``: False, True / "longest_first", "only_first", "only_second"; the default
        (None) truncates only when ``max_length`` is given. ``max_length`` counts special tokens.
        ``return_tensors="pt"`` gives LongTensors of shape (B, T), also for a single text.
        ``return_offsets_mapping=True`` adds ``offset_mapping``: each token's (start, end) characters
        in its text, (0, 0) for special tokens and padding (``offsets``; a (B, T, 2) tensor with "pt").
        """
        batched = not isinstance(text, str)
        if text_pair == "" and not batched:          # as HF: an empty pair for one text is no pair
            text_pair = None
        texts = encoding.as_text_list(text, "text")
        pairs = None if text_pair is None else encoding.as_text_list(text_pair, "text_pair")
        if pairs is not None and (batched == isinstance(text_pair, str) or len(pairs) != len(texts)):
            raise ValueError("text_pair must be a str for a single text, or a list of the same "
                             f"length as text for a batch (got {len(pairs)} pairs, {len(texts)} texts)")
        if return_tensors not in (None, "pt"):
            raise ValueError(f"return_tensors={return_tensors!r} is not supported: use None or 'pt'")
        strategy = encoding.truncation_strategy(truncation, max_length)
        padding = encoding.padding_strategy(padding)
        if (strategy or padding == "max_length") and max_length is None:
            max_length = self.model_max_length
        if padding == "max_length" and max_length is None:
            raise ValueError("padding='max_length' needs max_length")

        encoded_a = self._encode_texts(texts, return_offsets_mapping)
        encoded_b = ([(None, None)] * len(texts) if pairs is None
                     else self._encode_texts(pairs, return_offsets_mapping))
        rows = [self._build(a, b, add_special_tokens, strategy, max_length)
                for a, b in zip(encoded_a, encoded_b)]
        if not return_offsets_mapping:
            rows = [{key: row[key] for key in self.model_input_names} for row in rows]
        if padding:
            length = max_length if padding == "max_length" else max(
                len(row["input_ids"]) for row in rows)
            rows = encoding.pad(rows, length, self.pad_token_id)
        if return_tensors == "pt":
            return encoding.BatchEncoding(encoding.as_tensors(rows))
        if batched:
            return encoding.BatchEncoding({key: [row[key] for row in rows] for key in rows[0]})
        return encoding.BatchEncoding(rows[0])

    def _build(self, a: tuple[list[int], Offsets], b: tuple[list[int] | None, Offsets | None],
               add_special_tokens: bool, strategy: str | None, max_length: int | None) -> dict[str, list]:
        (ids_a, offsets_a), (ids_b, offsets_b) = a, b
        if strategy is not None and max_length is not None:
            specials = self.num_special_tokens_to_add(ids_b is not None) if add_special_tokens else 0
            if max_length < specials:
                raise ValueError(f"max_length={max_length} leaves no room: the special tokens alone "
                                 f"take {specials}")
            ids_a, ids_b = encoding.truncate(ids_a, ids_b, max_length - specials, strategy)
            offsets_a, offsets_b = offsets_a[:len(ids_a)], offsets_b and offsets_b[:len(ids_b)]
        if add_special_tokens:
            input_ids = self.build_inputs_with_special_tokens(ids_a, ids_b)
            token_type_ids = self.create_token_type_ids_from_sequences(ids_a, ids_b)
            offsets = with_special_offsets(offsets_a, offsets_b)
        else:
            input_ids, offsets = ids_a + (ids_b or []), offsets_a + (offsets_b or [])
            token_type_ids = [0] * len(ids_a) + [1] * len(ids_b or [])
        return {"input_ids": input_ids, "token_type_ids": token_type_ids,
                "attention_mask": [1] * len(input_ids), "offset_mapping": offsets}

    # --- ids back to text ----------------------------------------------------------------------
    def decode(self, token_ids, skip_special_tokens: bool = False) -> str:
        """Ids to text: ``##`` pieces glued to the piece before, the rest joined with spaces."""
        tokens = self.convert_ids_to_tokens(encoding.as_id_list(token_ids))
        if skip_special_tokens:
            tokens = [token for token in tokens if token not in self.all_special_tokens]
        return self.convert_tokens_to_string(tokens)

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Tokens to text as transformers 5's WordPiece decoder does: ``##`` pieces glued to the piece
        before, the rest joined with spaces, then " ," becomes "," (transformers 4's Python one only joined)."""
        return "".join(encoding.detokenize(index, token) for index, token in enumerate(tokens))

    def batch_decode(self, sequences, skip_special_tokens: bool = False) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    # --- files ---------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, **kwargs) -> BertTokenizer:
        """Load a local folder: vocab.txt (or the tokenizer.json that transformers 5 saves) and,
        optionally, tokenizer_config.json. Keyword arguments override the files' settings."""
        vocab, options = read_tokenizer_folder(directory)
        return cls(vocab, **{**options, **kwargs})

    def save_pretrained(self, directory: str | os.PathLike) -> tuple[str, str]:
        """Write vocab.txt (one token per line, in id order) and tokenizer_config.json, together."""
        tokens = [self.ids_to_tokens[index] for index in sorted(self.ids_to_tokens)]
        if sorted(self.ids_to_tokens) != list(range(len(tokens))):
            raise ValueError("the vocabulary's ids are not 0..N-1, so it cannot be written as vocab.txt")
        config = {"tokenizer_class": "BertTokenizer", "do_lower_case": self.do_lower_case,
                  "strip_accents": self.strip_accents, "tokenize_chinese_chars": self.tokenize_chinese_chars,
                  "never_split": self.never_split, "do_basic_tokenize": self.do_basic_tokenize, **self.special_tokens_map}
        if self.model_max_length is not None:
            config["model_max_length"] = self.model_max_length
        return write_tokenizer_folder(directory, tokens, config)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(vocab_size={self.vocab_size}, do_lower_case={self.do_lower_case}, "
                f"strip_accents={self.strip_accents}, tokenize_chinese_chars={self.tokenize_chinese_chars})")
