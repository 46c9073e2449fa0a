"""Cached tokenized corpora: the instances cut from the cache are the ones cut from the text, a
second run reads the file instead of tokenizing, and a stale, broken or unwritable cache costs time,
never a wrong answer."""

from __future__ import annotations

import random

import pytest
import torch
from conftest import run_cli
from test_pretrain_cli import arguments

from bertedu.pretraining import cache
from bertedu.pretraining.cache import cache_path, tokenize_corpus
from bertedu.pretraining.instances import create_training_instances
from bertedu.pretraining.run import prepare_pretraining_data, token_counts
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.tokenizer.fast import BertTokenizerFast

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "river", "stone", "runs", "over", "a", "bird", "sings", "high", ".", ",", "##s", "##ing"]


@pytest.fixture(scope="module", params=[BertTokenizer, BertTokenizerFast], ids=["python", "rust"])
def tokenizer(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(SPECIALS + WORDS) + "\n")
    return request.param(path)


def text_corpus(seed: int = 0, num_documents: int = 12) -> list[list[str]]:
    """Documents of sentences, with an empty document, an empty sentence and a sentence of unknown
    words among them: their places must survive the cache."""
    rng = random.Random(seed)
    documents = [[" ".join(rng.choice(WORDS[:10]) for _ in range(rng.randint(2, 14)))
                  for _ in range(rng.randint(1, 7))] for _ in range(num_documents)]
    documents[3] = []
    documents[5].insert(1, "")
    documents[7].append("Zebras QUICKLY jump!")
    return documents


def test_the_cached_words_are_the_tokenizers_and_a_second_call_reads_them(tokenizer, tmp_path, monkeypatch):
    documents = text_corpus()
    words, path = tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)
    assert path == cache_path(documents, tokenizer, tmp_path) and path.is_file()
    assert words == [[tokenizer.tokenize(sentence) for sentence in document] for document in documents]
    assert words[3] == [] and words[5][1] == [] and words[7][-1] == ["[UNK]", "[UNK]", "[UNK]", "[UNK]"]

    def no_tokenizing(*args, **kwargs):
        raise AssertionError("the corpus was tokenized again instead of read from the cache")

    monkeypatch.setattr(cache, "encode_corpus", no_tokenizing)
    again, same_path = tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)
    assert (again, same_path) == (words, path)


def test_instances_and_held_out_batches_from_the_cache_equal_those_from_the_text(tokenizer, tmp_path):
    documents = text_corpus(seed=1, num_documents=16)
    words, _ = tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)
    for seed in range(3):
        from_text = create_training_instances(documents, tokenizer, 24, rng=random.Random(seed), dupe_factor=2,
                                              progress_bar=False)
        from_cache = create_training_instances(words, tokenizer, 24, rng=random.Random(seed), dupe_factor=2,
                                               progress_bar=False)
        assert from_cache == from_text
    a = prepare_pretraining_data(documents, tokenizer, 24, dupe_factor=2, seed=4, progress_bar=False)
    b = prepare_pretraining_data(words, tokenizer, 24, dupe_factor=2, seed=4, progress_bar=False)
    assert a.train_dataset.instances == b.train_dataset.instances
    assert torch.equal(a.train_token_counts, b.train_token_counts)
    assert len(a.eval_batches) == len(b.eval_batches)
    for x, y in zip(a.eval_batches, b.eval_batches):
        assert x.keys() == y.keys() and all(torch.equal(x[key], y[key]) for key in x)


def test_the_file_name_follows_the_text_and_the_vocabulary(tmp_path):
    documents = text_corpus()
    vocab_a, vocab_b = tmp_path / "a.txt", tmp_path / "b.txt"
    vocab_a.write_text("\n".join(SPECIALS + WORDS) + "\n")
    vocab_b.write_text("\n".join(SPECIALS + WORDS[::-1]) + "\n")  # same tokens, other ids
    a, b = BertTokenizer(vocab_a), BertTokenizer(vocab_b)
    cased = BertTokenizer(vocab_a, do_lower_case=False)
    names = {cache_path(documents, a, tmp_path), cache_path(documents, b, tmp_path),
             cache_path(documents, cased, tmp_path), cache_path(text_corpus(seed=9), a, tmp_path),
             cache_path([*documents[:3], [], *documents[3:]], a, tmp_path)}
    assert len(names) == 5
    assert cache_path([["a\nb", "c"]], a, tmp_path) != cache_path([["a", "b\nc"]], a, tmp_path)
    assert cache_path(documents, a, tmp_path) == cache_path(documents, BertTokenizerFast(vocab_a), tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "not safetensors", "other corpus"])
