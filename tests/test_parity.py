"""bertedu vs transformers, module by module, with the same weights (float32, atol=1e-5)."""

from __future__ import annotations

import pytest
import torch
from conftest import hf_config, make_inputs
from transformers.models.bert import modeling_bert as hf

import bertedu
from bertedu.attention import extended_attention_mask

ATOL = 1e-5


def copy_into_ours(ours: torch.nn.Module, theirs: torch.nn.Module) -> None:
    """Our parameter names are HF's: a plain state-dict copy, nothing missing, nothing extra."""
    state = {k: v for k, v in theirs.state_dict().items() if not k.endswith(("position_ids", "token_type_ids"))}
    result = ours.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_embeddings(config):
    theirs = hf.BertEmbeddings(hf_config(config)).eval()
    ours = bertedu.BertEmbeddings(config).eval()
    copy_into_ours(ours, theirs)
    input_ids, _, token_type_ids = make_inputs(config)
    torch.testing.assert_close(ours(input_ids, token_type_ids), theirs(input_ids, token_type_ids),
                               atol=ATOL, rtol=0)
    # Defaults: segment 0 everywhere, positions 0..T-1.
    torch.testing.assert_close(ours(input_ids), theirs(input_ids), atol=ATOL, rtol=0)
    positions = torch.arange(input_ids.size(1)).flip(0).expand_as(input_ids)
    torch.testing.assert_close(ours(input_ids, token_type_ids, positions),
                               theirs(input_ids, token_type_ids, positions), atol=ATOL, rtol=0)


def test_self_attention_outputs_and_probabilities(config):
    theirs = hf.BertAttention(hf_config(config)).eval()
    ours = bertedu.BertAttention(config).eval()
    copy_into_ours(ours, theirs)
    torch.manual_seed(0)
    hidden = torch.randn(3, 9, config.hidden_size)
    _, attention_mask, _ = make_inputs(config)
    mask = extended_attention_mask(attention_mask, hidden.dtype)
    their_out, their_probs = theirs(hidden, attention_mask=mask)
    our_out, our_probs = ours(hidden, mask, output_attentions=True)
    torch.testing.assert_close(our_out, their_out, atol=ATOL, rtol=0)
    torch.testing.assert_close(our_probs, their_probs, atol=ATOL, rtol=0)
    # The fused fast path (no probabilities) gives the same output.
    fast_out, no_probs = ours(hidden, mask, output_attentions=False)
    assert no_probs is None
    torch.testing.assert_close(fast_out, their_out, atol=ATOL, rtol=0)


def test_layer(config):
    theirs = hf.BertLayer(hf_config(config)).eval()
    ours = bertedu.BertLayer(config).eval()
    copy_into_ours(ours, theirs)
    torch.manual_seed(1)
    hidden = torch.randn(3, 9, config.hidden_size)
    _, attention_mask, _ = make_inputs(config)
    mask = extended_attention_mask(attention_mask, hidden.dtype)
    their_out = theirs(hidden, attention_mask=mask)
    their_out = their_out[0] if isinstance(their_out, tuple) else their_out
    our_out, _ = ours(hidden, mask)
    torch.testing.assert_close(our_out, their_out, atol=ATOL, rtol=0)


@pytest.mark.parametrize("with_mask", [True, False])
def test_full_model_every_hidden_state_and_attention_map(config, with_mask):
    import transformers

    theirs = transformers.BertModel(hf_config(config)).eval()
    ours = bertedu.BertModel(config).eval()
    copy_into_ours(ours, theirs)
    input_ids, attention_mask, token_type_ids = make_inputs(config, batch_size=3, seq_len=11)
    attention_mask = attention_mask if with_mask else None
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids,
                  output_attentions=True, output_hidden_states=True)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    assert a.last_hidden_state.shape == (3, 11, config.hidden_size)
    assert a.pooler_output.shape == (3, config.hidden_size)
    assert len(a.hidden_states) == config.num_hidden_layers + 1
    assert len(a.attentions) == config.num_hidden_layers
    assert a.attentions[0].shape == (3, config.num_attention_heads, 11, 11)
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.pooler_output, b.pooler_output, atol=ATOL, rtol=0)
    for ours_h, theirs_h in zip(a.hidden_states, b.hidden_states, strict=True):
        torch.testing.assert_close(ours_h, theirs_h, atol=ATOL, rtol=0)
    for ours_p, theirs_p in zip(a.attentions, b.attentions, strict=True):
        torch.testing.assert_close(ours_p, theirs_p, atol=ATOL, rtol=0)
    # Without attentions requested, the fused path gives the same numbers as HF's sdpa model.
    with torch.no_grad():
        fast = ours(input_ids, attention_mask, token_type_ids).last_hidden_state
    torch.testing.assert_close(fast, b.last_hidden_state, atol=ATOL, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bool, torch.int32])
