"""Reading pretraining corpora: documents made of sentences.

BERT is pretrained on "the BooksCorpus (800M words) and English Wikipedia (2,500M words)", and "it
is critical to use a document-level corpus rather than a shuffled sentence-level corpus ... in
order to extract long contiguous sequences" (Devlin et al. 2018, Section 3.1). Next sentence
prediction needs to know where documents begin and end, so every reader here returns the same
shape: a list of documents, each a list of sentences (strings).

Formats:
- ``bert``: the input format of google-research/bert's ``create_pretraining_data.py`` and of the
  course corpus ``data/corpus/*.txt``: one sentence per line, a blank line between documents. Pang
  & Lee's polarity v2.0 movie reviews come this way too (a file per review, a sentence per line).
  Files ending in ``.gz`` are read decompressed (``data/pretraining/*.txt.gz``).
- ``wikitext``: WikiText-2/-103 as released (``wiki.*.tokens`` or ``wiki.*.raw``): one paragraph
  per line, `` = Title = `` starts an article (a document), `` = = Section = = `` headings are
  dropped, ``@-@``/``@,@``/``@.@`` are joined back ("1 @,@ 000" -> "1,000") and the ``<unk>``
  of the tokenized version becomes BERT's ``[UNK]``. Paragraphs are split into sentences.
- ``text``: plain text: each file is one document; its paragraphs (blank-line separated, lines
  joined) are split into sentences.

Files must be UTF-8; a byte that is not names its file and line. A file in the wrong format is an
error where it is recognisable: WikiText read as ``bert`` (its `` = Title = `` lines), or a file
without a single title read as ``wikitext``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Union

from .course import DATA_DIR
from .files import decode_utf8, read_utf8  # noqa: F401 (decode_utf8: for the CLI's readers)

FORMATS = ("bert", "wikitext", "text")
PathLike = Union[str, os.PathLike]

# A sentence ends at . ! or ? (possibly followed by a closing quote or bracket) when the next one
# starts with a capital letter, a digit or an opening quote. Simple, and wrong after "Dr." or "e.g.":
# good enough for sentence pairs, where an occasional bad split only makes a pair a little odd.
_SENTENCE_BOUNDARY = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WIKITEXT_ARTICLE = re.compile(r"^ ?= [^=].* = ?$")
_WIKITEXT_SECTION = re.compile(r"^ ?(= ){2,}.*( =){2,} ?$")
_WIKITEXT_JOINS = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."))


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences at ., ! or ? followed by a capitalised start."""
    return [sentence.strip() for sentence in _SENTENCE_BOUNDARY.split(paragraph) if sentence.strip()]


def read_bert_format(path: PathLike) -> list[list[str]]:
    """One sentence per line, documents separated by blank lines."""
    documents: list[list[str]] = [[]]
    for number, line in enumerate(read_utf8(path, "corpus file").splitlines(), start=1):
        if _WIKITEXT_ARTICLE.match(line):
            raise ValueError(f"corpus file {path}, line {number}: {line.strip()!r} is a WikiText title, "
                             "not a sentence: read WikiText with the format 'wikitext'")
        line = line.strip()
        if line:
            documents[-1].append(line)
        elif documents[-1]:
            documents.append([])
    return [document for document in documents if document]


def read_wikitext(path: PathLike, unk_token: str = "[UNK]") -> list[list[str]]:
    """WikiText articles as documents (see the module docstring for what is cleaned)."""
    text = read_utf8(path, "corpus file")
    if not any(_WIKITEXT_ARTICLE.match(line) for line in text.splitlines()):
        raise ValueError(f"corpus file {path} has no ' = Title = ' line, so it is not WikiText: read a "
                         "sentence per line with blank lines between documents with the format 'bert', "
                         "plain text with 'text'")
    documents: list[list[str]] = []
    for line in text.splitlines():
        if _WIKITEXT_SECTION.match(line):
            continue
        if _WIKITEXT_ARTICLE.match(line):
            documents.append([])
            continue
        paragraph = line.strip()
        if not paragraph:
            continue
        for tokenized, joined in _WIKITEXT_JOINS:
            paragraph = paragraph.replace(tokenized, joined)
        paragraph = paragraph.replace("<unk>", unk_token)
        if not documents:                       # text before the first title
            documents.append([])
        documents[-1].extend(split_sentences(paragraph))
    return [document for document in documents if document]


def read_text(path: PathLike) -> list[list[str]]:
    """A plain text file as one document of sentences."""
    paragraphs = re.split(r"\n\s*\n", read_utf8(path, "corpus file"))
    sentences = [sentence for paragraph in paragraphs
                 for sentence in split_sentences(" ".join(paragraph.split()))]
    return [sentences] if sentences else []


READERS = {"bert": read_bert_format, "wikitext": read_wikitext, "text": read_text}


def read_corpus(paths: PathLike | Iterable[PathLike], format: str = "bert") -> list[list[str]]:
    """The documents of every file in ``paths``, in order, read with the ``format`` reader."""
    if format not in READERS:
        raise ValueError(f"unknown corpus format {format!r}: use one of {', '.join(FORMATS)}")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    documents: list[list[str]] = []
    for path in paths:
        documents.extend(READERS[format](path))
    return documents


def course_corpus_files() -> list[Path]:
    """The course corpus: ``data/corpus/*.txt``, sorted by name."""
    return sorted((DATA_DIR / "corpus").glob("*.txt"))


def course_corpus() -> list[list[str]]:
    files = course_corpus_files()
    if not files:
        raise FileNotFoundError(f"no course corpus in {DATA_DIR / 'corpus'}: it comes with the "
                                "git repository (data/corpus/*.txt)")
    return read_corpus(files, "bert")


def pretraining_corpus_files() -> list[Path]:
    """The course's pretraining corpus: ``data/pretraining/*.txt.gz`` (movie reviews and speeches,
    in the ``bert`` format, gzip-compressed; ``data/README.md`` says where they come from)."""
    return sorted((DATA_DIR / "pretraining").glob("*.txt.gz"))


def corpus_fingerprint(documents: list[list[str]]) -> str:
    """A SHA-256 of the corpus text as read (documents and sentences in order): what ``pretrain
    --resume`` compares, kept as it was so that older runs still resume."""
    digest = hashlib.sha256()
    for document in documents:
        for sentence in document:
            digest.update(sentence.encode("utf-8") + b"\n")
        digest.update(b"\n")
    return digest.hexdigest()
