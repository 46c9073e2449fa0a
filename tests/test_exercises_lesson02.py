"""The lesson 02 checks accept the reference, name the usual mistakes, and wait for a first attempt."""

import pytest
import torch

from bertedu.config import BertConfig
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson02 as ex


def layer_norm(x, gamma, beta, eps, unbiased=False):
    mean = x.mean(-1, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(x.var(-1, unbiased=unbiased, keepdim=True) + eps) + beta


def positions_of(input_ids, position_table):
    return position_table[torch.arange(input_ids.shape[1])]


def test_reference_embed_passes(capsys):
    assert ex.check_embed(ex.embed) is True
    assert "Correct!" in capsys.readouterr().out


def test_embed_with_torch_layer_norm_passes():
    def embed(input_ids, token_type_ids, word, position, segment, gamma, beta, eps):
        summed = word[input_ids] + segment[token_type_ids] + positions_of(input_ids, position)
        return torch.nn.functional.layer_norm(summed, summed.shape[-1:], gamma, beta, eps)

    assert ex.check_embed(embed) is True


@pytest.mark.parametrize("mistake, hint", [
    (lambda i, s, w, p, t, g, b, e: w[i] + t[s] + positions_of(i, p), "plain sum"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(w[i] + t[s] + positions_of(i, p), 1.0, 0.0, e),
     "gamma and beta are missing"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(w[i] + t[s] + positions_of(i, p), g, b, e, True),
     "biased variance"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(w[i] + t[s], g, b, e), "position embeddings are missing"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(w[i] + positions_of(i, p), g, b, e),
     "segment embeddings are missing"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(t[s] + positions_of(i, p), g, b, e),
     "token embeddings are missing"),
    (lambda i, s, w, p, t, g, b, e: layer_norm(w[i] + t[s] + p[s], g, b, e), "differs from BertEmbeddings"),
    (lambda i, s, w, p, t, g, b, e: (w[i] + t[s] + positions_of(i, p))[0], "should have shape"),
    (lambda i, s, w, p, t, g, b, e: None, "torch.Tensor"),
])
def test_embed_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_embed(mistake)


def test_not_attempted_prints_a_hint(capsys):
    def embed(*args):
        raise NotImplementedError("your turn")

    assert ex.check_embed(embed) is False
    assert ex.check_count_embedding_parameters(embed) is False
    assert capsys.readouterr().out.count("Not attempted yet") == 2


def test_reference_count_is_bert_base_number(capsys):
    assert ex.count_embedding_parameters(BertConfig()) == (30522 + 512 + 2) * 768 + 2 * 768 == 23_837_184
    assert ex.check_count_embedding_parameters(ex.count_embedding_parameters) is True
    assert "23,837,184" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, hint", [
    (lambda c: (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * c.hidden_size, "LayerNorm"),
    (lambda c: (c.vocab_size + c.type_vocab_size) * c.hidden_size + 2 * c.hidden_size, "position table"),
    (lambda c: (c.vocab_size + c.max_position_embeddings) * c.hidden_size + 2 * c.hidden_size,
     "segment table"),
    (lambda c: 3 * c.hidden_size, "Count every table"),
])
def test_count_mistakes_are_named(mistake, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_count_embedding_parameters(mistake)


def test_solution_prints_reference(capsys):
    assert "def embed" in ex.solution("embed")
    assert "def embed" in capsys.readouterr().out
    with pytest.raises(ValueError, match="choose one of"):
        ex.solution("nope")