def test_0_1_masks_of_other_dtypes_match_hf(config, dtype):
    import transformers

    theirs = transformers.BertModel(hf_config(config)).eval()
    ours = bertedu.BertModel(config).eval()
    copy_into_ours(ours, theirs)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    attention_mask = attention_mask.to(dtype)
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids, output_attentions=True)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
        fast = ours(input_ids, attention_mask, token_type_ids).last_hidden_state
    torch.testing.assert_close(a.last_hidden_state, b.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(fast, b.last_hidden_state, atol=ATOL, rtol=0)
    for ours_p, theirs_p in zip(a.attentions, b.attentions, strict=True):
        torch.testing.assert_close(ours_p, theirs_p, atol=ATOL, rtol=0)


def test_fully_padded_row_is_finite():
    config = bertedu.BertConfig(**{"vocab_size": 30, "hidden_size": 16, "num_hidden_layers": 2,
                                   "num_attention_heads": 2, "intermediate_size": 32})
    model = bertedu.BertModel(config).eval()
    input_ids = torch.randint(0, 30, (2, 5))
    attention_mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]])
    for output_attentions in (True, False):
        out = model(input_ids, attention_mask, output_attentions=output_attentions)
        assert torch.isfinite(out.last_hidden_state).all()
        assert torch.isfinite(out.pooler_output).all()
    probs = model(input_ids, attention_mask, output_attentions=True).attentions[0]
    torch.testing.assert_close(probs[1], torch.full_like(probs[1], 1 / 5))  # uniform, not NaN
    assert probs[0, :, :, 3:].abs().max() < 1e-30                         # padding gets no attention


def test_dropout_off_in_eval_active_in_train():
    config = bertedu.BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                intermediate_size=32, hidden_dropout_prob=0.3, attention_probs_dropout_prob=0.3)
    model = bertedu.BertModel(config)
    input_ids = torch.randint(0, 30, (2, 6))
    model.eval()
    for output_attentions in (False, True):
        first = model(input_ids, output_attentions=output_attentions).last_hidden_state
        second = model(input_ids, output_attentions=output_attentions).last_hidden_state
        torch.testing.assert_close(first, second, atol=0, rtol=0)
    model.train()
    for output_attentions in (False, True):
        torch.manual_seed(0)
        first = model(input_ids, output_attentions=output_attentions).last_hidden_state
        second = model(input_ids, output_attentions=output_attentions).last_hidden_state
        assert (first - second).abs().max() > 1e-3
    # Same seed, same dropout masks: training is reproducible.
    torch.manual_seed(7)
    first = model(input_ids).last_hidden_state
    torch.manual_seed(7)
    torch.testing.assert_close(model(input_ids).last_hidden_state, first, atol=0, rtol=0)


def test_gradients_match_hf():
    import transformers

    config = bertedu.BertConfig(**{"vocab_size": 40, "hidden_size": 32, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "intermediate_size": 48})
    theirs = transformers.BertModel(hf_config(config)).eval()
    ours = bertedu.BertModel(config).eval()
    copy_into_ours(ours, theirs)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    for model in (ours, theirs):
        model(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
              ).last_hidden_state.pow(2).mean().backward()
    their_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        torch.testing.assert_close(param.grad, their_grads[name].grad, atol=ATOL, rtol=1e-4, msg=name)
