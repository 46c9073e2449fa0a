"""BertTokenizer's rules one by one, WordPiece, and the API: pairs, truncation, padding, tensors,
decoding, files and errors. (Parity with transformers is in test_tokenizer_parity.py.)"""

from __future__ import annotations

import json

import pytest
import torch

from bertedu.course import data_path
from bertedu.tokenizer import basic as rules
from bertedu.tokenizer.basic import BasicTokenizer
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.tokenizer.encoding import longest_first_lengths
from bertedu.tokenizer.fast import BertTokenizerFast
from bertedu.tokenizer.wordpiece import WordpieceTokenizer

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOY = SPECIAL + ["un", "##aff", "##able", "aff", "a", "b", "c", "d", "e", "f", "g", "h", "the",
                 "cafe", "café", "naive", ",", ".", "'", "t", "don", "##s", "dog", "!", "?"]


@pytest.fixture
def toy():
    return BertTokenizer({token: index for index, token in enumerate(TOY)})


@pytest.fixture(scope="module")
def course():
    return BertTokenizer(data_path("vocab.txt"))


# --- the BasicTokenizer's rules, each on an example that needs it -------------------------------
def test_rule_1_cleaning_drops_controls_and_normalises_whitespace():
    assert rules.clean_text("a\x00b\ufffdc\u200bd\x07e") == "abcde"   # NUL, U+FFFD, Cf, Cc
    assert rules.clean_text("a\tb\nc\rd\u3000e\xa0f\u2028g") == "a b c d e f g"
    assert rules.clean_text("\ue000x") == "x"                                # private use


def test_rule_2_cjk_ideographs_become_words_but_kana_and_hangul_do_not():
    assert BasicTokenizer().tokenize("我爱北京") == ["我", "爱", "北", "京"]
    assert BasicTokenizer(do_lower_case=False).tokenize("カタカナ 한국어") == ["カタカナ", "한국어"]
    # (Uncased, accent stripping decomposes each Hangul syllable into its letters, jamo.)
    assert len(BasicTokenizer().tokenize("한국어")[0]) == 8
    assert BasicTokenizer(tokenize_chinese_chars=False).tokenize("我爱北京") == ["我爱北京"]


def test_rule_3_and_4_accents_follow_lowercasing_unless_told():
    assert BasicTokenizer().tokenize("Café NAÏVE") == ["cafe", "naive"]
    assert BasicTokenizer(strip_accents=False).tokenize("Café") == ["café"]
    assert BasicTokenizer(do_lower_case=False).tokenize("Café") == ["Café"]
    assert BasicTokenizer(do_lower_case=False, strip_accents=True).tokenize("Café") == ["Cafe"]
    # Accents are stripped before lowercasing, and lowercasing is character by character.
    assert BasicTokenizer().tokenize("İSTANBUL ΟΔΟΣ") == ["istanbul", "οδοσ"]


def test_rule_6_punctuation_includes_ascii_symbols():
    assert rules.split_on_punctuation("don't") == ["don", "'", "t"]
    assert rules.split_on_punctuation("$5+3=8") == ["$", "5", "+", "3", "=", "8"]
    assert rules.split_on_punctuation("«oui»") == ["«", "oui", "»"]
    assert not rules.is_punctuation("€") and rules.is_punctuation("^")


def test_rule_0_special_tokens_in_raw_text_are_kept_whole_but_only_when_written_exactly():
    basic = BasicTokenizer(never_split=SPECIAL)
    assert basic.tokenize("a[MASK]b [SEP]") == ["a", "[MASK]", "b", "[SEP]"]
    assert basic.tokenize("[mask]") == ["[", "mask", "]"]
    assert basic.tokenize("[MA\x00SK]") == ["[", "mask", "]"]


# --- WordPiece ------------------------------------------------------------------------------------
def test_wordpiece_greedy_longest_match_first_and_unknown_words():
    wordpiece = WordpieceTokenizer({token: index for index, token in enumerate(TOY)})
    assert wordpiece.tokenize("unaffable") == ["un", "##aff", "##able"]
    assert wordpiece.tokenize("affable") == ["aff", "##able"]
    assert wordpiece.tokenize("unaffablez") == ["[UNK]"]        # one unmatched piece: whole word
    assert wordpiece.tokenize("dogs dog") == ["dog", "##s", "dog"]
    wordpiece = WordpieceTokenizer({"[UNK]": 0, "a": 1, "##a": 2})
    assert wordpiece.tokenize_word("a" * 100) == ["a"] + ["##a"] * 99
    assert wordpiece.tokenize_word("a" * 101) == ["[UNK]"]      # longer than 100 characters


def test_tokenize_and_ids(toy):
    assert toy.tokenize("Unaffable, don't!") == ["un", "##aff", "##able", ",", "don", "'", "t", "!"]
    assert toy.tokenize("a", "b", add_special_tokens=True) == ["[CLS]", "a", "[SEP]", "b", "[SEP]"]
    assert toy.convert_tokens_to_ids(["the", "zebra"]) == [TOY.index("the"), 1]
    assert toy.convert_tokens_to_ids("the") == TOY.index("the")
    assert toy.convert_ids_to_tokens([5, 6]) == ["un", "##aff"]
    assert toy.convert_ids_to_tokens(torch.tensor([5, 6])) == ["un", "##aff"]
    assert toy.convert_ids_to_tokens(4) == "[MASK]"
    assert (toy.cls_token_id, toy.sep_token_id, toy.pad_token_id, toy.mask_token_id,
            toy.unk_token_id) == (2, 3, 0, 4, 1)
    assert len(toy) == toy.vocab_size == len(TOY)


