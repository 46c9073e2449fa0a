"""The rest of Hugging Face's tokenizer API, checked against transformers.

Offsets (``return_offsets_mapping``) against ``transformers.BertTokenizer`` (in transformers 5 the
Rust tokenizer, the same class as ``BertTokenizerFast``), on generated Unicode text, pairs, padding
and truncation. ``never_split``, ``do_basic_tokenize`` and the special-token helpers against
``BertTokenizerLegacy``, transformers' Python tokenizer (the fast one has none of them).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_tokenizer_parity import (
    BASE_VOCAB,
    CONFIGS,
    HF_TOKENIZERS,
    PARITY,
    hf_with_vocab,
    texts,
    vocabulary_for,
)

from bertedu.tokenizer.basic import BasicTokenizer
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.tokenizer.fast import BertTokenizerFast

transformers = pytest.importorskip("transformers")
legacy = pytest.importorskip("transformers.models.bert.tokenization_bert_legacy")

COURSE = {"python": BertTokenizer(BASE_VOCAB), "fast": BertTokenizerFast(BASE_VOCAB)}
NEVER_SPLIT = ["Hello", "[x]", "NEW", "naïve"]


@PARITY
@given(text=texts, pair=st.one_of(st.none(), texts), data=st.data(),
       config_index=st.integers(0, len(CONFIGS) - 1), max_length=st.one_of(st.none(), st.integers(3, 12)),
       padding=st.sampled_from([False, "max_length"]), truncation=st.sampled_from(["longest_first", "only_first"]))
def test_offsets_match_hf_on_pairs_with_padding_and_truncation(text, pair, data, config_index, max_length,
                                                               padding, truncation):
    vocab = vocabulary_for([text, pair or ""], data, config_index)
    hf = hf_with_vocab(config_index, vocab)
    kwargs = {"return_offsets_mapping": True, "max_length": max_length,
              "padding": padding if max_length else False, "truncation": truncation if max_length else None}
    try:
        expected = dict(hf(text, pair, **kwargs))
    except Exception:  # noqa: BLE001 - HF refuses what cannot be truncated; so do we (tested elsewhere)
        return
    for tokenizer in (BertTokenizer, BertTokenizerFast):
        assert dict(tokenizer(vocab, **CONFIGS[config_index])(text, pair, **kwargs)) == expected


@pytest.mark.parametrize("kind", ["python", "fast"])
@pytest.mark.parametrize("text", ["Café! naïve façade", "e\u0301te\u0301", "İstanbul ΑΣ ß", "a\x07b\u200bc  d",
                                  "北京欢迎你 Beijing", "x[MASK]y [mask]", "ﬁne " + "a" * 101, "\u3000\xa0 tab\tend\n"])
def test_offsets_of_accents_cjk_controls_and_special_tokens(kind, text):
    expected = dict(HF_TOKENIZERS[0](text, "pair text", return_offsets_mapping=True))
    assert dict(COURSE[kind](text, "pair text", return_offsets_mapping=True)) == expected


def test_offsets_in_a_padded_batch_and_as_tensors():
    batch = ["Hello, world!", "Café au lait, s'il vous plaît.", ""]
    for kind, tokenizer in COURSE.items():
        got = tokenizer(batch, padding=True, return_offsets_mapping=True)
        assert dict(got) == dict(HF_TOKENIZERS[0](batch, padding=True, return_offsets_mapping=True)), kind
        tensors = tokenizer(batch, padding=True, return_offsets_mapping=True, return_tensors="pt")
        assert tensors["offset_mapping"].shape == (3, len(got["input_ids"][0]), 2)
        assert tensors["offset_mapping"].tolist() == [[list(span) for span in row] for row in got["offset_mapping"]]
    assert "offset_mapping" not in COURSE["python"]("Hello")
    # Rust cannot take a lone surrogate: the fast tokenizer falls back to the Python path, offsets too
    # (a NUL is dropped like the surrogate and takes one character too, so HF's offsets must be the same)
    assert COURSE["fast"]("ok \ud800 fine", return_offsets_mapping=True) == HF_TOKENIZERS[0](
        "ok \x00 fine", return_offsets_mapping=True)


@PARITY
@given(text=texts, config_index=st.integers(0, len(CONFIGS) - 1),
       never_split_words=st.lists(st.sampled_from(["Hello", "İ", "x", "日", "[MASK]", "a.b"]), max_size=3))
def test_basic_tokenizer_words_with_offsets_are_its_words(text, config_index, never_split_words):
    basic = BasicTokenizer(never_split=BertTokenizer(BASE_VOCAB).all_special_tokens,
                           never_split_words=never_split_words, **CONFIGS[config_index])
    words = basic.tokenize_with_offsets(text)
    assert [word for word, _ in words] == basic.tokenize(text)
    assert all(indices == sorted(indices) and indices[-1] < len(text) for _, indices in words)


LEGACY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "Hello", "world", "##s", ",", "!", "un",
                "##aff", "##able", "[", "]", "x", "new", "york", "New", "##Y", "##ork", "naive", "cafe", "北", "."]
odd_text = st.lists(st.sampled_from(["Hello", "hello", "HELLO", "[x]", "[x],", "NEW", "New", "York", "naïve", "Naïve",
                                     "café", "unaffable", "worlds", "[MASK]", "x", "北京", ",", "!", ".", " ", "  ",
                                     "\t", "\xa0", "\x1c", "\u3000"]), max_size=12).map("".join)


@pytest.fixture(scope="module")
def legacy_vocab_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("legacy") / "vocab.txt"
    path.write_text("".join(token + "\n" for token in LEGACY_VOCAB), encoding="utf-8")
    return path


@PARITY
@given(text=odd_text, do_lower_case=st.booleans(), do_basic_tokenize=st.booleans())
def test_never_split_and_do_basic_tokenize_match_hf(legacy_vocab_file, text, do_lower_case, do_basic_tokenize):
    options = {"do_lower_case": do_lower_case, "do_basic_tokenize": do_basic_tokenize, "never_split": NEVER_SPLIT}
    hf = legacy.BertTokenizerLegacy(str(legacy_vocab_file), **options)
    ours = BertTokenizer(legacy_vocab_file, **options)
    assert ours.tokenize(text) == hf.tokenize(text)
    assert ours(text, "New York")["input_ids"] == hf(text, "New York")["input_ids"]
    encoded = ours(text, return_offsets_mapping=True, add_special_tokens=False)
    for token, (start, end) in zip(ours.convert_ids_to_tokens(encoded["input_ids"]), encoded["offset_mapping"]):
        if token != "[UNK]" and (token in NEVER_SPLIT or not do_basic_tokenize):
            assert text[start:end] == token.removeprefix("##")  # kept as written


def test_never_split_by_hand(legacy_vocab_file):
    tokenizer = BertTokenizer(legacy_vocab_file, never_split=["Hello", "[x]"])
    # alone between spaces: kept as written and not split; with a comma attached or in capitals: normal
    assert tokenizer.tokenize("Hello, Hello HELLO [x] [x],") == [
        "hello", ",", "Hello", "hello", "[x]", "[", "x", "]", ","]
    assert tokenizer.tokenize("Hello[MASK]Hello") == ["Hello", "[MASK]", "Hello"]
    words_only = BertTokenizer(legacy_vocab_file, do_basic_tokenize=False)
    assert words_only.tokenize("Hello, unaffable\xa0x[MASK]") == ["[UNK]", "un", "##aff", "##able", "x", "[MASK]"]
    with pytest.raises(ValueError, match="use BertTokenizer"):
        BertTokenizerFast(legacy_vocab_file, never_split=["Hello"])
    with pytest.raises(ValueError, match="use BertTokenizer"):
        BertTokenizerFast(legacy_vocab_file, do_basic_tokenize=False)


ids = st.lists(st.integers(0, len(LEGACY_VOCAB) - 1), max_size=8)


@PARITY
@given(ids_0=ids, ids_1=st.one_of(st.none(), ids))
def test_special_token_helpers_match_hf(legacy_vocab_file, ids_0, ids_1):
    hf = legacy.BertTokenizerLegacy(str(legacy_vocab_file))
    ours = BertTokenizer(legacy_vocab_file)
    for name in ("build_inputs_with_special_tokens", "create_token_type_ids_from_sequences", "get_special_tokens_mask"):
        assert getattr(ours, name)(ids_0, ids_1) == getattr(hf, name)(ids_0, ids_1), name
    built = ours.build_inputs_with_special_tokens(ids_0, ids_1)
    assert ours.get_special_tokens_mask(built, already_has_special_tokens=True) == hf.get_special_tokens_mask(
        built, already_has_special_tokens=True)
    assert ours.get_special_tokens_mask(built, already_has_special_tokens=True) == HF_TOKENIZERS[0].get_special_tokens_mask(
        built, already_has_special_tokens=True)  # ids 0-4 are the special tokens in both vocabularies
    encoded = ours(ours.decode(ids_0) or "x")
    assert encoded["input_ids"] == ours.build_inputs_with_special_tokens(encoded["input_ids"][1:-1])
    with pytest.raises(ValueError, match="token_ids_1 must be None"):
        ours.get_special_tokens_mask(built, [5], already_has_special_tokens=True)


@PARITY
@given(tokens=st.lists(st.one_of(st.sampled_from(sorted(BASE_VOCAB)), st.sampled_from(["##", " ##y", "a ##b", "'", "n't"])),
                       max_size=10))
def test_convert_tokens_to_string_matches_hf(tokens):
    assert COURSE["python"].convert_tokens_to_string(tokens) == HF_TOKENIZERS[0].convert_tokens_to_string(tokens)
