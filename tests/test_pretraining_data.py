"""Sentence-pair instances (BERT section 3.1 Task #2, appendix A.2) follow create_pretraining_data.py
rule by rule; each rule is pinned here, statistical ones with fixed seeds and stated tolerances."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.pretraining.collator import DataCollatorForPretraining
from bertedu.pretraining.instances import (
    PretrainingDataset,
    build_pretraining_dataset,
    create_training_instances,
    split_documents,
    tokenize_documents,
    truncate_seq_pair,
)
from bertedu.tokenizer.bert import BertTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [f"w{i}" for i in range(300)]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(SPECIALS + WORDS + ["##s"]) + "\n")
    return BertTokenizer(path)


def corpus(seed: int, num_documents: int, sentences=(1, 10), sentence_length=(1, 12)):
    """Pre-tokenized documents of random words."""
    rng = random.Random(seed)
    return [[[rng.choice(WORDS) for _ in range(rng.randint(*sentence_length))]
             for _ in range(rng.randint(*sentences))] for _ in range(num_documents)]


def instances(documents, tokenizer, max_seq_length=32, seed=0, **kwargs):
    kwargs = {"dupe_factor": 1, "mask": False, **kwargs}
    return create_training_instances(documents, tokenizer, max_seq_length, rng=random.Random(seed),
                                     progress_bar=False, **kwargs)


def split_pair(instance):
    """A and B tokens of an instance."""
    first_sep = instance.tokens.index("[SEP]")
    return instance.tokens[1:first_sep], instance.tokens[first_sep + 1:-1]


def is_contiguous_slice(part: list, whole: list) -> bool:
    return any(whole[start:start + len(part)] == part for start in range(len(whole) - len(part) + 1))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), max_seq_length=st.integers(5, 40),
       short_seq_prob=st.floats(0.0, 1.0), mask=st.booleans())
def test_instances_are_well_formed_and_never_too_long(tokenizer, seed, max_seq_length,
                                                      short_seq_prob, mask):
    documents = corpus(seed, 8, sentence_length=(1, 50))
    for instance in instances(documents, tokenizer, max_seq_length, seed, mask=mask,
                              short_seq_prob=short_seq_prob, dupe_factor=2):
        assert len(instance.tokens) <= max_seq_length
        tokens_a, tokens_b = split_pair(instance)
        assert tokens_a and tokens_b and instance.tokens[0] == "[CLS]"
        assert instance.tokens[-1] == "[SEP]" and instance.tokens.count("[SEP]") == 2
        assert instance.segment_ids == [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
        if mask:
            assert all(instance.tokens[p] not in ("[CLS]", "[SEP]")
                       for p in instance.masked_lm_positions)
            assert 1 <= len(instance.masked_lm_positions) <= 20
        else:
            assert instance.masked_lm_positions is None


def test_ispairs_are_the_true_continuation_and_spans_survive_truncation_whole(tokenizer):
    documents = corpus(1, 200, sentence_length=(1, 20))
    for instance in instances(documents, tokenizer, 32, seed=1):
        tokens_a, tokens_b = split_pair(instance)
        a_doc, b_doc = documents[instance.a_document], documents[instance.b_document]
        a_full = [t for s in a_doc[instance.a_sentences.start:instance.a_sentences.stop] for t in s]
        b_full = [t for s in b_doc[instance.b_sentences.start:instance.b_sentences.stop] for t in s]
        assert is_contiguous_slice(tokens_a, a_full) and is_contiguous_slice(tokens_b, b_full)
        if not instance.is_random_next:
            assert instance.b_document == instance.a_document
            assert instance.b_sentences.start == instance.a_sentences.stop
            assert len(instance.b_sentences) >= 1


def test_random_next_always_comes_from_another_document(tokenizer):
    # With two documents the original's 10 tries fail once in 1024 random-next pairs; ours never.
    documents = corpus(2, 2, sentences=(20, 30))
    pairs = instances(documents, tokenizer, 16, seed=2, dupe_factor=300)
    random_pairs = [i for i in pairs if i.is_random_next]
    assert len(random_pairs) > 3000
    assert all(i.b_document == 1 - i.a_document for i in random_pairs)


def test_nsp_is_a_fair_coin_where_the_chunk_allows_it(tokenizer):
    # short_seq_prob=0 and sentences shorter than the target: a one-sentence chunk only happens at
    # a document's end, and exactly then A holds the document's last sentence.
    documents = corpus(3, 600, sentences=(1, 14), sentence_length=(1, 10))
    pairs = instances(documents, tokenizer, 32, seed=3, short_seq_prob=0.0, dupe_factor=4)
    holds_last = [len(documents[i.a_document]) - 1 in i.a_sentences for i in pairs]
    forced = [i for i, last in zip(pairs, holds_last) if last]
    coin = [i for i, last in zip(pairs, holds_last) if not last]
    assert len(coin) > 4000
    assert all(i.is_random_next for i in forced)
    rate = sum(i.is_random_next for i in coin) / len(coin)
    assert abs(rate - 0.5) < 4 * 0.5 / len(coin) ** 0.5  # 4 binomial standard errors


def test_unused_sentences_are_put_back(tokenizer):
    # Every sentence is used exactly once per pass, in A or in an IsNext B of its own document.
    documents = corpus(4, 150, sentence_length=(1, 15))
    dupe_factor = 3
    uses = Counter()
    for instance in instances(documents, tokenizer, 24, seed=4, dupe_factor=dupe_factor):
        uses.update((instance.a_document, s) for s in instance.a_sentences)
        if not instance.is_random_next:
            uses.update((instance.b_document, s) for s in instance.b_sentences)
    expected = {(d, s): dupe_factor for d, doc in enumerate(documents) for s in range(len(doc))}
    assert uses == expected


def test_short_seq_prob_draws_one_target_per_document(tokenizer):
    # One-token sentences make a chunk exactly as long as its target, except at a document's end;
    # an IsNext pair shows its whole chunk, so it shows the target.
    max_seq_length, num_documents = 12, 2000
    max_num_tokens = max_seq_length - 3
    documents = corpus(5, num_documents, sentences=(100, 100), sentence_length=(1, 1))
    targets = {}
    for instance in instances(documents, tokenizer, max_seq_length, seed=5, short_seq_prob=0.1):
        if not instance.is_random_next and instance.b_sentences.stop < 100:
            chunk = len(instance.a_sentences) + len(instance.b_sentences)
            assert targets.setdefault(instance.a_document, chunk) == chunk
    assert len(targets) == num_documents
    assert set(targets.values()) == set(range(2, max_num_tokens + 1))
    short = sum(target < max_num_tokens for target in targets.values()) / num_documents
    expected = 0.1 * (max_num_tokens - 2) / (max_num_tokens - 1)  # randint may draw the maximum
    assert abs(short - expected) < 0.02  # 3 binomial standard errors


def test_truncate_seq_pair_trims_the_longer_side_from_both_ends():
    rng = random.Random(6)
    for _ in range(3000):
        len_a, len_b, max_num_tokens = rng.randint(0, 30), rng.randint(0, 30), rng.randint(0, 40)
        tokens_a, tokens_b = list(range(len_a)), list(range(100, 100 + len_b))
        truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
        while len_a + len_b > max_num_tokens:  # the rule, on lengths only
            if len_a > len_b:
                len_a -= 1
            else:
                len_b -= 1
        assert (len(tokens_a), len(tokens_b)) == (len_a, len_b)
        assert is_contiguous_slice(tokens_a, list(range(30)))
        assert is_contiguous_slice(tokens_b, list(range(100, 130)))
    # 20 tokens to 10 takes 10 trims, each from the front with probability 0.5.
    fronts = []
    for _ in range(2000):
        tokens_a, tokens_b = list(range(20)), []
        truncate_seq_pair(tokens_a, tokens_b, 10, rng)
        fronts.append(tokens_a[0])
    assert abs(sum(fronts) / len(fronts) - 5.0) < 0.15  # mean of Binomial(10, 0.5); 4 SE = 0.14
    with pytest.raises(ValueError, match="max_num_tokens"):
        truncate_seq_pair([1], [2], -1, rng)


def original_truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    """create_pretraining_data.py's loop, a token at a time."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 50), st.integers(0, 2**32 - 1))
def test_truncate_seq_pair_cuts_what_the_original_cuts_with_the_same_draws(len_a, len_b, max_num_tokens, seed):
    ours, theirs = random.Random(seed), random.Random(seed)
    a, b = list(range(len_a)), list(range(100, 100 + len_b))
    original_a, original_b = list(a), list(b)
    truncate_seq_pair(a, b, max_num_tokens, ours)
    original_truncate_seq_pair(original_a, original_b, max_num_tokens, theirs)
    assert (a, b) == (original_a, original_b)
    assert ours.random() == theirs.random()  # the same number of draws: later pairs are cut alike