# --- BERT's input format --------------------------------------------------------------------------
def test_pairs_segments_and_masks(toy):
    encoded = toy("a b", "c")
    assert encoded["input_ids"] == [2, TOY.index("a"), TOY.index("b"), 3, TOY.index("c"), 3]
    assert encoded.token_type_ids == [0, 0, 0, 0, 1, 1]
    assert encoded.attention_mask == [1] * 6
    assert toy("a b", "c", add_special_tokens=False)["token_type_ids"] == [0, 0, 1]


@pytest.mark.parametrize("lengths, budget, expected", [
    ((2, 9), 7, (2, 5)),      # the shorter fits in half: it stays whole, the longer gets the rest
    ((9, 2), 7, (5, 2)),
    ((6, 4), 7, (4, 3)),      # both cut: half each, the odd token to the longer
    ((4, 6), 7, (3, 4)),
    ((5, 5), 5, (2, 3)),      # a tie: the odd token to the second
    ((3, 4), 7, (3, 4)),      # fits: nothing cut
])
def test_longest_first_rule(lengths, budget, expected):
    assert longest_first_lengths(*lengths, budget) == expected


def test_truncation_strategies(toy):
    a, b = "a b c d e", "f g h"
    assert len(toy(a, b, truncation=True, max_length=7)["input_ids"]) == 7
    assert toy.encode(a, max_length=4) == [2, TOY.index("a"), TOY.index("b"), 3]  # None: truncate
    assert len(toy.encode(a, max_length=4, truncation=False)) == 7
    only_first = toy(a, b, truncation="only_first", max_length=8)["input_ids"]
    assert only_first == [2, *toy.convert_tokens_to_ids(list("ab")), 3,
                          *toy.convert_tokens_to_ids(list("fgh")), 3]
    with pytest.raises(ValueError, match="only_second"):
        toy(a, b, truncation="only_second", max_length=5)
    with pytest.raises(ValueError, match="needs a second sequence"):
        toy(a, truncation="only_second", max_length=4)
    with pytest.raises(ValueError, match="special tokens alone"):
        toy(a, b, truncation=True, max_length=2)
    with pytest.raises(ValueError, match="truncation='middle' is not allowed"):
        toy(a, truncation="middle", max_length=4)


def test_padding_and_tensors(toy):
    batch = toy(["a b c", "d"], padding=True, return_tensors="pt")
    assert batch["input_ids"].shape == (2, 5) and batch["input_ids"].dtype == torch.long
    assert batch["input_ids"][1].tolist() == [2, TOY.index("d"), 3, 0, 0]
    assert batch["attention_mask"][1].tolist() == [1, 1, 1, 0, 0]
    assert toy("a", padding="max_length", max_length=6)["input_ids"] == [2, TOY.index("a"), 3, 0, 0, 0]
    assert toy("a", return_tensors="pt")["input_ids"].shape == (1, 3)
    assert batch.to("cpu")["input_ids"].shape == (2, 5)
    with pytest.raises(ValueError, match="padding=True"):
        toy(["a b c", "d"], return_tensors="pt")
    with pytest.raises(ValueError, match="needs max_length"):
        toy("a", padding="max_length")
    with pytest.raises(ValueError, match="return_tensors='tf'"):
        toy("a", return_tensors="tf")
    with pytest.raises(ValueError, match="text_pair must be"):
        toy(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="text must be a str"):
        toy(3)


def test_decode(toy):
    ids = toy.encode("Unaffable, don't!")
    assert toy.decode(ids) == "[CLS] unaffable, don ' t! [SEP]"
    assert toy.decode(ids, skip_special_tokens=True) == "unaffable, don ' t!"
    assert toy.decode(torch.tensor(ids)) == toy.decode(ids)
    assert toy.batch_decode([ids, ids[:2]]) == [toy.decode(ids), "[CLS] un"]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        toy.decode([999])


# --- files ----------------------------------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path, course):
    cased = BertTokenizer(data_path("vocab.txt"), do_lower_case=False, model_max_length=64)
    paths = cased.save_pretrained(tmp_path)
    assert [path.split("/")[-1] for path in paths] == ["vocab.txt", "tokenizer_config.json"]
    assert (tmp_path / "vocab.txt").read_text(encoding="utf-8") == data_path(
        "vocab.txt").read_text(encoding="utf-8")
    loaded = BertTokenizer.from_pretrained(tmp_path)
    assert (loaded.do_lower_case, loaded.model_max_length) == (False, 64)
    assert loaded.encode("Zürich") == cased.encode("Zürich") != course.encode("Zürich")
    assert BertTokenizerFast.from_pretrained(tmp_path).encode("Zürich") == cased.encode("Zürich")
    # model_max_length from the config is what truncation=True uses without max_length.
    assert len(loaded("word " * 100, truncation=True)["input_ids"]) == 64


def test_from_pretrained_reads_hf_style_configs(tmp_path):
    (tmp_path / "vocab.txt").write_text("\n".join(TOY) + "\n", encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({
        "do_lower_case": False, "model_max_length": 1000000000000000019884624838656,
        "mask_token": {"content": "[MASK]", "special": True}, "clean_up_tokenization_spaces": True}))
    tokenizer = BertTokenizer.from_pretrained(tmp_path)
    assert tokenizer.do_lower_case is False and tokenizer.model_max_length is None
    assert tokenizer.mask_token == "[MASK]"


def test_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="no vocab.txt or tokenizer.json"):
        BertTokenizer.from_pretrained(tmp_path)
    (tmp_path / "tokenizer.json").write_text('{"model": {"type": "BPE", "vocab": {}}}')
    with pytest.raises(ValueError, match="not a WordPiece tokenizer"):
        BertTokenizer.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="has no \\[MASK\\]"):
        BertTokenizer({"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3})
