"""Corpus readers: every format gives documents made of sentences."""

from __future__ import annotations

import pytest

from bertedu.corpus import (
    course_corpus,
    course_corpus_files,
    read_bert_format,
    read_corpus,
    read_text,
    read_wikitext,
    split_sentences,
)

WIKITEXT = """ 
 = Robert Boulter = 
 
 Robert Boulter is an English film , television and theatre actor . He had a guest @-@ starring role in 2000 . 
 
 = = Career = = 
 
 In 2006 , <unk> starred in a play costing £ 1 @,@ 000 @.@ 50 . It ran for two weeks . 
 
 = Du Fu = 
 
 Du Fu was a prominent Chinese poet of the Tang dynasty . 
"""


def test_bert_format_blank_lines_separate_documents(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("First sentence.\nSecond one.\n\n\n  \nOther document.\n", encoding="utf-8")
    assert read_bert_format(path) == [["First sentence.", "Second one."], ["Other document."]]


def test_wikitext_articles_paragraphs_and_markers(tmp_path):
    path = tmp_path / "wiki.test.tokens"
    path.write_text(WIKITEXT, encoding="utf-8")
    assert read_wikitext(path) == [
        ["Robert Boulter is an English film , television and theatre actor .",
         "He had a guest-starring role in 2000 .",
         "In 2006 , [UNK] starred in a play costing £ 1,000.50 .", "It ran for two weeks ."],
        ["Du Fu was a prominent Chinese poet of the Tang dynasty ."],
    ]


def test_plain_text_is_one_document(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text("It was late. The lamp\nflickered!\n\nShe asked: \"Why?\" Nobody knew.\n")
    assert read_text(path) == [["It was late.", "The lamp flickered!", "She asked: \"Why?\"",
                                "Nobody knew."]]


def test_sentence_splitting():
    assert split_sentences('He said "Stop." Then 3 cats left! (Really.) e.g. this one') == [
        'He said "Stop."', "Then 3 cats left!", "(Really.) e.g. this one"]


def test_read_corpus_concatenates_files_and_checks_the_format(tmp_path):
    (tmp_path / "a.txt").write_text("A one.\n\nA two.\n")
    (tmp_path / "b.txt").write_text("B one.\n")
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    assert read_corpus(files) == [["A one."], ["A two."], ["B one."]]
    assert read_corpus(str(tmp_path / "b.txt"), "text") == [["B one."]]
    with pytest.raises(ValueError, match="unknown corpus format 'csv'"):
        read_corpus(files, "csv")
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        read_corpus(tmp_path / "missing.txt")


def test_the_course_corpus():
    files = course_corpus_files()
    assert files == sorted(files) and all(path.suffix == ".txt" for path in files)
    documents = course_corpus()
    assert len(documents) >= 100
    assert all(document and all(sentence.strip() == sentence != "" for sentence in document)
               for document in documents)
