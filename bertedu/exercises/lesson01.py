"""Exercises for lesson 01 (tokenization): punctuation splitting, WordPiece, a WordPiece merge
score, and BERT's input format for a sentence pair.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong
otherwise. ``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

from ..tokenizer.basic import is_punctuation
from ..tokenizer.encoding import with_special_tokens
from ..tokenizer.wordpiece import WordpieceTokenizer
from . import fail, not_attempted, passed, solution_of


def split_on_punctuation(word: str) -> list[str]:
    """Every punctuation character becomes a word of its own; runs of other characters stay."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if is_punctuation(char):
            if current:
                pieces.append(current)
            pieces.append(char)
            current = ""
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wordpiece(word: str, vocab: Mapping[str, int], unk_token: str = "[UNK]") -> list[str]:
    """Greedy longest-match-first: the longest prefix in the vocabulary, then ## + the longest
    match of the rest, ...; the whole word is [UNK] if some part matches nothing."""
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            return [unk_token]
    return pieces


def best_pair(splits: Mapping[str, list[str]], counts: Mapping[str, int]) -> tuple[str, str]:
    """The adjacent pair with the highest WordPiece score count(ab) / (count(a) * count(b))."""
    scores = pair_scores(splits, counts)
    return max(scores, key=scores.get)


def pair_scores(splits: Mapping[str, list[str]], counts: Mapping[str, int]) -> dict:
    """count(ab) / (count(a) * count(b)) for every adjacent pair of pieces in the corpus."""
    piece_counts: dict[str, int] = {}
    pair_counts: dict[tuple[str, str], int] = {}
    for word, pieces in splits.items():
        for piece in pieces:
            piece_counts[piece] = piece_counts.get(piece, 0) + counts[word]
        for pair in zip(pieces, pieces[1:]):
            pair_counts[pair] = pair_counts.get(pair, 0) + counts[word]
    return {pair: count / (piece_counts[pair[0]] * piece_counts[pair[1]])
            for pair, count in pair_counts.items()}


def encode_pair(ids_a: list[int], ids_b: list[int], cls_id: int,
                sep_id: int) -> tuple[list[int], list[int]]:
    """``[CLS] A [SEP] B [SEP]`` and its segment ids: 0 up to the first [SEP], 1 after it."""
    input_ids = [cls_id] + ids_a + [sep_id] + ids_b + [sep_id]
    token_type_ids = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
    return input_ids, token_type_ids


SOLUTIONS = {"split_on_punctuation": split_on_punctuation, "wordpiece": wordpiece,
             "best_pair": best_pair, "encode_pair": encode_pair}

VOCAB = {token: index for index, token in enumerate(
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "able", "a",
     "##a", "token", "##ization", "##izer", "##s", "play", "##ing", "##in", "##g", "p", "##l"])}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "01", name)



def check_split_on_punctuation(fn: Callable[[str], list[str]]) -> bool:
    cases = ["don't", "U.S.A.", "hello", "", "$5+3=8", "«oui»", "(a)(b)", "...", "e-mail!"]
    try:
        fn("don't")
    except NotImplementedError:
        return not_attempted("split_on_punctuation", fn)
    for word in cases:
        result, expected = fn(word), split_on_punctuation(word)
        if result != expected:
            hint = ""
            if "" in (result or []):
                hint = " Empty strings should not appear: only add a run of characters if it is non-empty."
            elif word in ("$5+3=8", "«oui»"):
                hint = (" Use bertedu.tokenizer.basic.is_punctuation: BERT counts every non-alphanumeric "
                        "ASCII character ($, +, =) and all Unicode punctuation («, ») as punctuation.")
            fail(f"split_on_punctuation({word!r}) gave {result!r}, expected {expected!r}.{hint}")
    return passed("Every punctuation character is its own word, and nothing else is split.")


