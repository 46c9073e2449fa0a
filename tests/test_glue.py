"""SST-2 / GLUE TSV reading, encoding into model inputs, accuracy."""

from __future__ import annotations

import pytest
import torch
from tiny_wordpiece import make_tokenizer

from bertedu.course import data_path
from bertedu.finetuning.glue import (
    accuracy,
    encode_classification,
    parse_glue_tsv,
    read_glue_tsv,
)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return make_tokenizer(tmp_path_factory.mktemp("vocab"))


def test_parse_inline_tsv_keeps_quotes_and_strips_trailing_space():
    text = 'sentence\tlabel\nit \'s a "great" film \t1\n\nbad , bad , bad\t0\n'
    assert parse_glue_tsv(text) == [('it \'s a "great" film', 1), ("bad , bad , bad", 0)]


def test_parse_finds_columns_by_header():
    text = "index\tlabel\tsentence\n0\t1\tgood\n1\t0\tpoor\n"
    assert parse_glue_tsv(text) == [("good", 1), ("poor", 0)]


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("text\tlabel\nfine\t1\n", "no column 'sentence'"),
    ("sentence\tlabel\nfine\t1\textra\n", "line 2 has 3"),
    ("sentence\tlabel\nfine\tpositive\n", "not an integer"),
])
def test_parse_rejects_bad_files(text, message):
    with pytest.raises(ValueError, match=message):
        parse_glue_tsv(text)


@pytest.mark.parametrize("name, size", [("sst2_train.tsv", 200), ("sst2_dev.tsv", 60)])
def test_samples_are_balanced_sst2(name, size):
    examples = read_glue_tsv(data_path("samples", name))
    assert len(examples) == size
    assert sum(label for _, label in examples) == size // 2
    assert {label for _, label in examples} == {0, 1}
    assert all(sentence and sentence == sentence.strip() for sentence, _ in examples)


def test_sample_splits_do_not_overlap():
    train = {s for s, _ in read_glue_tsv(data_path("samples", "sst2_train.tsv"))}
    dev = {s for s, _ in read_glue_tsv(data_path("samples", "sst2_dev.tsv"))}
    assert len(train) == 200 and len(dev) == 60 and not train & dev


def test_encode_classification(tokenizer):
    examples = [("the great film", 1), ("bad", 0), ("a river of bad jokes", 0)]
    batch = encode_classification(examples, tokenizer)
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
    assert batch["labels"].tolist() == [1, 0, 0]
    for row, (sentence, _) in enumerate(examples):
        expected = ([tokenizer.cls_token_id]
                    + tokenizer.convert_tokens_to_ids(tokenizer.tokenize(sentence))
                    + [tokenizer.sep_token_id])
        length = int(batch["attention_mask"][row].sum())
        assert batch["input_ids"][row, :length].tolist() == expected
        assert (batch["input_ids"][row, length:] == tokenizer.pad_token_id).all()
    assert batch["input_ids"].shape[1] == max(int(m.sum()) for m in batch["attention_mask"])
    assert (batch["token_type_ids"] == 0).all()


def test_encode_classification_truncates(tokenizer):
    batch = encode_classification([("a very long sentence about a film", 1)], tokenizer, max_length=6)
    assert batch["input_ids"].shape == (1, 6)
    assert batch["input_ids"][0, 0] == tokenizer.cls_token_id
    assert batch["input_ids"][0, -1] == tokenizer.sep_token_id
    with pytest.raises(ValueError, match="max_length"):
        encode_classification([("x", 0)], tokenizer, max_length=2)
    with pytest.raises(ValueError, match="at least one"):
        encode_classification([], tokenizer)


def test_accuracy():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 1])) == 1.0
    with pytest.raises(ValueError, match="same non-empty shape"):
        accuracy([1, 0], [1])
