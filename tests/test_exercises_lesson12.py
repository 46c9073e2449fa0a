"""The lesson-12 checks accept right answers, reject typical wrong ones with their hint, and say when
the learner has not started yet; the reference answers agree with the package's RoBERTa, ALBERT and
distillation code."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson12 as ex
from bertedu.family import AlbertConfig, AlbertModel, create_position_ids_from_input_ids
from bertedu.family.distillation import distillation_losses


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_roberta_position_ids, ex.check_albert_embedding_parameters,
                                   ex.check_soft_target_loss])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_roberta_position_ids(ex.roberta_position_ids) is True
    assert ex.check_albert_embedding_parameters(ex.albert_embedding_parameters) is True
    assert ex.check_soft_target_loss(ex.soft_target_loss) is True
    assert capsys.readouterr().out.count("Correct!") == 3


@pytest.mark.parametrize("wrong, hint", [
    (lambda ids, pad: torch.arange(ids.size(1)).expand_as(ids) + pad + 1, "pads included"),
    (lambda ids, pad: torch.cumsum((ids != pad).long(), 1) * (ids != pad).long(), "off by the offset"),
    (lambda ids, pad: ex.roberta_position_ids(ids, 1), "padding_idx=4"),
])
def test_wrong_position_ids_get_their_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_roberta_position_ids(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda v, e, h: v * h, "unfactorised"),
    (lambda v, e, h: v * e, "projection"),
    (lambda v, e, h: v * e + e * h + h, "bias"),
])
def test_wrong_embedding_counts_get_their_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_albert_embedding_parameters(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, t, T: ex.soft_target_loss(s, t, T) / T ** 2, "T\\^2"),
    (lambda s, t, T: ex.soft_target_loss(s, t, 1.0) * T ** 2, "divided by T"),
    (lambda s, t, T: ex.soft_target_loss(t, s, T), "wrong way round"),
    (lambda s, t, T: ex.soft_target_loss(s, t, T) * s.size(0), "batchmean"),
])
def test_wrong_soft_target_losses_get_their_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_soft_target_loss(wrong)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.integers(0, 6), min_size=1, max_size=4), pad=st.integers(0, 3))
def test_position_ids_reference_is_the_models(rows, pad):
    ids = torch.tensor([[pad + 1] * length + [pad] * (6 - length) for length in rows])  # (B, 6)
    assert torch.equal(ex.roberta_position_ids(ids, pad), create_position_ids_from_input_ids(ids, pad))


def test_embedding_count_reference_is_the_models_two_matrices():
    model = AlbertModel(AlbertConfig(vocab_size=300, embedding_size=16, hidden_size=48, num_attention_heads=4,
                                     num_hidden_layers=1, intermediate_size=8))
    matrices = (model.embeddings.word_embeddings.weight.numel()
                + model.encoder.embedding_hidden_mapping_in.weight.numel())
    assert matrices == ex.albert_embedding_parameters(300, 16, 48) == 300 * 16 + 16 * 48
    assert ex.albert_embedding_parameters(30000, 128, 768) == 3_938_304


def test_soft_target_reference_is_the_distillation_ce_loss():
    g = torch.Generator().manual_seed(1)
    student, teacher = torch.randn(2, 3, 9, generator=g), torch.randn(2, 3, 9, generator=g)
    hidden, mask, labels = torch.randn(2, 3, 4, generator=g), torch.ones(2, 3), torch.full((2, 3), 5)
    expected = distillation_losses(student, teacher, labels, hidden, hidden, mask, temperature=3.0)["ce"]
    got = ex.soft_target_loss(student.flatten(0, 1), teacher.flatten(0, 1), 3.0)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
