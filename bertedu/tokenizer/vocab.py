"""Training a WordPiece vocabulary: which pieces should BERT's vocabulary contain?

BERT's vocabulary was learned from its pretraining text ("WordPiece embeddings (Wu et al., 2016)
with a 30,000 token vocabulary", Devlin et al. 2018, Section 3). Training starts from single
characters (``##``-prefixed inside a word) and repeatedly merges two adjacent pieces into a new
vocabulary entry until the vocabulary has the size asked for. Which pair to merge is the question:

- WordPiece (Schuster & Nakajima 2012, as the Hugging Face course describes it) merges the pair
  with the highest score  count(ab) / (count(a) * count(b)): how much more often the two appear
  together than their own frequencies would suggest (the gain in the corpus' likelihood).
- BPE (Sennrich et al. 2016) merges the most frequent pair. The production trainer of the
  ``tokenizers`` library, ``WordPieceTrainer``, is in fact BPE's trainer with ``##`` prefixes.

``train_wordpiece`` is the production way (Rust, seconds for millions of words);
``train_wordpiece_from_scratch`` is the likelihood rule in plain Python, for learning.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from tqdm.auto import tqdm

from ..files import read_utf8, write_file
from .basic import BasicTokenizer

# The course's order (contract): [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4.
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_wordpiece(sentences: Iterable[str], vocab_size: int, do_lower_case: bool = True,
                    min_frequency: int = 2, special_tokens: Sequence[str] = SPECIAL_TOKENS,
                    ) -> list[str]:
    """A WordPiece vocabulary (tokens in id order) trained with the ``tokenizers`` library.

    The text is normalised and split into words exactly as ``BertTokenizer`` will do it later
    (BERT's normalizer and pre-tokenizer), then ``WordPieceTrainer`` learns the pieces. Order:
    special tokens, single characters, ``##`` + character, then the merged tokens as learned.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    _check_vocab_size(vocab_size, special_tokens)
    sentences = list(sentences)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=do_lower_case)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The trainer numbers the "##" pieces in hash-table order, and ties between pairs of equal
    # count go to the lower numbers, so two runs could learn different vocabularies. Handing it
    # the "##" pieces up front, sorted, fixes their numbers: the same corpus gives the same file.
    inner_chars: set = set()
    for sentence in sentences:
        normalized = tokenizer.normalizer.normalize_str(sentence)
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normalized):
            inner_chars.update(word[1:])
    continuations = ["##" + char for char in sorted(inner_chars)]
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency,
        special_tokens=list(special_tokens) + continuations, show_progress=False)
    tokenizer.train_from_iterator(sentences, trainer)
    vocab = tokenizer.get_vocab()
    learned = sorted(set(vocab) - set(special_tokens) - set(continuations), key=vocab.get)
    characters = [token for token in learned if len(token) == 1]
    merged = [token for token in learned if len(token) > 1]
    return list(special_tokens) + characters + continuations + merged


class Merge(NamedTuple):
    first: str
    second: str
    token: str       # the new vocabulary entry
    score: float     # count(first second) / (count(first) * count(second))


def word_counts(sentences: Iterable[str], do_lower_case: bool = True) -> Counter:
    """How often each word occurs, words as BERT's BasicTokenizer splits them."""
    basic = BasicTokenizer(do_lower_case=do_lower_case)
    counts: Counter = Counter()
    for sentence in sentences:
        counts.update(basic.tokenize(sentence))
    return counts


def train_wordpiece_from_scratch(counts: Mapping[str, int], vocab_size: int,
                                 special_tokens: Sequence[str] = SPECIAL_TOKENS,
                                 progress_bar: bool = False) -> tuple[list[str], list[Merge]]:
    """WordPiece training with the likelihood score, from word counts (see ``word_counts``).

    Returns the vocabulary (special tokens, the alphabet, then the merged tokens in the order they
    were learned) and the merges. Ties between equal scores go to the larger pair in string order,
    so the result is the same on every run.
    """
    _check_vocab_size(vocab_size, special_tokens)
    # Every word starts as its characters; inside a word they carry the ## prefix.
    splits = {word: [word[0]] + ["##" + char for char in word[1:]] for word in counts if word}
    alphabet = sorted({piece for pieces in splits.values() for piece in pieces})
    vocab = list(special_tokens) + [piece for piece in alphabet if piece not in special_tokens]

    piece_counts: Counter = Counter()
    pair_counts: Counter = Counter()
    words_with_pair: defaultdict = defaultdict(set)

    def count(word: str, sign: int) -> None:
        pieces = splits[word]
        for piece in pieces:
            piece_counts[piece] += sign * counts[word]
        for pair in zip(pieces, pieces[1:]):
            pair_counts[pair] += sign * counts[word]
            if pair_counts[pair] == 0:
                del pair_counts[pair]
            elif sign > 0:
                words_with_pair[pair].add(word)

    for word in splits:
        count(word, +1)

    def score(pair: tuple[str, str]) -> float:
        return pair_counts[pair] / (piece_counts[pair[0]] * piece_counts[pair[1]])

    merges: list[Merge] = []
    progress = tqdm(total=max(0, vocab_size - len(vocab)), desc="merges", disable=not progress_bar)
    while len(vocab) < vocab_size and pair_counts:
        first, second = best = max(pair_counts, key=lambda pair: (score(pair), pair))
        token = first + second[2:] if second.startswith("##") else first + second
        merges.append(Merge(first, second, token, score(best)))
        for word in words_with_pair.pop(best):
            count(word, -1)
            splits[word] = _merge(splits[word], first, second, token)
            count(word, +1)
        if token not in vocab:
            vocab.append(token)
            progress.update()
    progress.close()
    return vocab, merges


def _merge(pieces: list[str], first: str, second: str, token: str) -> list[str]:
    merged, index = [], 0
    while index < len(pieces):
        if index + 1 < len(pieces) and pieces[index] == first and pieces[index + 1] == second:
            merged.append(token)
            index += 2
        else:
            merged.append(pieces[index])
            index += 1
    return merged


def load_vocab(vocab_file: str | os.PathLike) -> dict[str, int]:
    """vocab.txt: one token per line, the id is the line number (as HF reads it)."""
    lines = read_utf8(vocab_file, "vocab file").split("\n")
    if lines[-1] == "":  # the newline that ends the last token
        lines.pop()
    return {line: index for index, line in enumerate(lines)}


def vocab_text(tokens: Sequence[str]) -> str:
    """The text of vocab.txt: one token per line, line number = id."""
    if len(set(tokens)) != len(tokens) or any("\n" in token or not token for token in tokens):
        raise ValueError("a vocabulary needs distinct, non-empty, one-line tokens")
    return "".join(token + "\n" for token in tokens)


def write_vocab(tokens: Sequence[str], path: str | os.PathLike) -> Path:
    """Write vocab.txt atomically (``bertedu.files``)."""
    return write_file(path, vocab_text(tokens))


def _check_vocab_size(vocab_size: int, special_tokens: Sequence[str]) -> None:
    if vocab_size <= len(special_tokens):
        raise ValueError(f"vocab_size={vocab_size} must be larger than the {len(special_tokens)} "
                         "special tokens")
