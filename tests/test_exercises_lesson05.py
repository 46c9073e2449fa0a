"""The lesson-05 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.config import BertConfig
from bertedu.encoder import gelu as package_gelu
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson05 as ex
from bertedu.hf import hf_name_to_bertedu
from bertedu.model import BertModel


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_gelu, ex.check_post_ln_sublayer, ex.check_to_bertedu_name])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_gelu(ex.gelu) is True
    assert ex.check_post_ln_sublayer(ex.post_ln_sublayer) is True
    assert ex.check_to_bertedu_name(ex.to_bertedu_name) is True
    assert capsys.readouterr().out.count("Correct!") == 3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-20, 20), min_size=1, max_size=16))
def test_gelu_reference_matches_the_package(values):
    x = torch.tensor(values, dtype=torch.float64)
    assert torch.allclose(ex.gelu(x), package_gelu(x), atol=1e-12, rtol=0)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))), "tanh approximation"),
    (F.relu, "that is ReLU"),
    (lambda x: x * torch.sigmoid(1.702 * x), "sigmoid approximation"),
    (lambda x: x * (1 + torch.erf(x / math.sqrt(2))), "check the 1/2"),
    (lambda x: (0.5 * x * (1 + torch.erf(x / math.sqrt(2))))[:10], "input's shape"),
])
def test_wrong_gelus_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_gelu(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, f, ln: x + f(ln(x)), "pre-LN"),
    (lambda x, f, ln: ln(f(x)), "residual connection is missing"),
    (lambda x, f, ln: x + f(x), "LayerNorm is missing"),
    (lambda x, f, ln: ln(x) + f(x), "normalise the \\*sum\\*"),
    (lambda x, f, ln: f(ln(x)), "apply the sub-layer to x"),
    (lambda x, f, ln: F.layer_norm(x + f(x), x.shape[-1:]), "using the layer_norm you are given"),
    (lambda x, f, ln: ln(x + f(x))[0], "shape"),
])
def test_wrong_sublayers_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_post_ln_sublayer(wrong)


def renames_only(name):
    return name.removeprefix("bert.").replace(".gamma", ".weight").replace(".beta", ".bias")


@pytest.mark.parametrize("wrong, hint", [
    (lambda name: name, "strip a leading 'bert.'"),
    (renames_only, "position_ids is a buffer"),
    (lambda name: None if name.endswith("position_ids") else name.removeprefix("bert."),
     "should be 'embeddings.LayerNorm.weight', got 'embeddings.LayerNorm.gamma'"),
    (lambda name: None if name.endswith("position_ids") else renames_only(name).replace(".bias", ".weight"),
     "LayerNorm.bias'"),
    (lambda name: None if "position_ids" in name else renames_only(name).removeprefix("cls."),
     "leave every other name"),
])
def test_wrong_name_mappings_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_to_bertedu_name(wrong)


def test_name_cases_agree_with_the_package_loader():
    keys = set(BertModel(BertConfig(vocab_size=10, hidden_size=8, num_hidden_layers=12, num_attention_heads=2,
                                    intermediate_size=8, max_position_embeddings=8)).state_dict())
    for name, expected in ex.NAME_CASES.items():
        assert hf_name_to_bertedu(name, "bert", keys) == expected, name


def test_solution_prints_the_reference(capsys):
    assert "torch.erf" in ex.solution("gelu")
    assert "def gelu" in capsys.readouterr().out
    with pytest.raises(ValueError, match="post_ln_sublayer"):
        ex.solution("nope")


def test_not_attempted_hint_names_the_learners_function(capsys):
    def my_gelu(x):
        raise NotImplementedError("your turn")

    assert ex.check_gelu(my_gelu) is False
    out = capsys.readouterr().out
    assert "`my_gelu`" in out and "solution('gelu')" in out
