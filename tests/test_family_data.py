"""ALBERT's sentence-order pairs and RoBERTa's full-sentence inputs, on the course corpus."""

from __future__ import annotations

import random

import pytest

from bertedu.corpus import course_corpus
from bertedu.course import DATA_DIR
from bertedu.family.full_sentences import create_full_sentence_instances
from bertedu.family.sentence_order import DataCollatorForSOP, create_sop_instances
from bertedu.pretraining.instances import tokenize_documents
from bertedu.tokenizer.fast import BertTokenizerFast


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizerFast(DATA_DIR / "vocab.txt")


@pytest.fixture(scope="module")
def documents():
    return course_corpus()[:12]


def test_sop_pairs_are_consecutive_segments_half_swapped(tokenizer, documents):
    instances = create_sop_instances(documents, tokenizer, 64, rng=random.Random(0), dupe_factor=10)
    tokenized = tokenize_documents(documents, tokenizer, progress_bar=False)
    swapped = [instance.is_random_next for instance in instances]
    assert len(instances) > 100 and 0.4 < sum(swapped) / len(swapped) < 0.6
    for instance in instances:
        assert instance.a_document == instance.b_document  # never another document (that is NSP)
        first, second = ((instance.b_sentences, instance.a_sentences) if instance.is_random_next
                         else (instance.a_sentences, instance.b_sentences))
        assert first.stop == second.start  # consecutive in the document: in order, or swapped
        length_a = instance.segment_ids.count(0) - 2
        assert instance.tokens[0] == "[CLS]" and instance.tokens[length_a + 1] == "[SEP]" == instance.tokens[-1]
        assert len(instance.tokens) <= 64 and instance.masked_lm_positions is None
        if length_a == sum(len(tokenized[instance.a_document][i]) for i in instance.a_sentences):
            expected = [t for i in instance.a_sentences for t in tokenized[instance.a_document][i]]
            assert instance.tokens[1:length_a + 1] == expected  # A is the segment named (when not truncated)


def test_sop_collator_labels(tokenizer, documents):
    instances = create_sop_instances(documents, tokenizer, 64, rng=random.Random(1))[:8]
    batch = DataCollatorForSOP(tokenizer, max_predictions_per_seq=10)(instances)
    assert "next_sentence_label" not in batch
    assert batch["sentence_order_label"].tolist() == [int(i.is_random_next) for i in instances]
    assert ((batch["labels"] != -100).sum(1) > 0).all()


def test_sop_settings_are_checked(tokenizer, documents):
    with pytest.raises(ValueError, match="max_seq_length must be >= 5"):
        create_sop_instances(documents, tokenizer, 4, rng=random.Random(0))
    with pytest.raises(ValueError, match="at least 2 non-empty documents"):
        create_sop_instances(documents[:1], tokenizer, 64, rng=random.Random(0))


@pytest.mark.parametrize("max_seq_length", [16, 64, 128])
def test_full_sentences_pack_the_corpus_in_order(tokenizer, documents, max_seq_length):
    instances = create_full_sentence_instances(documents, tokenizer, max_seq_length)
    tokenized = tokenize_documents(documents, tokenizer, progress_bar=False)
    for instance in instances:
        assert instance.tokens[0] == "[CLS]" and instance.tokens[-1] == "[SEP]"
        assert len(instance.tokens) <= max_seq_length and set(instance.segment_ids) == {0}
    packed = [t for instance in instances for t in instance.tokens[1:-1] if t != "[SEP]"]
    every = [t for document in tokenized for sentence in document for t in sentence]
    if max_seq_length == 128:  # no sentence is longer than 126 pieces: nothing is cut
        assert packed == every
        # A sentence is never split: each input ends where a sentence (or a document) ends.
        assert sum(len(i.tokens) for i in instances) / len(instances) > 0.7 * max_seq_length
    else:
        assert len(packed) <= len(every)