def test_a_broken_or_foreign_cache_file_is_tokenized_again_and_replaced(tokenizer, tmp_path, damage):
    documents = text_corpus()
    words, path = tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "not safetensors":
        path.write_bytes(b"\x00" * 64)
    else:  # a file of the same name that holds another corpus's arrays
        other, other_path = tokenize_corpus(text_corpus(seed=5), tokenizer, tmp_path / "other", progress_bar=False)
        path.write_bytes(other_path.read_bytes())
    again, same_path = tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)
    assert again == words and same_path == path
    assert tokenize_corpus(documents, tokenizer, tmp_path, progress_bar=False)[0] == words  # rewritten


def test_a_cache_that_cannot_be_written_warns_and_still_gives_the_words(tokenizer, tmp_path):
    blocker = tmp_path / "a file"  # a folder cannot be made inside a file, also for root
    blocker.write_text("")
    documents = text_corpus()
    with pytest.warns(UserWarning, match="could not write the tokenized corpus"):
        words, path = tokenize_corpus(documents, tokenizer, blocker / "cache", progress_bar=False)
    assert path is None
    assert words == tokenize_corpus(documents, tokenizer, None, progress_bar=False)[0]


def test_tokenized_documents_are_refused_with_a_clear_error(tokenizer, tmp_path):
    with pytest.raises(TypeError, match="already tokenized: pass them to prepare_pretraining_data"):
        tokenize_corpus([[["the", "river"]], [["a", "bird"]]], tokenizer, tmp_path, progress_bar=False)


def test_batch_token_ids_are_the_ids_of_tokenize_in_both_tokenizers(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(SPECIALS + WORDS) + "\n")
    texts = ["The river runs.", "", "birds singing high", "odd \ud800 surrogate", "[MASK] the [SEP] stone"]
    python, rust = BertTokenizer(vocab), BertTokenizerFast(vocab)
    expected = [python.convert_tokens_to_ids(python.tokenize(text)) for text in texts]
    assert python.batch_token_ids(texts) == rust.batch_token_ids(texts) == expected
    assert expected[0] == python.convert_tokens_to_ids(["the", "river", "runs", "."])


def test_token_counts_count_every_token_but_cls_and_sep(tokenizer):
    documents = text_corpus(seed=2)
    instances = create_training_instances(documents, tokenizer, 24, rng=random.Random(0), dupe_factor=3,
                                          mask=False, progress_bar=False)
    ids = [tokenizer.convert_tokens_to_ids(token) for instance in instances for token in instance.tokens
           if token not in ("[CLS]", "[SEP]")]
    expected = torch.bincount(torch.tensor(ids), minlength=len(tokenizer))
    counts = token_counts(instances, tokenizer)
    assert counts.dtype == torch.long and torch.equal(counts, expected)
    assert counts[tokenizer.cls_token_id] == counts[tokenizer.sep_token_id] == 0


def test_the_cli_caches_the_corpus_once_and_no_cache_keeps_nothing(tmp_path):
    from test_pretrain_cli import write_corpus

    corpus, config = write_corpus(tmp_path / "corpus.txt"), tmp_path / "tiny.json"
    config.write_text('{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, '
                      '"intermediate_size": 32, "max_position_embeddings": 64}')
    files = {"corpus": corpus, "config": config}
    first = run_cli(arguments(files, tmp_path / "one", "--cache-dir", str(tmp_path / "cache")))
    second = run_cli(arguments(files, tmp_path / "two", "--cache-dir", str(tmp_path / "cache"),
                               "--vocab", str(tmp_path / "one")))
    assert first[0] == second[0] == 0, first[2] + second[2]
    cached = sorted((tmp_path / "cache").iterdir())
    assert len(cached) == 1 and f"the corpus as WordPieces: {cached[0]}" in second[1]
    assert (tmp_path / "one" / "model.safetensors").is_file() and (tmp_path / "two" / "model.safetensors").is_file()
    code, out, err = run_cli(arguments(files, tmp_path / "three", "--no-cache", "--cache-dir", str(tmp_path / "none")))
    assert code == 0, err
    assert not (tmp_path / "none").exists() and "as WordPieces" not in out
