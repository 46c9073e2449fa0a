"""The lesson 00 checks accept the reference, name the usual mistakes, and wait for a first attempt."""

import pytest
import torch

from bertedu.config import BertConfig
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson00 as ex
from bertedu.model import BertModel


def test_reference_cls_vector_passes(capsys):
    assert ex.check_cls_vector(ex.cls_vector) is True
    assert ex.check_cls_vector(lambda h: h[:, 0, :].clone()) is True
    assert capsys.readouterr().out.count("Correct!") == 2


@pytest.mark.parametrize("mistake, hint", [
    (lambda h: h[:, :1], "keeps the token dimension"),
    (lambda h: h[0], "first sequence of the batch"),
    (lambda h: h[:, -1], "last token"),
    (lambda h: h.mean(dim=1), "mean pooling"),
    (lambda h: h[:, 0] * 2, "not the first token"),
    (lambda h: h[:, 0, :2], "should have shape"),
    (lambda h: h[:, 0].tolist(), "torch.Tensor"),
])
def test_cls_vector_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_cls_vector(mistake)


def test_reference_count_matches_models_and_paper(capsys):
    assert ex.count_parameters(BertConfig.from_size("base")) == 109_482_240
    config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=20)
    assert ex.count_parameters(config) == sum(p.numel() for p in BertModel(config).parameters())
    assert ex.check_count_parameters(ex.count_parameters) is True
    assert "109,482,240" in capsys.readouterr().out


def without(size_of):
    return lambda config: ex.count_parameters(config) - size_of(config)


@pytest.mark.parametrize("mistake, hint", [
    (without(lambda c: c.hidden_size ** 2 + c.hidden_size), "pooler"),
    (without(lambda c: 4 * c.hidden_size * c.num_hidden_layers), "LayerNorms of each layer"),
    (without(lambda c: c.num_hidden_layers * (5 * c.hidden_size + c.intermediate_size)), "biases"),
    (without(lambda c: 2 * c.hidden_size), "embeddings' LayerNorm"),
    (without(lambda c: (c.vocab_size + c.max_position_embeddings + c.type_vocab_size + 2) * c.hidden_size),
     "the embeddings"),
    (lambda c: 110_000_000, "Per layer count"),
])
def test_count_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_count_parameters(mistake)


def test_not_attempted_prints_a_hint(capsys):
    def stub(*args):
        raise NotImplementedError("your turn")

    assert ex.check_cls_vector(stub) is False
    assert ex.check_count_parameters(stub) is False
    assert capsys.readouterr().out.count("Not attempted yet") == 2


def test_solution_prints_reference(capsys):
    assert "last_hidden_state[:, 0]" in ex.solution("cls_vector")
    assert "def cls_vector" in capsys.readouterr().out
    with pytest.raises(ValueError, match="choose one of"):
        ex.solution("nope")
    assert torch.equal(ex.cls_vector(torch.arange(6.0).reshape(1, 3, 2)), torch.tensor([[0.0, 1.0]]))
