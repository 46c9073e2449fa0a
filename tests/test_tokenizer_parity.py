"""bertedu's BertTokenizer gives transformers.BertTokenizer's ids, on generated and on real text.

Generated text mixes arbitrary Unicode (hypothesis' characters: any code point but surrogates) with
the characters BERT's rules treat specially: accents and combining marks, CJK, emoji with joiners,
control, format and zero-width characters, every kind of whitespace, special tokens written in
the text, words over 100 characters. For each example the vocabulary is the course vocabulary plus
a hypothesis-chosen subset of the example's characters (alone and as ``##`` pieces), so that the
words BERT's rules produce are really compared (not all [UNK]) and [UNK] still happens. HF's
tokenizer gets that vocabulary by swapping its WordPiece model, which is exactly how
``transformers.BertTokenizer`` builds it (special tokens keep their ids 0-4).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bertedu.corpus import course_corpus
from bertedu.course import data_path
from bertedu.tokenizer.bert import BertTokenizer, load_vocab
from bertedu.tokenizer.fast import BertTokenizerFast

transformers = pytest.importorskip("transformers")
models = pytest.importorskip("tokenizers.models")

BASE_VOCAB = load_vocab(data_path("vocab.txt"))
CONFIGS = [
    {"do_lower_case": True},                                  # uncased: lowercase + strip accents
    {"do_lower_case": False},                                 # cased
    {"do_lower_case": True, "strip_accents": False},
    {"do_lower_case": False, "strip_accents": True},
    {"do_lower_case": True, "tokenize_chinese_chars": False},
]
TRICKY = [
    "é", "e\u0301", "İ", "ß", "ẞ", "Σ", "ΑΣ", "ﬁ", "Ǆ", "ΐ", "Å", "\u0300", "\u0344",
    "x\u0301\u0316\u0301", "\u200b", "\u200d", "\ufeff", "\x00", "\ufffd", "\x0b", "\x0c", "\x85",
    "\x1c", "\u2028", "\u3000", "\xa0", "\t", "\n", "\r", " ", "日本語", "\U0002B820", "\U0002B920",
    "ｶﾀｶﾅ", "한국어", "😀", "👩\u200d👩\u200d👧", "🏳️\u200d🌈", "\U0001FAE0", "[MASK]", "[mask]",
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[[MASK]]", "#", "##", "'", "-", ".", "$", "\U00011938",
    "\u1734", "\u166d", "\u2e5d", "\U0001E944", "\ua7cb", "\U00010D50", "\U0010FFFF", "\ue000",
    "a" * 101, "b" * 100, "don't", "U.S.A.", "naïve café",
]
piece = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(TRICKY),
                  st.text(st.sampled_from("abcdefghij ,.'"), max_size=8))
texts = st.lists(piece, max_size=20).map("".join)
PARITY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))

HF_TOKENIZERS = [transformers.BertTokenizer(vocab=dict(BASE_VOCAB), **config) for config in CONFIGS]


def vocabulary_for(example_texts: list[str], data, config_index: int) -> dict[str, int]:
    """The course vocabulary plus a drawn subset of the characters the example's words contain."""
    ours = BertTokenizer(BASE_VOCAB, **CONFIGS[config_index])
    rust = HF_TOKENIZERS[config_index].backend_tokenizer.normalizer
    characters = set()
    for text in example_texts:
        characters |= set(text) | set(rust.normalize_str(text))
        characters |= set("".join(ours.basic_tokenizer.tokenize(text)))
    characters = sorted(characters)
    keep = data.draw(st.lists(st.booleans(), min_size=len(characters), max_size=len(characters)))
    tokens = list(BASE_VOCAB)
    for character, kept in zip(characters, keep):
        tokens += [character, "##" + character] if kept else []
    return {token: index for index, token in enumerate(dict.fromkeys(tokens))}


def hf_with_vocab(config_index: int, vocab: dict[str, int]):
    hf = HF_TOKENIZERS[config_index]
    hf.backend_tokenizer.model = models.WordPiece(vocab, unk_token="[UNK]")
    return hf


def outcome(call):
    """The result, or "error" (HF raises plain Exceptions from Rust, we raise ValueError)."""
    try:
        return dict(call())
    except Exception:  # noqa: BLE001 - both sides must refuse the same inputs
        return "error"


@PARITY
@given(text=texts, data=st.data(), config_index=st.integers(0, len(CONFIGS) - 1))
def test_tokens_ids_and_decoding_match_hf(text, data, config_index):
    vocab = vocabulary_for([text], data, config_index)
    hf = hf_with_vocab(config_index, vocab)
    ours = BertTokenizer(vocab, **CONFIGS[config_index])
    assert ours.tokenize(text) == hf.tokenize(text)
    ids = ours.encode(text)
    assert ids == hf.encode(text)
    assert ours.decode(ids) == hf.decode(ids)
    assert ours.decode(ids, skip_special_tokens=True) == hf.decode(ids, skip_special_tokens=True)


