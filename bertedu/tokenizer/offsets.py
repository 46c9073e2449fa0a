"""Offsets: which characters of the original text each token was made from.

A token's offsets are ``(start, end)``, so that ``text[start:end]`` is the text it came from, in its
original spelling: "Café!" gives the tokens "cafe" (0, 4) and "!" (4, 5). Characters the tokenizer
drops (controls, accents it strips) belong to no token; [CLS], [SEP] and padding get (0, 0). These
are the ``offset_mapping`` of Hugging Face's fast tokenizer (``return_offsets_mapping=True``), and
the way a predicted answer span of tokens becomes text of the context in SQuAD (paper section 4.2).
"""

from __future__ import annotations

Offsets = list[tuple[int, int]]
NO_OFFSETS = (0, 0)  # special tokens and padding


def word_piece_offsets(pieces: list[str], indices: list[int], unk_token: str,
                       prefix: str = "##") -> Offsets:
    """The span of each WordPiece piece of a word whose characters sit at ``indices`` in the text.

    Each piece (without its ``##``) is the next stretch of the word's characters; [UNK] stands for
    the whole word.
    """
    if pieces == [unk_token]:
        return [(indices[0], indices[-1] + 1)]
    spans, position = [], 0
    for piece in pieces:
        length = len(piece) - (len(prefix) if position else 0)
        spans.append((indices[position], indices[position + length - 1] + 1))
        position += length
    return spans


def with_special_offsets(offsets_a: Offsets, offsets_b: Offsets | None) -> Offsets:
    """The offsets of ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``: (0, 0) for the special tokens."""
    offsets = [NO_OFFSETS, *offsets_a, NO_OFFSETS]
    return offsets if offsets_b is None else [*offsets, *offsets_b, NO_OFFSETS]