def test_static_masks_differ_between_dupes_and_seeds_reproduce(tokenizer):
    documents = corpus(7, 2, sentences=(1, 1), sentence_length=(30, 30))
    masked = instances(documents, tokenizer, 64, seed=7, mask=True, dupe_factor=20)
    assert len(masked) == 40  # each single-sentence document makes one pair per pass
    assert len({tuple(i.masked_lm_positions) for i in masked if i.a_document == 0}) > 10
    again = instances(documents, tokenizer, 64, seed=7, mask=True, dupe_factor=20)
    assert masked == again


def test_documents_of_text_are_tokenized_and_empties_dropped(tokenizer):
    documents = [["w1 w2s w3.", "", "W4"], [], ["   "], ["w5 w6", "w7"]]
    assert tokenize_documents(documents, tokenizer, progress_bar=False) == [
        [["w1", "w2", "##s", "w3", "[UNK]"], ["w4"]], [["w5", "w6"], ["w7"]]]
    pairs = instances(documents, tokenizer, 16)
    assert {i.a_document for i in pairs} == {0, 1}


def test_bad_arguments_raise_clear_errors(tokenizer):
    documents = corpus(8, 5)
    with pytest.raises(ValueError, match="max_seq_length"):
        instances(documents, tokenizer, 4)
    with pytest.raises(ValueError, match="at least 2 non-empty documents"):
        instances([documents[0], [], [""]], tokenizer)
    with pytest.raises(ValueError, match="dupe_factor"):
        instances(documents, tokenizer, dupe_factor=0)
    with pytest.raises(ValueError, match="short_seq_prob"):
        instances(documents, tokenizer, short_seq_prob=1.5)
    with pytest.raises(ValueError, match="masked_lm_prob"):
        instances(documents, tokenizer, mask=True, masked_lm_prob=0.0)


