"""Bad inputs get a ValueError that says what was wrong and what is allowed."""

import pytest
import torch

import bertedu

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