@PARITY
@given(text=texts, pair=texts, data=st.data(), config_index=st.integers(0, len(CONFIGS) - 1),
       truncation=st.sampled_from([None, False, True, "longest_first", "only_first",
                                   "only_second"]),
       max_length=st.one_of(st.none(), st.integers(3, 40)))
def test_pairs_with_truncation_match_hf(text, pair, data, config_index, truncation, max_length):
    vocab = vocabulary_for([text, pair], data, config_index)
    hf = hf_with_vocab(config_index, vocab)
    ours = BertTokenizer(vocab, **CONFIGS[config_index])
    kwargs = {"truncation": truncation, "max_length": max_length}
    assert outcome(lambda: ours(text, pair, **kwargs)) == outcome(lambda: hf(text, pair, **kwargs))


@PARITY
@given(batch=st.lists(st.tuples(texts, texts), min_size=1, max_size=4),
       config_index=st.integers(0, len(CONFIGS) - 1),
       padding=st.sampled_from([False, True, "longest", "max_length"]),
       max_length=st.integers(3, 24))
def test_batches_with_padding_match_hf(batch, config_index, padding, max_length):
    hf = hf_with_vocab(config_index, BASE_VOCAB)
    ours = BertTokenizer(BASE_VOCAB, **CONFIGS[config_index])
    first, second = [a for a, _ in batch], [b for _, b in batch]
    kwargs = {"padding": padding, "truncation": True, "max_length": max_length}
    assert dict(ours(first, second, **kwargs)) == dict(hf(first, second, **kwargs))
    ours_tensors = ours(first, padding=True, return_tensors="pt")
    hf_tensors = hf(first, padding=True, return_tensors="pt")
    for key in ours.model_input_names:
        assert ours_tensors[key].dtype == hf_tensors[key].dtype
        assert ours_tensors[key].tolist() == hf_tensors[key].tolist()


@pytest.mark.parametrize("config", CONFIGS[:2], ids=["uncased", "cased"])
def test_real_text_matches_hf_and_fast_path(config):
    """Every sentence of the course corpus, and 300 pairs of neighbours truncated to 32 tokens."""
    sentences = [sentence for document in course_corpus() for sentence in document]
    hf = transformers.BertTokenizer(vocab=dict(BASE_VOCAB), **config)
    ours = BertTokenizer(data_path("vocab.txt"), **config)
    fast = BertTokenizerFast(data_path("vocab.txt"), **config)
    expected = hf(sentences)["input_ids"]
    assert ours(sentences)["input_ids"] == expected
    assert fast(sentences)["input_ids"] == expected
    pairs = (sentences[:300], sentences[1:301])
    expected = dict(hf(*pairs, truncation=True, max_length=32, padding=True))
    assert dict(ours(*pairs, truncation=True, max_length=32, padding=True)) == expected
    assert dict(fast(*pairs, truncation=True, max_length=32, padding=True)) == expected


@PARITY
@given(text=texts, config_index=st.integers(0, len(CONFIGS) - 1))
def test_fast_path_matches_python(text, config_index):
    ours = BertTokenizer(BASE_VOCAB, **CONFIGS[config_index])
    fast = BertTokenizerFast(BASE_VOCAB, **CONFIGS[config_index])
    assert fast.tokenize(text) == ours.tokenize(text)
    assert fast(text, text[::-1], truncation=True, max_length=16) == ours(
        text, text[::-1], truncation=True, max_length=16)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(text=st.text(), config_index=st.integers(0, len(CONFIGS) - 1))
def test_never_crashes_on_any_string(text, config_index):
    """Any str at all, lone surrogates included (which Rust cannot even receive)."""
    for tokenizer_class in (BertTokenizer, BertTokenizerFast):
        tokenizer = tokenizer_class(BASE_VOCAB, **CONFIGS[config_index])
        ids = tokenizer.encode(text, text, truncation=True, max_length=8)
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        tokenizer.decode(ids)


def test_hf_loads_what_we_save_and_we_load_what_hf_reads(tmp_path):
    ours = BertTokenizer(data_path("vocab.txt"), do_lower_case=False, model_max_length=128)
    ours.save_pretrained(tmp_path)
    hf = transformers.BertTokenizer.from_pretrained(tmp_path)
    assert hf.do_lower_case is False and hf.model_max_length == 128
    text = "Müller's [MASK] in Zürich, 1923."
    assert hf.encode(text) == ours.encode(text) == BertTokenizer.from_pretrained(tmp_path).encode(text)


def test_we_load_the_tokenizer_json_that_transformers_5_saves(tmp_path):
    hf = transformers.BertTokenizer(vocab=dict(BASE_VOCAB), do_lower_case=False)
    hf.save_pretrained(tmp_path)                    # tokenizer.json + tokenizer_config.json only
    assert not (tmp_path / "vocab.txt").exists()
    ours = BertTokenizer.from_pretrained(tmp_path)
    assert ours.do_lower_case is False and ours.vocab == BASE_VOCAB
    text = "Müller's [MASK] in Zürich, 1923."
    assert ours.encode(text) == hf.encode(text)
