"""RoBERTa's vocabulary: byte-level BPE (Liu et al. 2019, section 4.4; Radford et al. 2019, GPT-2).

BERT's WordPiece needs [UNK] for characters outside its vocabulary. Byte-level BPE starts from the
256 bytes, so *every* text has a tokenization and no token is unknown: text is split into words
(a leading space stays part of the word, shown as ``Ġ``), each word's UTF-8 bytes are mapped to
printable characters, and merges learned on the corpus join the most frequent neighbouring pairs.
RoBERTa uses 50K merges and no lowercasing. ``<s> A </s>`` (and ``<s> A </s></s> B </s>`` for
pairs) replace [CLS] and [SEP]. The files are GPT-2's: ``vocab.json`` and ``merges.txt``, which
``transformers.RobertaTokenizer`` reads; the ids are the same (``tests/test_family_tokenizer.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from ..files import json_text, write_files

SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0-4, as in roberta-base


def _roberta_pipeline(tokenizer: Tokenizer) -> Tokenizer:
    """Byte-level pre-tokenizer and decoder, and ``<s> ... </s>`` around each sequence."""
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")),
        add_prefix_space=False)
    return tokenizer


def train_byte_level_bpe(texts: Iterable[str], vocab_size: int = 4000, min_frequency: int = 2) -> Tokenizer:
    """Learn merges on ``texts`` until the vocabulary (special tokens + 256 bytes + merges) has
    ``vocab_size`` entries or no pair occurs ``min_frequency`` times."""
    minimum = len(SPECIAL_TOKENS) + len(pre_tokenizers.ByteLevel.alphabet())
    if vocab_size < minimum:
        raise ValueError(f"vocab_size must be at least {minimum} (5 special tokens + 256 bytes), got {vocab_size}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    return _roberta_pipeline(tokenizer)


def save_byte_level_bpe(tokenizer: Tokenizer, folder: str | os.PathLike) -> list[Path]:
    """Write vocab.json, merges.txt and tokenizer_config.json (for transformers), together."""
    model = json.loads(tokenizer.to_str())["model"]
    merges = [merge if isinstance(merge, str) else " ".join(merge) for merge in model["merges"]]
    folder = Path(folder)
    config = {"tokenizer_class": "RobertaTokenizer", "add_prefix_space": False, "bos_token": "<s>",
              "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>", "unk_token": "<unk>",
              "pad_token": "<pad>", "mask_token": "<mask>"}
    return write_files({folder / "vocab.json": json.dumps(model["vocab"], ensure_ascii=False),
                        folder / "merges.txt": "#version: 0.2\n" + "".join(m + "\n" for m in merges),
                        folder / "tokenizer_config.json": json_text(config)})


def load_byte_level_bpe(folder: str | os.PathLike) -> Tokenizer:
    """The tokenizer of a folder with vocab.json and merges.txt (ours or any RoBERTa's)."""
    folder = Path(folder)
    for name in ("vocab.json", "merges.txt"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"no {name} in {folder}: a byte-level BPE folder has vocab.json and merges.txt")
    tokenizer = Tokenizer(models.BPE.from_file(str(folder / "vocab.json"), str(folder / "merges.txt")))
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    return _roberta_pipeline(tokenizer)
