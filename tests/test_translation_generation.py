"""Greedy and beam search (lesson 12) token for token against transformers' generate().

The models are random but with initializer_range=0.5, so that the best next token wins by a clear
margin and float noise between the two implementations cannot flip a choice; a bias on the EOS score
makes some sequences end early, so the EOS rules are exercised, not only max_length."""

from __future__ import annotations

import warnings

import pytest
import torch
import transformers
from conftest import make_inputs

import bertedu
from bertedu.translation import EncoderDecoderConfig, EncoderDecoderModel

ENCODER = bertedu.BertConfig(vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=37, initializer_range=0.5, pad_token_id=1)
DECODER = bertedu.BertConfig(vocab_size=40, hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=30, initializer_range=0.5, pad_token_id=1)
START, PAD, EOS = 2, 1, 3
MAX_LENGTH = 12


@pytest.fixture(scope="module", params=[0, 1], ids=lambda seed: f"seed{seed}")
def models(request, tmp_path_factory):
    torch.manual_seed(request.param)
    ours = EncoderDecoderModel(EncoderDecoderConfig(ENCODER, DECODER, START, PAD, EOS)).eval()
    with torch.no_grad():
        ours.decoder.cls.predictions.bias[EOS] += 6.0  # EOS somewhere in the middle, not never
    folder = tmp_path_factory.mktemp("model")
    ours.save_pretrained(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = transformers.EncoderDecoderModel.from_pretrained(folder, attn_implementation="eager").eval()
    input_ids, attention_mask, _ = make_inputs(ENCODER, batch_size=3, seq_len=7, seed=request.param)
    return ours, theirs, input_ids, attention_mask


def ended_early(sequences: torch.Tensor) -> int:
    return sum(int(EOS in row[:-1].tolist()) for row in sequences)


def test_greedy_is_transformers_greedy(models):
    ours, theirs, input_ids, attention_mask = models
    expected = theirs.generate(input_ids=input_ids, attention_mask=attention_mask, num_beams=1,
                               do_sample=False, max_length=MAX_LENGTH)
    got = ours.generate(input_ids, attention_mask, max_length=MAX_LENGTH)
    assert torch.equal(got, expected)
    assert (got[:, 0] == START).all()


@pytest.mark.parametrize("num_beams", [2, 4])
@pytest.mark.parametrize("length_penalty", [1.0, 0.0, -0.5])
def test_beam_search_is_transformers_beam_search(models, num_beams, length_penalty):
    ours, theirs, input_ids, attention_mask = models
    expected = theirs.generate(input_ids=input_ids, attention_mask=attention_mask, num_beams=num_beams,
                               early_stopping=True, do_sample=False, max_length=MAX_LENGTH,
                               length_penalty=length_penalty)
    got = ours.generate(input_ids, attention_mask, max_length=MAX_LENGTH, num_beams=num_beams,
                        length_penalty=length_penalty)
    assert torch.equal(got, expected)


def test_the_cases_cover_both_endings(models):
    """Across settings, some outputs stop at EOS and some run to max_length (else the tests above
    would not have checked those rules)."""
    ours, _, input_ids, attention_mask = models
    outputs = [ours.generate(input_ids, attention_mask, max_length=MAX_LENGTH, num_beams=k, length_penalty=p)
               for k in (1, 3) for p in (1.0, -0.5)]
    assert any(ended_early(o) for o in outputs)
    assert any(o.size(1) == MAX_LENGTH and ended_early(o) < len(o) for o in outputs)


def test_a_wider_beam_never_finds_a_worse_first_hypothesis_score_with_length_penalty_zero(models):
    """With length_penalty=0 the score is the summed log-probability: the best finished hypothesis of
    k=5 beams is at least as likely as greedy's, when greedy finishes."""
    ours, _, input_ids, attention_mask = models
    greedy = ours.generate(input_ids, attention_mask, max_length=MAX_LENGTH)
    beam = ours.generate(input_ids, attention_mask, max_length=MAX_LENGTH, num_beams=5, length_penalty=0.0)

    def log_prob(row: int, ids: torch.Tensor) -> float:
        ids = ids[: (ids == EOS).nonzero()[0, 0] + 1] if EOS in ids.tolist() else ids
        with torch.no_grad():
            logits = ours(input_ids[row:row + 1], attention_mask[row:row + 1], ids[None, :-1]).logits
        return float(logits.log_softmax(-1)[0].gather(1, ids[1:, None]).sum())

    for row in range(len(input_ids)):
        if EOS in greedy[row].tolist():
            assert log_prob(row, beam[row]) >= log_prob(row, greedy[row]) - 1e-5


def test_generation_arguments_are_checked():
    model = EncoderDecoderModel(EncoderDecoderConfig(ENCODER, DECODER, START, PAD, EOS))
    ids = torch.tensor([[4, 5]])
    with pytest.raises(ValueError, match="max_length must be an integer >= 2"):
        model.generate(ids, max_length=1)
    with pytest.raises(ValueError, match="num_beams must be a positive integer, got 0"):
        model.generate(ids, num_beams=0)
    with pytest.raises(ValueError, match="exceeds the decoder's max_position_embeddings=512"):
        model.generate(ids, max_length=600)
    no_eos = EncoderDecoderModel(EncoderDecoderConfig(ENCODER, DECODER, START, PAD))
    with pytest.raises(ValueError, match="generation needs config.eos_token_id"):
        no_eos.generate(ids)
