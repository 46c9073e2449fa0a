"""Bad inputs get a ValueError that says what was wrong and what is allowed."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import bertedu
from bertedu.tokenizer import load_vocab

CONFIG = bertedu.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=32, max_position_embeddings=12, type_vocab_size=2)


@pytest.fixture(scope="module")
def model():
    return bertedu.BertModel(CONFIG).eval()


def ids(*shape):
    return torch.randint(0, 50, shape)


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_ids=ids(13)), r"shape \(batch_size, seq_len\), got \(13,\)"),
    (dict(input_ids=ids(1, 13)), "sequence length 13 exceeds max_position_embeddings=12"),
    (dict(input_ids=torch.tensor([[1, 2, 50]])), r"input_ids contains 50, outside \[0, 50\)"),
    (dict(input_ids=torch.tensor([[1, -1]])), r"input_ids contains -1"),
    (dict(input_ids=torch.rand(2, 3)), "integer token ids"),
    (dict(input_ids=ids(2, 0)), "empty"),
    (dict(input_ids=ids(2, 5), attention_mask=torch.ones(2, 4)), r"attention_mask must have the shape"),
    (dict(input_ids=ids(2, 5), token_type_ids=torch.zeros(5, dtype=torch.long)), "token_type_ids must have"),
    (dict(input_ids=ids(2, 5), token_type_ids=torch.full((2, 5), 2)), r"token_type_ids contains 2.*type_vocab_size=2"),
    (dict(input_ids=ids(2, 5), position_ids=torch.full((2, 5), 12)), "position_ids contains 12"),
    (dict(input_ids=[[1, 2, 3]]), "got list"),
    (dict(input_ids=ids(0, 5)), r"no sequence \(batch size 0\): skip empty batches"),
    (dict(input_ids=ids(0, 0)), r"batch size 0"),
    (dict(input_ids=torch.rand(2, 3)), r"use input_ids.long\(\)"),
    (dict(input_ids=ids(2, 5), token_type_ids=torch.zeros(2, 5)),
     r"token_type_ids must hold integer ids, got dtype torch.float32; use token_type_ids.long\(\)"),
    (dict(input_ids=ids(2, 5), position_ids=torch.arange(5.0).expand(2, 5)),
     r"position_ids must hold integer ids, got dtype torch.float32; use position_ids.long\(\)"),
    (dict(input_ids=ids(2, 5), token_type_ids=torch.full((2, 5), -1)), r"token_type_ids contains -1"),
    (dict(input_ids=ids(2, 5), attention_mask=[[1] * 5] * 2),
     r"attention_mask must be a tensor, got list; use torch.tensor\(attention_mask\)"),
    (dict(input_ids=ids(1, 3), attention_mask=torch.tensor([[1, 2, 0]])),
     r"attention_mask must hold 1 for a token to attend to and 0 for padding, got 2"),
    (dict(input_ids=ids(1, 3), attention_mask=torch.tensor([[1.0, 0.5, 0.0]])), "got 0.5"),
    (dict(input_ids=ids(1, 3), attention_mask=torch.tensor([[-1, -1, -1]])), "got -1"),
    (dict(input_ids=ids(1, 3), attention_mask=torch.tensor([[1.0, float("nan"), 1.0]])), "got nan"),
])
def test_bad_inputs(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        model(**kwargs)


def test_wrong_config_type():
    with pytest.raises(TypeError, match="needs a bertedu.BertConfig"):
        bertedu.BertModel({"hidden_size": 16})


def test_sinusoid_arguments():
    with pytest.raises(ValueError, match="even dim"):
        bertedu.sinusoidal_positional_encoding(10, 7)


def test_value_checks_step_aside_under_torch_compile(model, monkeypatch):
    """While torch.compile traces, reading values back (min/max, mask.all()) would break its graph:
    the range checks are skipped and the mask is kept, which gives the same output."""
    input_ids = torch.tensor([[2, 5, 7, 3]])
    mask = torch.ones_like(input_ids)
    model.eval()
    expected = model(input_ids, attention_mask=mask).last_hidden_state
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    torch.testing.assert_close(model(input_ids, attention_mask=mask).last_hidden_state, expected)
    with pytest.raises(IndexError):  # unchecked: the embedding lookup fails instead of our message
        model(torch.tensor([[2, 10**6]]))


@pytest.mark.parametrize("output_attentions", [False, True])
def test_a_mask_row_of_minus_one_is_refused_not_nan(model, output_attentions):
    """It used to give NaN attention (the -1 became a weight of 2 x the dtype's minimum: -inf)."""
    with pytest.raises(ValueError, match="got -1"):
        model(ids(2, 4), torch.tensor([[1, 1, 1, 1], [-1, -1, -1, -1]]), output_attentions=output_attentions)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0, 1]), min_size=6, max_size=6), min_size=1, max_size=3),
       st.sampled_from([torch.bool, torch.int32, torch.uint8, torch.float16, torch.float32, torch.float64]))
def test_every_0_1_mask_of_any_dtype_means_the_same(model, rows, dtype):
    input_ids = torch.arange(len(rows) * 6).reshape(len(rows), 6) % 50
    reference = torch.tensor(rows, dtype=torch.long)
    with torch.no_grad():
        expected = model(input_ids, reference, output_attentions=True)
        got = model(input_ids, reference.to(dtype), output_attentions=True)
    torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=0, rtol=0)
    assert len(got.attentions) == len(expected.attentions)
    for ours, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=0, rtol=0)


@settings(max_examples=40, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: x not in (0.0, 1.0)),
       st.integers(0, 5))
def test_any_other_mask_value_is_refused(model, value, position):
    mask = torch.ones(1, 6, dtype=torch.float64)
    mask[0, position] = value
    with pytest.raises(ValueError, match="attention_mask must hold 1 for a token to attend to and 0"):
        model(ids(1, 6), mask)


def test_vocab_that_is_not_utf8_names_the_file(tmp_path):
    (tmp_path / "vocab.txt").write_bytes("[PAD]\n[UNK]\ncaf".encode() + b"\xe9\n")
    with pytest.raises(ValueError, match=r"vocab file .*vocab.txt, line 3: byte 0xe9 is not UTF-8; save the "
                                         r"file as UTF-8"):
        load_vocab(tmp_path / "vocab.txt")
    with pytest.raises(ValueError, match="vocab.txt, line 3: byte 0xe9 is not UTF-8"):
        bertedu.BertTokenizer(tmp_path / "vocab.txt")
