"""Cached tokenized corpora: cut a corpus into WordPieces once, read them back in a second.

Pretraining data (BERT paper, section 3.1) starts from every sentence of the corpus as WordPieces;
``instances`` then cuts those into sentence pairs. Tokenizing is the same work on every run with
the same text and vocabulary, so, as nanoGPT's ``prepare.py`` writes its ``train.bin`` of token ids
once, ``tokenize_corpus`` stores the ids of a tokenized corpus in a safetensors file (no pickle)
named after a SHA-256 of the text and of the tokenizer, and later runs read it instead of
tokenizing. The file holds three flat arrays: the ids of every sentence one after another, each
sentence's length, and each document's number of sentences. Empty sentences and documents keep
their place, so a split by document (``split_documents``) is the same on the text and on the
tokens, and the instances cut from either are identical.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save
from tqdm.auto import tqdm

from ..files import write_file

CACHE_FORMAT = 1        # bump when the file's layout changes: older files are then never read
ENCODE_BATCH = 4096     # sentences per call of the (Rust) tokenizer: a progress bar that moves


def default_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/bertedu/tokenized``, else ``~/.cache/bertedu/tokenized``; None for a user
    without a home folder (some containers run under a bare user id): then nothing is cached."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # Path.home(): no $HOME and no entry in the password database
        return None
    return base / "bertedu" / "tokenized"


def text_fingerprint(documents: Sequence[Sequence[str]]) -> str:
    """A SHA-256 of the documents' sentences, each after its length, so that two different corpora
    never hash the same text (even where a sentence holds a line break)."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(f"document {len(document)}\n".encode())
        for sentence in document:
            data = sentence.encode("utf-8", "surrogatepass")
            digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


def tokenizer_fingerprint(tokenizer) -> str:
    """A SHA-256 of what decides the WordPieces: the vocabulary in id order and the text rules."""
    rules = (tokenizer.do_lower_case, tokenizer.strip_accents, tokenizer.tokenize_chinese_chars,
             tokenizer.unk_token, tuple(tokenizer.never_split), tokenizer.do_basic_tokenize)
    digest = hashlib.sha256(repr(rules).encode("utf-8"))
    for token in tokenizer.convert_ids_to_tokens(range(len(tokenizer))):
        digest.update(token.encode("utf-8") + b"\n")
    return digest.hexdigest()


def cache_path(documents: Sequence[Sequence[str]], tokenizer, cache_dir: str | os.PathLike) -> Path:
    """Where the tokenized corpus is (or will be) stored in ``cache_dir``."""
    key = hashlib.sha256(f"{CACHE_FORMAT}:{text_fingerprint(documents)}:"
                         f"{tokenizer_fingerprint(tokenizer)}".encode()).hexdigest()
    return Path(cache_dir) / f"tokenized-{key[:32]}.safetensors"


def encode_corpus(documents: Sequence[Sequence[str]], tokenizer,
                  progress_bar: bool = True) -> dict[str, torch.Tensor]:
    """The three arrays of the cache file for documents of text sentences: ``ids`` (N,),
    ``sentence_lengths`` (S,), ``document_sizes`` (D,)."""
    sentences = [sentence for document in documents for sentence in document]
    ids: list[int] = []
    lengths: list[int] = []
    for start in tqdm(range(0, len(sentences), ENCODE_BATCH), desc="tokenizing", unit_scale=ENCODE_BATCH,
                      disable=not progress_bar):
        for row in tokenizer.batch_token_ids(sentences[start:start + ENCODE_BATCH]):
            ids.extend(row)
            lengths.append(len(row))
    return {"ids": torch.tensor(ids, dtype=torch.int32),
            "sentence_lengths": torch.tensor(lengths, dtype=torch.int64),
            "document_sizes": torch.tensor([len(document) for document in documents], dtype=torch.int64)}


def decode_corpus(arrays: dict[str, torch.Tensor], tokenizer) -> list[list[list[str]]]:
    """Documents of sentences of WordPieces from the three arrays (``encode_corpus``'s inverse)."""
    vocabulary = tokenizer.convert_ids_to_tokens(range(len(tokenizer)))
    tokens = [vocabulary[index] for index in arrays["ids"].tolist()]
    sentences, start = [], 0
    for length in arrays["sentence_lengths"].tolist():
        sentences.append(tokens[start:start + length])
        start += length
    documents, start = [], 0
    for size in arrays["document_sizes"].tolist():
        documents.append(sentences[start:start + size])
        start += size
    return documents


def _read(path: Path, tokenizer, documents: Sequence[Sequence[str]]) -> dict[str, torch.Tensor] | None:
    """The arrays of a cache file, or None when it is unreadable or does not fit the corpus."""
    try:
        arrays = load_file(path)
    except (SafetensorError, OSError):
        return None
    if set(arrays) != {"ids", "sentence_lengths", "document_sizes"}:
        return None
    ids, lengths, sizes = arrays["ids"], arrays["sentence_lengths"], arrays["document_sizes"]
    fits = (sizes.tolist() == [len(document) for document in documents]
            and int(lengths.sum()) == ids.numel() and int(sizes.sum()) == lengths.numel()
            and (ids.numel() == 0 or 0 <= int(ids.min()) <= int(ids.max()) < len(tokenizer)))
    return arrays if fits else None


def tokenize_corpus(documents: Sequence[Sequence[str]], tokenizer, cache_dir: str | os.PathLike | None = None,
                    progress_bar: bool = True) -> tuple[list[list[list[str]]], Path | None]:
    """Every sentence of every document as WordPieces, and the cache file used (None without a cache).

    With ``cache_dir`` the ids are read from the file named after the text and the tokenizer when
    it is there and fits; otherwise the corpus is tokenized and the file written (atomically). A
    cache that cannot be written (a read-only folder) only costs the time: a warning says so.
    """
    if not all(isinstance(sentence, str) for document in documents for sentence in document):
        raise TypeError("tokenize_corpus takes documents of text sentences (str); these are already "
                        "tokenized: pass them to prepare_pretraining_data as they are")
    path = None if cache_dir is None else cache_path(documents, tokenizer, cache_dir)
    arrays = None if path is None or not path.is_file() else _read(path, tokenizer, documents)
    if arrays is None:
        arrays = encode_corpus(documents, tokenizer, progress_bar)
        if path is not None:
            try:
                write_file(path, save(arrays, metadata={"format": str(CACHE_FORMAT)}))
            except OSError as error:
                warnings.warn(f"could not write the tokenized corpus to {path} ({error}); the next run "
                              "tokenizes it again", stacklevel=2)
                path = None
    return decode_corpus(arrays, tokenizer), path
