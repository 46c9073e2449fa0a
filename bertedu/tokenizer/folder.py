"""A tokenizer folder on disk, as Hugging Face writes and reads it.

``vocab.txt`` holds the vocabulary (one token per line, the line number is the id),
``tokenizer_config.json`` the settings (lower-casing, accents, special tokens, maximum length).
transformers 5 may save ``tokenizer.json`` (the ``tokenizers`` library's file) instead of vocab.txt;
it holds the same vocabulary and settings, and we read both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..files import read_json, write_files
from .vocab import vocab_text

VOCAB_NAME = "vocab.txt"
CONFIG_NAME = "tokenizer_config.json"
TOKENIZER_JSON_NAME = "tokenizer.json"
SPECIAL_TOKEN_NAMES = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
SETTINGS = ("do_lower_case", "strip_accents", "tokenize_chinese_chars", "model_max_length", "never_split",
            "do_basic_tokenize", *SPECIAL_TOKEN_NAMES)


def read_tokenizer_folder(directory: str | os.PathLike) -> tuple[Path | dict[str, int], dict]:
    """(vocab.txt's path or tokenizer.json's vocabulary, the settings found in the folder)."""
    folder = Path(directory)
    options: dict = {}
    if (folder / VOCAB_NAME).is_file():
        vocab = folder / VOCAB_NAME
    elif (folder / TOKENIZER_JSON_NAME).is_file():
        vocab, options = _read_tokenizer_json(folder / TOKENIZER_JSON_NAME)
    else:
        raise FileNotFoundError(
            f"no {VOCAB_NAME} or {TOKENIZER_JSON_NAME} in {folder}: from_pretrained loads a local "
            "folder; for a Hub model, download it first, e.g. huggingface_hub.snapshot_download(name)")
    if (folder / CONFIG_NAME).is_file():
        config = read_json(folder / CONFIG_NAME, "tokenizer config")
        if not isinstance(config, dict):
            raise ValueError(f"tokenizer config {folder / CONFIG_NAME} must hold a JSON object of settings")
        options.update({key: _content(config[key]) for key in SETTINGS if key in config})
    if isinstance(options.get("model_max_length"), int) and options["model_max_length"] > 2**31:
        options["model_max_length"] = None      # HF's "no limit" placeholder (1e30)
    return vocab, options


def write_tokenizer_folder(directory: str | os.PathLike, tokens: list[str], config: dict) -> tuple[str, str]:
    """vocab.txt and tokenizer_config.json, both or neither (``bertedu.files``)."""
    folder = Path(directory)
    write_files({folder / VOCAB_NAME: vocab_text(tokens), folder / CONFIG_NAME: json.dumps(config, indent=2) + "\n"})
    return str(folder / VOCAB_NAME), str(folder / CONFIG_NAME)


def _read_tokenizer_json(path: Path) -> tuple[dict[str, int], dict]:
    """The vocabulary and BERT settings stored in a ``tokenizers`` file (tokenizer.json)."""
    data = read_json(path, "tokenizer file")
    if data.get("model", {}).get("type") != "WordPiece":
        raise ValueError(f"{path} is not a WordPiece tokenizer (model type "
                         f"{data.get('model', {}).get('type')!r}), so it is not BERT's")
    normalizer = data.get("normalizer") or {}
    options = {}
    if normalizer.get("type") == "BertNormalizer":
        options = {"do_lower_case": normalizer["lowercase"],
                   "strip_accents": normalizer["strip_accents"],
                   "tokenize_chinese_chars": normalizer["handle_chinese_chars"]}
    return data["model"]["vocab"], options


def _content(value):
    """Special tokens in some configs are dicts ({"content": "[MASK]", ...}); we need the text."""
    return value["content"] if isinstance(value, dict) and "content" in value else value
