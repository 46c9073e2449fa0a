"""WordPiece: split a word into the longest pieces the vocabulary has, left to right.

BERT uses "WordPiece embeddings (Wu et al., 2016) with a 30,000 token vocabulary" and marks "split
word pieces with ##" (Devlin et al. 2018, Sections 3 and 4.1). A word is matched greedily: the
longest prefix found in the vocabulary is the first piece, then the longest match of the rest,
looked up with a ``##`` in front (a continuation piece), and so on:

    "unaffable" -> "un", "##aff", "##able"

If at some point no piece matches, the whole word becomes ``[UNK]`` (not just the unmatched part),
and so does any word longer than ``max_input_chars_per_word`` (100) characters.
"""

from __future__ import annotations

from collections.abc import Mapping


class WordpieceTokenizer:
    """Greedy longest-match-first WordPiece (HF's ``WordpieceTokenizer`` API)."""

    def __init__(self, vocab: Mapping[str, int], unk_token: str = "[UNK]",
                 max_input_chars_per_word: int = 100, continuing_subword_prefix: str = "##"):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        self.continuing_subword_prefix = continuing_subword_prefix
        # No piece is longer than the longest vocabulary entry: the search can start there.
        self._longest_piece = max(map(len, vocab), default=0)

    def tokenize(self, text: str) -> list[str]:
        """Pieces of every whitespace-separated word of ``text`` (words from ``BasicTokenizer``)."""
        pieces: list[str] = []
        for word in text.split():
            pieces.extend(self.tokenize_word(word))
        return pieces

    def tokenize_word(self, word: str) -> list[str]:
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = min(len(word), start + self._longest_piece)
            while end > start:                                   # longest candidate first
                piece = word[start:end]
                if start > 0:
                    piece = self.continuing_subword_prefix + piece
                if piece in self.vocab:
                    break
                end -= 1
            if end == start:                                     # nothing matched: the word is unknown
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces
