"""Pretraining instances: "[CLS] A [SEP] B [SEP]" sentence pairs for next sentence prediction.

BERT paper, section 3.1, Task #2 "Next Sentence Prediction" (NSP), and appendix A.2: A and B are
spans of text ("sentences" in a loose sense); 50 % of the time B is the span that actually follows A
(IsNext), 50 % of the time a random span from the corpus (NotNext); the pair has at most 512 tokens,
and 15 % of its tokens are then masked for Task #1 (``bertedu.pretraining.masking``, appendix A.1).

How the spans are cut follows google-research/bert's ``create_pretraining_data.py`` rule by rule:
- ``max_num_tokens = max_seq_length - 3`` leaves room for [CLS], [SEP], [SEP]. Each document draws a
  target length: ``max_num_tokens``, or with probability ``short_seq_prob`` a random length in
  ``[2, max_num_tokens]`` (short inputs like those of fine-tuning). As in the original, the draw is
  made once per document and pass over the corpus.
- Whole sentences fill a chunk until it reaches the target or the document ends. A is the chunk's
  first ``a_end`` sentences (``a_end`` uniform in ``[1, len(chunk) - 1]``, or 1).
- B is the rest of the chunk, except when the chunk is one sentence or with probability 0.5: then B
  is a random span from a *different* document, long enough to reach the target, and the chunk's
  unused sentences are put back to start the next chunk. The original tries 10 times to find a
  different document and may give up with the same one; here it is guaranteed.
- ``truncate_seq_pair`` trims the longer side, from the front or the back at random, until the pair
  fits. The whole pass is repeated ``dupe_factor`` times and the instances are shuffled.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from torch.utils.data import Dataset
from tqdm.auto import tqdm

from .cache import decode_corpus, encode_corpus
from .masking import check_masking_settings, create_masked_lm_predictions, random_replacement_words

# A sentence is a string to tokenize or an already tokenized list of WordPieces.
Sentence = Union[str, Sequence[str]]


@dataclass
class TrainingInstance:
    """One sentence pair. ``masked_lm_positions`` is None until the instance is masked.

    ``a_document``/``a_sentences`` and ``b_document``/``b_sentences`` say where A and B came from:
    indexes into ``tokenize_documents(documents)`` (for the tests and the lesson).
    """

    tokens: list[str]
    segment_ids: list[int]
    is_random_next: bool
    a_document: int
    a_sentences: range
    b_document: int
    b_sentences: range
    masked_lm_positions: list[int] | None = None
    masked_lm_labels: list[str] | None = None


def tokenize_documents(documents: Sequence[Sequence[Sentence]], tokenizer,
                       progress_bar: bool = True) -> list[list[list[str]]]:
    """Tokenize every sentence (text in batches, ``cache.encode_corpus``; lists of WordPieces are kept),
    then drop empty sentences and documents (as the original does)."""
    if all(isinstance(sentence, str) for document in documents for sentence in document):
        documents = decode_corpus(encode_corpus(documents, tokenizer, progress_bar), tokenizer)
    tokenized = []
    for document in documents:
        sentences = [tokenizer.tokenize(sentence) if isinstance(sentence, str) else list(sentence)
                     for sentence in document]
        sentences = [sentence for sentence in sentences if sentence]
        if sentences:
            tokenized.append(sentences)
    return tokenized


def truncate_seq_pair(tokens_a: list[str], tokens_b: list[str], max_num_tokens: int,
                      rng: random.Random) -> None:
    """Trim the pair in place to at most ``max_num_tokens``: always the longer side (B on a tie),
    one token at a time from its front or its back with probability 0.5 each."""
    if max_num_tokens < 0:
        raise ValueError(f"max_num_tokens must be >= 0, got {max_num_tokens}")
    # Count what leaves each end, then cut once: the same draws as deleting a token at a time.
    lengths, cut = [len(tokens_a), len(tokens_b)], [[0, 0], [0, 0]]  # A, B: tokens off [front, back]
    while sum(lengths) > max_num_tokens:
        side = 0 if lengths[0] > lengths[1] else 1
        cut[side][0 if rng.random() < 0.5 else 1] += 1
        lengths[side] -= 1
    for tokens, (front, back) in zip((tokens_a, tokens_b), cut):
        del tokens[len(tokens) - back:]
        del tokens[:front]


def _tokens_of(document: list[list[str]], sentences: range) -> list[str]:
    return [token for index in sentences for token in document[index]]


def create_instances_from_document(
    all_documents: list[list[list[str]]], document_index: int, max_seq_length: int,
    short_seq_prob: float, rng: random.Random, cls_token: str = "[CLS]", sep_token: str = "[SEP]",
) -> list[TrainingInstance]:
    """The unmasked sentence pairs of one pass over one document (see the module docstring).

    ``all_documents`` are tokenized, non-empty documents of non-empty sentences; there must be at
    least two, so that a random B can come from another document.
    """
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)

    instances = []
    chunk_start, chunk_length = 0, 0  # the current chunk is document[chunk_start : i + 1]
    i = 0
    while i < len(document):
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target_seq_length:
            chunk_size = i + 1 - chunk_start
            a_end = rng.randint(1, chunk_size - 1) if chunk_size >= 2 else 1
            a_sentences = range(chunk_start, chunk_start + a_end)
            tokens_a = _tokens_of(document, a_sentences)
            is_random_next = chunk_size == 1 or rng.random() < 0.5
            if is_random_next:
                b_document = rng.randrange(len(all_documents) - 1)  # uniform over the others:
                if b_document >= document_index:
                    b_document += 1
                tokens_b, b_sentences = _random_span(all_documents[b_document],
                                                     target_seq_length - len(tokens_a), rng)
                i = a_sentences.stop - 1  # put the unused sentences back for the next chunk
            else:
                b_document, b_sentences = document_index, range(a_sentences.stop, i + 1)
                tokens_b = _tokens_of(document, b_sentences)
            truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            instances.append(TrainingInstance(
                tokens=[cls_token, *tokens_a, sep_token, *tokens_b, sep_token],
                segment_ids=[0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1),
                is_random_next=is_random_next, a_document=document_index, a_sentences=a_sentences,
                b_document=b_document, b_sentences=b_sentences))
            chunk_start, chunk_length = i + 1, 0
        i += 1
    return instances


def _random_span(document: list[list[str]], target_length: int,
                 rng: random.Random) -> tuple[list[str], range]:
    """Sentences from a random start until ``target_length`` tokens (at least one sentence)."""
    start = rng.randrange(len(document))
    tokens: list[str] = []
    for stop in range(start + 1, len(document) + 1):
        tokens.extend(document[stop - 1])
        if len(tokens) >= target_length:
            break
    return tokens, range(start, stop)


def create_training_instances(
    documents: Sequence[Sequence[Sentence]], tokenizer, max_seq_length: int = 128, *,
    rng: random.Random, dupe_factor: int = 10, short_seq_prob: float = 0.1,
    masked_lm_prob: float = 0.15, max_predictions_per_seq: int = 20,
    whole_word_mask: bool = False, mask: bool = True, progress_bar: bool = True,
) -> list[TrainingInstance]:
    """Shuffled instances from ``dupe_factor`` passes over the corpus, masked unless ``mask=False``.

    ``documents`` are lists of sentences (strings, tokenized with ``tokenizer``, or lists of
    WordPieces). With ``mask=True`` each pass draws its own masks (static masking, the original's
    default ``dupe_factor`` of 10); use ``mask=False`` for dynamic masking by the collator.
    """
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length must be >= 5 ([CLS] A [SEP] B [SEP] with A and B of at "
                         f"least one token and room to truncate), got {max_seq_length}")
    if dupe_factor < 1:
        raise ValueError(f"dupe_factor must be >= 1, got {dupe_factor}")
    if not 0.0 <= short_seq_prob <= 1.0:
        raise ValueError(f"short_seq_prob must be in [0, 1], got {short_seq_prob}")
    if mask:
        check_masking_settings(masked_lm_prob, max_predictions_per_seq)
    all_documents = tokenize_documents(documents, tokenizer, progress_bar)
    if len(all_documents) < 2:
        raise ValueError(f"need at least 2 non-empty documents (NotNext pairs take B from another "
                         f"document), got {len(all_documents)}")

    special_tokens = (tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token)
    vocab_words = random_replacement_words(
        tokenizer.vocab, (*special_tokens, tokenizer.mask_token, tokenizer.unk_token))
    instances = []
    passes = [index for _ in range(dupe_factor) for index in range(len(all_documents))]
    for document_index in tqdm(passes, desc="creating instances", disable=not progress_bar):
        for instance in create_instances_from_document(
                all_documents, document_index, max_seq_length, short_seq_prob, rng,
                tokenizer.cls_token, tokenizer.sep_token):
            if mask:
                (instance.tokens, instance.masked_lm_positions,
                 instance.masked_lm_labels) = create_masked_lm_predictions(
                    instance.tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng,
                    whole_word_mask, special_tokens, tokenizer.mask_token)
            instances.append(instance)
    rng.shuffle(instances)
    return instances


class PretrainingDataset(Dataset):
    """A list of ``TrainingInstance``s as a PyTorch dataset; ``DataCollatorForPretraining`` batches
    them."""

    def __init__(self, instances: Sequence[TrainingInstance]):
        self.instances = list(instances)

    def __len__(self) -> int:
        return len(self.instances)

    def __getitem__(self, index: int) -> TrainingInstance:
        return self.instances[index]


def build_pretraining_dataset(
    documents: Sequence[Sequence[Sentence]], tokenizer, max_seq_length: int = 128, *,
    dynamic: bool = True, dupe_factor: int | None = None, short_seq_prob: float = 0.1,
    masked_lm_prob: float = 0.15, max_predictions_per_seq: int = 20,
    whole_word_mask: bool = False, seed: int = 0, progress_bar: bool = True,
) -> PretrainingDataset:
    """The dataset for ``DataCollatorForPretraining(tokenizer, dynamic=dynamic, ...)``.

    ``dynamic=True`` leaves the instances unmasked for the collator to mask per batch; one pass is
    enough then (``dupe_factor`` defaults to 1). ``dynamic=False`` masks them here, and
    ``dupe_factor`` defaults to the original's 10 copies with different masks.
    """
    if dupe_factor is None:
        dupe_factor = 1 if dynamic else 10
    instances = create_training_instances(
        documents, tokenizer, max_seq_length, rng=random.Random(seed), dupe_factor=dupe_factor,
        short_seq_prob=short_seq_prob, masked_lm_prob=masked_lm_prob,
        max_predictions_per_seq=max_predictions_per_seq, whole_word_mask=whole_word_mask,
        mask=not dynamic, progress_bar=progress_bar)
    return PretrainingDataset(instances)


def split_documents(documents: Sequence, eval_fraction: float = 0.1,
                    seed: int = 0) -> tuple[list, list]:
    """Split a corpus into (train, eval) by *documents*, so no eval sentence is seen in training
    (splitting instances would leak: the same sentence is in several instances)."""
    if not 0.0 < eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    num_eval = max(1, round(len(documents) * eval_fraction))
    if num_eval >= len(documents):
        raise ValueError(f"cannot split {len(documents)} documents with eval_fraction "
                         f"{eval_fraction}: both sides need at least one document")
    order = list(range(len(documents)))
    random.Random(seed).shuffle(order)
    eval_indexes = set(order[:num_eval])
    train = [doc for index, doc in enumerate(documents) if index not in eval_indexes]
    return train, [doc for index, doc in enumerate(documents) if index in eval_indexes]
