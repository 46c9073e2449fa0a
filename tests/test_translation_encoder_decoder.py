"""BERT2BERT (lesson 12) against transformers' EncoderDecoderModel: outputs, loss, checkpoints both ways,
and the warm start of Rothe et al. 2020."""

from __future__ import annotations

import warnings

import pytest
import torch
import transformers
from conftest import make_inputs
from safetensors.torch import load_file
from transformers.models.encoder_decoder.modeling_encoder_decoder import (
    shift_tokens_right as hf_shift,
)

import bertedu
from bertedu.translation import EncoderDecoderConfig, EncoderDecoderModel, shift_tokens_right

ATOL = 1e-5
ENCODER = bertedu.BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=37, pad_token_id=1)
DECODER = bertedu.BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                             intermediate_size=40, hidden_act="gelu_new", pad_token_id=1)
NARROW_DECODER = bertedu.BertConfig(vocab_size=60, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                                    intermediate_size=30, pad_token_id=1)


def model_pair(tmp_path, decoder=DECODER):
    """Ours (random init), saved, and transformers' EncoderDecoderModel loaded from that folder."""
    torch.manual_seed(0)
    ours = EncoderDecoderModel(EncoderDecoderConfig(ENCODER, decoder, decoder_start_token_id=2,
                                                    pad_token_id=1, eos_token_id=3)).eval()
    ours.save_pretrained(tmp_path)
    theirs = transformers.EncoderDecoderModel.from_pretrained(tmp_path, attn_implementation="eager").eval()
    return ours, theirs


def batch():
    input_ids, attention_mask, _ = make_inputs(ENCODER, seq_len=7)
    labels = torch.randint(4, 60, (3, 6), generator=torch.Generator().manual_seed(5))
    labels[1, 4:] = -100
    labels[2, 2:] = -100
    return input_ids, attention_mask, labels


@pytest.mark.parametrize("decoder", [DECODER, NARROW_DECODER], ids=["same-width", "projected"])
def test_logits_loss_and_attention_maps_match_transformers(tmp_path, decoder):
    ours, theirs = model_pair(tmp_path, decoder)
    input_ids, attention_mask, labels = batch()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # HF's note that the loss moved into the model
        a = ours(input_ids, attention_mask, labels=labels, output_attentions=True, output_hidden_states=True)
        b = theirs(input_ids=input_ids, attention_mask=attention_mask, labels=labels, output_attentions=True,
                   output_hidden_states=True)
    torch.testing.assert_close(a.logits, b.logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.loss, b.loss, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.encoder_last_hidden_state, b.encoder_last_hidden_state, atol=ATOL, rtol=0)
    for name in ("cross_attentions", "decoder_attentions", "decoder_hidden_states", "encoder_attentions"):
        assert len(getattr(a, name)) == len(getattr(b, name)) > 0
        for x, y in zip(getattr(a, name), getattr(b, name)):
            torch.testing.assert_close(x, y, atol=ATOL, rtol=0)
    assert a.cross_attentions[0].shape == (3, decoder.num_attention_heads, 6, 7)


def test_explicit_decoder_inputs_match_transformers(tmp_path):
    ours, theirs = model_pair(tmp_path)
    input_ids, attention_mask, labels = batch()
    decoder_input_ids = shift_tokens_right(labels, 1, 2)
    decoder_attention_mask = (decoder_input_ids != 1).long()
    with torch.no_grad():
        a = ours(input_ids, attention_mask, decoder_input_ids, decoder_attention_mask)
        b = theirs(input_ids=input_ids, attention_mask=attention_mask, decoder_input_ids=decoder_input_ids,
                   decoder_attention_mask=decoder_attention_mask)
    torch.testing.assert_close(a.logits, b.logits, atol=ATOL, rtol=0)
    assert a.loss is None


def test_shift_tokens_right_is_transformers():
    labels = torch.tensor([[5, 6, 7, 3], [8, 3, -100, -100]])
    expected = torch.tensor([[2, 5, 6, 7], [2, 8, 3, 1]])
    assert torch.equal(shift_tokens_right(labels, 1, 2), expected)
    assert torch.equal(hf_shift(labels, 1, 2), expected)


def test_transformers_checkpoint_loads_with_the_same_names_and_outputs(tmp_path):
    _, theirs = model_pair(tmp_path / "a")
    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in theirs.parameters():  # other weights than ours, so that the load must carry them
            parameter.add_(0.05 * torch.randn_like(parameter))
    theirs.save_pretrained(tmp_path / "b")
    ours = EncoderDecoderModel.from_pretrained(tmp_path / "b")
    ours.save_pretrained(tmp_path / "c")
    names = set(load_file(tmp_path / "b" / "model.safetensors"))
    assert names == set(load_file(tmp_path / "c" / "model.safetensors"))
    assert {name.split(".")[0] + "." + name.split(".")[1] for name in names} == {
        "encoder.embeddings", "encoder.encoder", "encoder.pooler", "decoder.bert", "decoder.cls"}
    input_ids, attention_mask, labels = batch()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        a = ours(input_ids, attention_mask, labels=labels)
        b = theirs(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    torch.testing.assert_close(a.logits, b.logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(a.loss, b.loss, atol=ATOL, rtol=0)


def test_warm_start_copies_bert_into_both_halves_and_reports_the_new_cross_attention(tmp_path):
    torch.manual_seed(2)
    bert = bertedu.BertForPreTraining(ENCODER)
    bert.save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="newly initialized"):
        model, info = EncoderDecoderModel.from_encoder_decoder_pretrained(tmp_path, tmp_path, 2, 1, 3)
    checkpoint = bert.state_dict()
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, checkpoint["bert." + name]), name
    decoder = model.decoder.state_dict()
    new = {name for name in decoder if ".crossattention." in name}
    assert set(info["decoder"].missing_keys) == new and len(new) == 10 * ENCODER.num_hidden_layers
    for name, tensor in decoder.items():
        if name not in new:
            assert torch.equal(tensor, checkpoint[name]), name
    assert not info["encoder"].missing_keys
    # transformers' own warm start gives the same model once its random cross-attention is ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = transformers.EncoderDecoderModel.from_encoder_decoder_pretrained(
            str(tmp_path), str(tmp_path), encoder_attn_implementation="eager",
            decoder_attn_implementation="eager").eval()
    theirs.decoder.load_state_dict({name: decoder[name] for name in new}, strict=False)
    input_ids, attention_mask, labels = batch()
    decoder_input_ids = shift_tokens_right(labels, 1, 2)
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids, attention_mask, decoder_input_ids).logits,
                                   theirs(input_ids=input_ids, attention_mask=attention_mask,
                                          decoder_input_ids=decoder_input_ids).logits, atol=ATOL, rtol=0)


def test_configuration_errors_say_what_is_allowed(tmp_path):
    with pytest.raises(ValueError, match=r"eos_token_id=60 is not a token id of the decoder's vocabulary \[0, 60\)"):
        EncoderDecoderConfig(ENCODER, DECODER, 2, 1, 60)
    with pytest.raises(ValueError, match="expected an encoder-decoder config.json"):
        EncoderDecoderConfig.from_dict({"model_type": "bert"})
    model = EncoderDecoderModel(EncoderDecoderConfig(ENCODER, DECODER, 2, 1, 3))
    with pytest.raises(ValueError, match="pass decoder_input_ids"):
        model(torch.tensor([[4, 5]]))
    with pytest.raises(FileNotFoundError, match="no config.json"):
        EncoderDecoderModel.from_pretrained(tmp_path)
