"""CoNLL-2003 reading, IOB1 -> IOB2, word-piece label alignment, entity-level scores."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from tiny_wordpiece import make_tokenizer

from bertedu.course import data_path
from bertedu.finetuning.conll import (
    CONLL2003_LABELS,
    IGNORE_INDEX,
    align_labels,
    encode_ner,
    label_list,
    parse_conll,
    read_conll,
    to_iob2,
    tokenize_words,
    word_tags,
)
from bertedu.finetuning.ner_metrics import entity_scores, get_entities

ORIGINAL_LAYOUT = """-DOCSTART- -X- -X- O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

Paris NNP I-NP I-LOC
Lyon NNP I-NP B-LOC
"""


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return make_tokenizer(tmp_path_factory.mktemp("vocab"))


def test_parse_original_layout_iob1():
    sentences = parse_conll(ORIGINAL_LAYOUT)
    assert sentences == [
        (["EU", "rejects", "German", "call", "."], ["B-ORG", "O", "B-MISC", "O", "O"]),
        (["Peter", "Blackburn"], ["B-PER", "I-PER"]),
        (["Paris", "Lyon"], ["B-LOC", "B-LOC"]),
    ]
    raw = parse_conll(ORIGINAL_LAYOUT, convert_to_iob2=False)
    assert raw[0][1] == ["I-ORG", "O", "I-MISC", "O", "O"]
    assert raw[2][1] == ["I-LOC", "B-LOC"]


def test_parse_token_tag_flag_variant():
    text = "EU B-ORG 0\nrejects O 0\n\nPeter B-PER 0\nBlackburn I-PER 0\n"
    assert parse_conll(text) == [(["EU", "rejects"], ["B-ORG", "O"]),
                                 (["Peter", "Blackburn"], ["B-PER", "I-PER"])]
    assert parse_conll("EU x B-ORG\n", tag_column=2) == [(["EU"], ["B-ORG"])]


@pytest.mark.parametrize("text, kwargs, message", [
    ("EU B-ORG\nrejects X-ORG\n", {}, "line 2: tag 'X-ORG'"),
    ("EU NNP\n", {}, "line 1: no column"),
    ("EU B-ORG 0\nrejects\n", {}, "line 2: expected a token and a tag in column 1"),
    ("EU B-ORG\n", {"tag_column": 0}, "tag_column must be >= 1"),
])
def test_parse_rejects_bad_lines(text, kwargs, message):
    with pytest.raises(ValueError, match=message):
        parse_conll(text, **kwargs)


def test_to_iob2():
    assert to_iob2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-ORG"]) == \
        ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"]


tag_lists = st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), max_size=12)


@given(tag_lists)
def test_iob2_conversion_keeps_entities(tags):
    converted = to_iob2(tags)
    assert to_iob2(converted) == converted
    assert get_entities(converted) == get_entities(tags)
    assert all(not tag.startswith("I-") or previous[2:] == tag[2:]
               for previous, tag in zip(["O"] + converted, converted))


@pytest.mark.parametrize("name, size", [("conll_train.txt", 125), ("conll_dev.txt", 39)])
def test_samples(name, size):
    sentences = read_conll(data_path("samples", name))
    assert len(sentences) == size
    assert label_list(sentences) == ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG",
                                     "B-PER", "I-PER"]
    assert sorted(label_list(sentences)) == sorted(CONLL2003_LABELS)
    # the samples are written in IOB2, like the real file the project was checked against
    assert read_conll(data_path("samples", name), convert_to_iob2=False) == sentences
    lines = data_path("samples", name).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "-DOCSTART- -X- -X- O"
    assert all(len(line.split()) == 4 for line in lines if line)


def test_tokenize_words_and_align_labels(tokenizer):
    pieces, word_ids = tokenize_words(["John", "smiths", "xyz", "\x07"], tokenizer)
    assert pieces == ["john", "smith", "##s", "x", "##y", "##z", "[UNK]"]
    assert word_ids == [0, 1, 1, 2, 2, 2, 3]
    labels = align_labels([None] + word_ids + [None], [1, 0, 5, 0])
    assert labels == [-100, 1, 0, -100, 5, -100, -100, 0, -100]


def test_encode_ner_labels_first_pieces_only(tokenizer):
    sentences = [(["John", "Smith", "visited", "Paris"], ["B-PER", "I-PER", "O", "B-LOC"]),
                 (["xyz"], ["B-MISC"])]
    batch = encode_ner(sentences, tokenizer)
    ids = {label: i for i, label in enumerate(CONLL2003_LABELS)}
    visited = len(tokenizer.tokenize("visited"))
    expected = ([IGNORE_INDEX, ids["B-PER"], ids["I-PER"], ids["O"]] + [IGNORE_INDEX] * (visited - 1)
                + [ids["B-LOC"], IGNORE_INDEX])
    assert batch["labels"][0].tolist() == expected
    assert batch["labels"][1].tolist() == [IGNORE_INDEX, ids["B-MISC"]] + [IGNORE_INDEX] * (
        len(expected) - 2)
    assert batch["input_ids"][1, :5].tolist() == tokenizer.convert_tokens_to_ids(
        ["[CLS]", "x", "##y", "##z", "[SEP]"])
    assert batch["attention_mask"].sum(1).tolist() == [len(expected), 5]
    assert (batch["input_ids"][1, 5:] == tokenizer.pad_token_id).all()
    assert word_tags(batch["labels"], batch["labels"], CONLL2003_LABELS) == [t for _, t in sentences]


def test_encode_ner_truncates_and_checks(tokenizer):
    batch = encode_ner([(["xyz", "xyz"], ["B-PER", "O"])], tokenizer, max_length=6)
    assert batch["input_ids"].shape == (1, 6)
    assert batch["input_ids"][0, -1] == tokenizer.sep_token_id
    assert (batch["labels"] != IGNORE_INDEX).sum() == 2  # "x ##y ##z" and the first piece "x"
    with pytest.raises(ValueError, match=r"tags \['B-FOO'\] are not in the label list"):
        encode_ner([(["a"], ["B-FOO"])], tokenizer)
    with pytest.raises(ValueError, match="max_length"):
        encode_ner([(["a"], ["O"])], tokenizer, max_length=2)


def test_word_tags_from_predictions():
    labels = torch.tensor([[-100, 1, -100, 0, -100], [-100, 5, -100, -100, -100]])
    predictions = torch.tensor([[3, 1, 2, 4, 0], [0, 6, 0, 0, 0]])
    assert word_tags(predictions, labels, CONLL2003_LABELS) == [["B-PER", "I-ORG"], ["I-LOC"]]
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        word_tags(predictions[0], labels[0], CONLL2003_LABELS)


@pytest.mark.parametrize("tags, entities", [
    (["B-PER", "I-PER", "O", "I-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
    (["I-PER", "I-PER", "B-PER", "I-PER"], [("PER", 0, 1), ("PER", 2, 3)]),  # IOB1
    (["B-PER", "I-LOC", "I-LOC", "O"], [("PER", 0, 0), ("LOC", 1, 2)]),  # type change starts one
    (["O", "O"], []),
    ([], []),
])
def test_get_entities_conlleval_rules(tags, entities):
    assert get_entities(tags) == entities


def test_entity_scores_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG"], ["B-MISC", "I-MISC", "O", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG", "O", "B-ORG", "O"],  # wrong type, boundary error
                 ["B-MISC", "I-MISC", "O", "B-PER"]]  # one spurious entity
    # gold: PER, LOC, ORG, MISC; predicted: PER ok, ORG (type), ORG (span), MISC ok, PER spurious
    scores = entity_scores(gold, predicted)
    assert scores["overall"] == pytest.approx(
        {"precision": 2 / 5, "recall": 2 / 4, "f1": 4 / 9, "support": 4}, abs=1e-12)
    assert scores["PER"] == pytest.approx(
        {"precision": 1 / 2, "recall": 1.0, "f1": 2 / 3, "support": 1}, abs=1e-12)
    assert scores["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert scores["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert scores["MISC"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_entity_scores_edge_cases():
    gold = [["B-PER", "O"]]
    assert entity_scores(gold, gold)["overall"]["f1"] == 1.0
    assert entity_scores(gold, [["O", "O"]])["overall"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    with pytest.raises(ValueError, match="sentence 0 has 2 gold tags but 1"):
        entity_scores(gold, [["O"]])
    with pytest.raises(ValueError, match="1 gold and 2 predicted"):
        entity_scores(gold, gold * 2)
    with pytest.raises(ValueError, match="tag 'PER'"):
        entity_scores([["PER"]], [["O"]])
