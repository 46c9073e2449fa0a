"""Our byte-level BPE, trained on the course corpus, gives transformers.RobertaTokenizer's ids."""

from __future__ import annotations

import pytest
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.corpus import course_corpus
from bertedu.family.roberta_tokenizer import (
    SPECIAL_TOKENS,
    load_byte_level_bpe,
    save_byte_level_bpe,
    train_byte_level_bpe,
)

TEXTS = ["The cat sat on the mat.", "  two leading spaces,   three inside, trailing  ", "tabs\tand\nnewlines\n",
         "Punctuation!? (brackets) [square] {curly} \"quotes\" 'single' -- dashes... 3.14, 1,000",
         "Unicode: café naïve Ångström Straße, 東京 日本語, emoji 🙂👍🏽, Ελληνικά, русский", "",
         "don't won't it's", "<mask> is special, <s> too", "x" * 300, " é\u0301 combining"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    sentences = [sentence for document in course_corpus() for sentence in document]
    path = tmp_path_factory.mktemp("bpe")
    save_byte_level_bpe(train_byte_level_bpe(sentences, vocab_size=1000), path)
    return path


@pytest.fixture(scope="module")
def ours(folder):
    return load_byte_level_bpe(folder)


@pytest.fixture(scope="module")
def theirs(folder):
    return transformers.RobertaTokenizer.from_pretrained(folder)


def test_trained_vocabulary_has_roberta_special_ids_and_every_byte(folder, ours):
    vocab = ours.get_vocab()
    assert [vocab[token] for token in SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    assert len(vocab) == 1000
    assert "Ġthe" in vocab  # a merge learned on the corpus: " the" with its space
    assert ours.encode("\u00ff\u4e00").tokens[1:-1] != ["<unk>"]  # bytes, never unknown
    assert (folder / "merges.txt").read_text(encoding="utf-8").startswith("#version: 0.2\n")


@pytest.mark.parametrize("text", TEXTS)
def test_same_ids_as_transformers(ours, theirs, text):
    assert ours.encode(text).ids == theirs(text)["input_ids"]
    assert ours.encode(text).ids == transformers.RobertaTokenizerFast.from_pretrained(theirs.name_or_path)(text)[
        "input_ids"]


def test_pairs_as_roberta(ours, theirs):
    ids = ours.encode("First segment.", "Second one!").ids
    assert ids == theirs("First segment.", "Second one!")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2 and [2, 2] == ids[ids.index(2):ids.index(2) + 2]  # <s> A </s></s> B </s>


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_text_same_ids_and_round_trip(ours, theirs, text):
    encoding = ours.encode(text)
    assert encoding.ids == theirs(text)["input_ids"]
    assert ours.decode(encoding.ids, skip_special_tokens=False) == theirs.decode(encoding.ids)
    if not any(token in text for token in SPECIAL_TOKENS):
        assert ours.decode(encoding.ids) == text  # byte-level: nothing is lost


def test_small_vocabulary_and_missing_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 261"):
        train_byte_level_bpe(["a b"], vocab_size=100)
    with pytest.raises(FileNotFoundError, match="vocab.json"):
        load_byte_level_bpe(tmp_path)