def test_split_documents_holds_out_whole_documents():
    documents = [[f"document {i} sentence {j}" for j in range(3)] for i in range(50)]
    train, held_out = split_documents(documents, eval_fraction=0.2, seed=9)
    assert len(held_out) == 10 and len(train) == 40
    assert sorted(map(tuple, train + held_out)) == sorted(map(tuple, documents))
    assert not {s for d in train for s in d} & {s for d in held_out for s in d}
    assert split_documents(documents, 0.2, seed=9) == (train, held_out)
    assert split_documents(documents, 0.2, seed=10) != (train, held_out)
    with pytest.raises(ValueError, match="eval_fraction"):
        split_documents(documents, eval_fraction=1.0)
    with pytest.raises(ValueError, match="both sides"):
        split_documents(documents[:1], eval_fraction=0.5)


def test_build_pretraining_dataset_feeds_a_dataloader(tokenizer):
    documents = corpus(10, 40)
    dynamic = build_pretraining_dataset(documents, tokenizer, 32, seed=1, progress_bar=False)
    static = build_pretraining_dataset(documents, tokenizer, 32, dynamic=False, seed=1,
                                       progress_bar=False)
    assert isinstance(dynamic, PretrainingDataset)
    assert all(i.masked_lm_positions is None for i in dynamic.instances)
    assert all(i.masked_lm_positions is not None for i in static.instances)
    assert 8 * len(dynamic) < len(static) < 12 * len(dynamic)  # dupe_factor 1 and 10
    for dataset, is_dynamic in ((dynamic, True), (static, False)):
        collator = DataCollatorForPretraining(tokenizer, dynamic=is_dynamic, seed=0)
        loader = torch.utils.data.DataLoader(dataset, batch_size=8, collate_fn=collator)
        batch = next(iter(loader))
        assert batch["input_ids"].shape[0] == 8 and batch["input_ids"].shape[1] <= 32
        assert ((batch["labels"] != -100).sum(dim=1) >= 1).all()