def check_wordpiece(fn: Callable[[str, Mapping[str, int]], list[str]]) -> bool:
    cases = ["unaffable", "affable", "able", "tokenization", "tokenizers", "playing", "plaing",
             "unaffablez", "aaaa", "a"]
    try:
        fn("unaffable", VOCAB)
    except NotImplementedError:
        return not_attempted("wordpiece", fn)
    reference = WordpieceTokenizer(VOCAB)
    for word in cases:
        result, expected = fn(word, VOCAB), reference.tokenize_word(word)
        if result != expected:
            if result and result[0].startswith("##"):
                hint = "The first piece of a word has no ## prefix; only the pieces after it do."
            elif expected == ["[UNK]"]:
                hint = ("If some part of the word matches nothing, the whole word becomes ['[UNK]'], "
                        "not just that part.")
            else:
                hint = ("Take the LONGEST match first: start with the whole rest of the word and "
                        "shorten it one character at a time until it is in the vocabulary.")
            fail(f"wordpiece({word!r}) gave {result!r}, expected {expected!r}. {hint}")
    return passed("Greedy longest-match-first WordPiece, ## continuations and [UNK], as in BERT.")


def check_best_pair(fn: Callable[[Mapping[str, list[str]], Mapping[str, int]], tuple]) -> bool:
    counts = {"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}
    splits = {word: [word[0]] + ["##" + char for char in word[1:]] for word in counts}
    try:
        result = fn(splits, counts)
    except NotImplementedError:
        return not_attempted("best_pair", fn)
    if tuple(result) == ("##u", "##g"):
        fail("('##u', '##g') is the most FREQUENT pair (20 times): that is BPE's rule. WordPiece "
             "divides by the counts of the two pieces: count(ab) / (count(a) * count(b)).")
    if tuple(result) != ("##g", "##s"):
        fail(f"best_pair gave {result!r}, expected ('##g', '##s'): it occurs 5 times, ##g 20 times, "
             "##s 5 times, so its score is 5 / (20 * 5) = 0.05, the highest.")
    counts = {"low": 5, "lower": 2, "newest": 6, "widest": 3, "wide": 4}
    splits = {word: [word[0]] + ["##" + char for char in word[1:]] for word in counts}
    splits["newest"] = ["n", "##e", "##w", "##est"]               # after some merges
    splits["widest"] = ["w", "##i", "##d", "##est"]
    scores = pair_scores(splits, counts)
    result = tuple(fn(splits, counts))
    if result not in scores or scores[result] < max(scores.values()):
        fail(f"right on the first corpus, but on a second one (with merged pieces such as '##est') "
             f"it gave {result!r} instead of {best_pair(splits, counts)!r}: count the pieces of the "
             "current splits, weighted by the word counts")
    return passed("You picked the merge WordPiece's likelihood score prefers.")


def check_encode_pair(fn: Callable[[list[int], list[int], int, int], tuple]) -> bool:
    try:
        fn([7, 8], [9], 2, 3)
    except NotImplementedError:
        return not_attempted("encode_pair", fn)
    for ids_a, ids_b in (([7, 8], [9]), ([5], [6, 7, 8]), ([], [])):
        result = fn(ids_a, ids_b, 2, 3)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail("encode_pair should return two lists: (input_ids, token_type_ids)")
        input_ids, token_type_ids = result
        expected_ids, expected_types = with_special_tokens(ids_a, ids_b, 2, 3)
        if list(input_ids) != expected_ids:
            fail(f"input_ids for A={ids_a}, B={ids_b} should be {expected_ids} ([CLS] A [SEP] B "
                 f"[SEP]), got {input_ids}")
        if list(token_type_ids) != expected_types:
            fail(f"token_type_ids for A={ids_a}, B={ids_b} should be {expected_types}: 0 for [CLS], A "
                 f"and the first [SEP], 1 for B and the last [SEP]; got {token_type_ids}")
    return passed("[CLS] A [SEP] B [SEP] with segment ids 0...0 1...1, as BERT's input.")
