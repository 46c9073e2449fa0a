"""Vocabulary training: the tokenizers-based trainer, the from-scratch one and the CLI."""

from __future__ import annotations

import argparse

import pytest

from bertedu.cli import vocab as cli_vocab
from bertedu.corpus import course_corpus
from bertedu.course import data_path
from bertedu.tokenizer.bert import BertTokenizer, load_vocab
from bertedu.tokenizer.vocab import (
    SPECIAL_TOKENS,
    train_wordpiece,
    train_wordpiece_from_scratch,
    word_counts,
    write_vocab,
)

SENTENCES = ["The hugging bear hugs the pug.", "Pugs and puns!", "A bun, a pun, a hug.",
             "Hugging is hugging; hugs are hugs."] * 5


def test_train_wordpiece_special_tokens_first_deterministic_and_usable(tmp_path):
    tokens = train_wordpiece(SENTENCES, vocab_size=45)
    assert tokens[:5] == list(SPECIAL_TOKENS) and len(tokens) == 45 == len(set(tokens))
    assert train_wordpiece(SENTENCES, vocab_size=45) == tokens
    assert "hugging" in tokens and "##s" in tokens
    tokenizer = BertTokenizer(write_vocab(tokens, tmp_path / "vocab.txt"))
    assert tokenizer.tokenize("Hugging pugs") == ["hugging", "pug", "##s"]
    cased = train_wordpiece(SENTENCES, vocab_size=45, do_lower_case=False)
    assert "T" in cased and "T" not in tokens


def test_from_scratch_follows_the_likelihood_score():
    """The Hugging Face course's example: ("##g", "##s") scores 5 / (20 * 5) and merges first."""
    counts = {"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}
    vocab, merges = train_wordpiece_from_scratch(counts, vocab_size=len(SPECIAL_TOKENS) + 7 + 3)
    assert vocab[:12] == [*SPECIAL_TOKENS, "##g", "##n", "##s", "##u", "b", "h", "p"]
    assert len(vocab) == 15 and len(merges) == 3
    assert merges[0] == ("##g", "##s", "##gs", pytest.approx(5 / (20 * 5)))
    assert [merge.token for merge in merges] == vocab[len(vocab) - len(merges):]


def test_word_counts_use_berts_words():
    assert word_counts(["Don't, don't!"]) == {"don": 2, "'": 2, "t": 2, ",": 1, "!": 1}


def test_cli_trains_on_any_format(tmp_path, capsys):
    corpus = tmp_path / "book.txt"
    corpus.write_text(" ".join(SENTENCES), encoding="utf-8")
    parser = argparse.ArgumentParser()
    cli_vocab.configure(parser)
    args = parser.parse_args(["--corpus", str(corpus), "--corpus-format", "text",
                              "--vocab-size", "50", "--output", str(tmp_path / "v.txt")])
    assert cli_vocab.run(args) == 0
    assert (tmp_path / "v.txt").read_text().splitlines()[:5] == list(SPECIAL_TOKENS)
    assert "50 tokens (uncased)" in capsys.readouterr().out


def test_errors():
    with pytest.raises(ValueError, match="vocab_size=5 must be larger"):
        train_wordpiece(SENTENCES, vocab_size=5)
    with pytest.raises(ValueError, match="distinct"):
        write_vocab(["a", "a"], "unused.txt")


def test_the_shipped_vocabulary_is_what_the_documented_command_trains():
    """data/README.md: python -m bertedu vocab --vocab-size 4000 --output data/vocab.txt"""
    sentences = [sentence for document in course_corpus() for sentence in document]
    assert train_wordpiece(sentences, vocab_size=4000) == list(load_vocab(data_path("vocab.txt")))
