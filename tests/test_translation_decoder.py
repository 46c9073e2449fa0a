"""The decoder BERT (lesson 12) against transformers' BertLMHeadModel(is_decoder, add_cross_attention)."""

from __future__ import annotations

import pytest
import torch
import transformers
from conftest import hf_config, make_inputs
from hypothesis import given, settings
from hypothesis import strategies as st

import bertedu
from bertedu.translation import BertLMHeadModel, causal_attention_mask

ATOL = 1e-5


def twins(config: bertedu.BertConfig) -> tuple[BertLMHeadModel, transformers.BertLMHeadModel]:
    torch.manual_seed(0)
    theirs = transformers.BertLMHeadModel(hf_config(config, is_decoder=True, add_cross_attention=True)).eval()
    ours = BertLMHeadModel(config).eval()
    result = ours.load_state_dict(theirs.state_dict(), strict=False)
    assert not result.missing_keys and not result.unexpected_keys
    return ours, theirs


def source(config: bertedu.BertConfig, batch_size: int = 3, source_len: int = 5):
    """Random encoder states and a source mask with padding (the last row: one real token)."""
    g = torch.Generator().manual_seed(1)
    states = torch.randn(batch_size, source_len, config.hidden_size, generator=g)
    mask = torch.ones(batch_size, source_len, dtype=torch.long)
    mask[1, 3:] = 0
    mask[2, 1:] = 0
    return states, mask


def test_lm_head_model_matches_transformers(config):
    ours, theirs = twins(config)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    states, source_mask = source(config)
    with torch.no_grad():
        a = ours(input_ids, attention_mask, states, source_mask, token_type_ids, labels=labels,
                 output_attentions=True, output_hidden_states=True)
        b = theirs(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                   encoder_hidden_states=states, encoder_attention_mask=source_mask, labels=labels,
                   output_attentions=True, output_hidden_states=True)
    torch.testing.assert_close(a.logits, b.logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.loss, b.loss, atol=ATOL, rtol=0)
    for name in ("hidden_states", "attentions", "cross_attentions"):
        assert len(getattr(a, name)) == len(getattr(b, name))
        for x, y in zip(getattr(a, name), getattr(b, name)):
            torch.testing.assert_close(x, y, atol=ATOL, rtol=0)
    assert a.cross_attentions[0].shape == (3, config.num_attention_heads, 9, 5)
    # Padded source positions get no cross-attention; the causal maps are zero above the diagonal.
    assert float(a.cross_attentions[0][1, :, :, 3:].abs().max()) == 0.0
    assert float(a.attentions[0][0].triu(1).abs().max()) == 0.0


def test_the_loss_predicts_the_next_token(config):
    ours, _ = twins(config)
    input_ids, attention_mask, _ = make_inputs(config)
    states, source_mask = source(config)
    with torch.no_grad():
        out = ours(input_ids, attention_mask, states, source_mask, labels=input_ids)
    expected = torch.nn.functional.cross_entropy(out.logits[:, :-1].reshape(-1, config.vocab_size),
                                                 input_ids[:, 1:].reshape(-1))
    torch.testing.assert_close(out.loss, expected, atol=ATOL, rtol=0)
    unshifted = torch.nn.functional.cross_entropy(out.logits.reshape(-1, config.vocab_size), input_ids.reshape(-1))
    assert abs(float(out.loss - unshifted)) > 1e-3


def test_without_encoder_states_it_is_a_decoder_only_language_model(config):
    ours, theirs = twins(config)
    input_ids, attention_mask, _ = make_inputs(config)
    with torch.no_grad():
        a = ours(input_ids, attention_mask, output_attentions=True)
        b = theirs(input_ids=input_ids, attention_mask=attention_mask)
    torch.testing.assert_close(a.logits, b.logits, atol=ATOL, rtol=0)
    assert a.cross_attentions is None and len(a.attentions) == config.num_hidden_layers


@settings(max_examples=25, deadline=None)
@given(seq_len=st.integers(2, 12), position=st.integers(0, 11), seed=st.integers(0, 2**16))
def test_no_position_sees_the_future(seq_len, position, seed):
    """Changing the token at ``position`` leaves every earlier position's logits unchanged."""
    position = position % seq_len
    config = bertedu.BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                intermediate_size=20)
    torch.manual_seed(seed)
    model = BertLMHeadModel(config).eval()
    states = torch.randn(1, 4, 16)
    input_ids = torch.randint(0, 30, (1, seq_len))
    changed = input_ids.clone()
    changed[0, position] = (changed[0, position] + 1) % 30
    with torch.no_grad():
        a, b = model(input_ids, None, states).logits, model(changed, None, states).logits
    torch.testing.assert_close(a[:, :position], b[:, :position], atol=1e-6, rtol=0)
    assert float((a[:, position] - b[:, position]).abs().max()) > 1e-4


def test_causal_mask_with_padding_is_finite_and_uses_the_most_negative_number():
    mask = causal_attention_mask(torch.tensor([[1, 1, 0]]), 3, torch.float32, torch.device("cpu"))
    low = torch.finfo(torch.float32).min
    expected = torch.tensor([[0, low, low], [0, 0, low], [0, 0, low]])
    assert mask.shape == (1, 1, 3, 3) and torch.equal(mask[0, 0], expected)


def test_bad_encoder_states_are_named():
    config = bertedu.BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=20)
    model = BertLMHeadModel(config)
    with pytest.raises(ValueError, match=r"encoder_hidden_states must have shape \(batch_size=1, source_len, "
                                         r"hidden_size=16\), got \(1, 4, 8\)"):
        model(torch.tensor([[1, 2]]), None, torch.zeros(1, 4, 8))
    with pytest.raises(ValueError, match="encoder_attention_mask must have the shape"):
        model(torch.tensor([[1, 2]]), None, torch.zeros(1, 4, 16), torch.ones(1, 3))


def test_saved_decoder_config_tells_transformers_it_is_a_decoder(tmp_path):
    config = bertedu.BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=20)
    BertLMHeadModel(config).save_pretrained(tmp_path)
    theirs = transformers.BertLMHeadModel.from_pretrained(tmp_path)
    assert theirs.config.is_decoder and theirs.config.add_cross_attention
