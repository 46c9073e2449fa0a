"""Tokenization (BERT paper section 3, "Input/Output Representations"; lesson 01).

Text becomes input ids in two stages, then a layout:

- ``basic``: the BasicTokenizer's rules (cleaning, CJK, accents, lower case, punctuation), on the
  Unicode tables of ``unicode_tables``;
- ``wordpiece``: greedy longest-match-first WordPiece over the vocabulary;
- ``encoding``: ``[CLS] A [SEP] B [SEP]``, segment ids, truncation, padding (``BatchEncoding``);
- ``special_tokens``: [CLS], [SEP], [PAD], [MASK], [UNK] and HF's helpers that place them;
- ``offsets``: which characters of the text each token came from (``return_offsets_mapping``);
- ``bert``: ``BertTokenizer``, the readable Python tokenizer with Hugging Face's API;
- ``fast``: ``BertTokenizerFast``, the same ids from the Rust ``tokenizers`` library (data preparation);
- ``vocab``: vocab.txt in and out, and training a WordPiece vocabulary on a corpus.
"""

from .basic import BasicTokenizer
from .bert import BertTokenizer
from .encoding import BatchEncoding
from .fast import BertTokenizerFast
from .vocab import load_vocab, train_wordpiece, train_wordpiece_from_scratch, write_vocab
from .wordpiece import WordpieceTokenizer

__all__ = ["BasicTokenizer", "BatchEncoding", "BertTokenizer", "BertTokenizerFast", "load_vocab",
           "train_wordpiece", "train_wordpiece_from_scratch", "WordpieceTokenizer", "write_vocab"]
