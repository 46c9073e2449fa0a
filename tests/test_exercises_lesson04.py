"""The lesson-04 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet."""

import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.attention import BertSelfAttention, extended_attention_mask
from bertedu.config import BertConfig
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson04 as ex


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_additive_mask, ex.check_split_heads, ex.check_merge_heads])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_additive_mask(ex.additive_mask) is True
    assert ex.check_split_heads(ex.split_heads) is True
    assert ex.check_merge_heads(ex.merge_heads) is True
    assert capsys.readouterr().out.count("Correct!") == 3


def test_additive_mask_reference_is_the_package_mask():
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]])
    for dtype in (torch.float32, torch.float16, torch.float64):
        assert torch.equal(ex.additive_mask(mask, dtype), extended_attention_mask(mask, dtype))


def test_split_heads_reference_is_the_package_split():
    attention = BertSelfAttention(BertConfig(hidden_size=12, num_attention_heads=3))
    x = torch.randn(2, 5, 12)
    assert torch.equal(ex.split_heads(x, 3), attention.split_heads(x))


@pytest.mark.parametrize("wrong, hint", [
    (lambda m, dtype: (1.0 - m[:, None, None, :].to(dtype)) * float("-inf"), "0 * -inf = NaN"),
    (lambda m, dtype: torch.zeros(m.shape[0], 1, 1, m.shape[1], dtype=dtype).masked_fill(
        m[:, None, None, :] == 0, float("-inf")), "all* padding"),
    (lambda m, dtype: (1.0 - m.to(dtype)) * torch.finfo(dtype).min, "broadcasts"),
    (lambda m, dtype: m[:, None, None, :].to(dtype) * torch.finfo(dtype).min, "real tokens"),
    (lambda m, dtype: (1.0 - m[:, None, None, :].to(dtype)) * -1.0, "not negative enough"),
    (lambda m, dtype: (1.0 - m[:, None, None, :].double()) * torch.finfo(torch.float64).min, "dtype"),
    (lambda m, dtype: ((1.0 - m[:, None, None, :].float()) * torch.finfo(torch.float32).min).to(dtype),
     "finfo(dtype).min"),
])
def test_wrong_masks_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_additive_mask(wrong)


def test_hf_style_minus_10000_is_accepted():
    # -10000 was HF's choice for years: finite, and exp(-10000) underflows to exactly 0 in float32.
    assert ex.check_additive_mask(lambda m, dtype: (1.0 - m[:, None, None, :].to(dtype)) * -10000.0)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, a: x.view(x.shape[0], x.shape[1], a, -1), "transpose"),
    (lambda x, a: x.view(x.shape[0], a, x.shape[1], -1), "mixes tokens"),
    (lambda x, a: x.view(2, 3, 4, 2).transpose(1, 2), "hard-code"),
])
def test_wrong_split_heads_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_split_heads(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: x.reshape(x.shape[0], x.shape[2], -1), "mixes tokens"),
    (lambda x: x.transpose(1, 2), "shape"),
    (lambda x: x.transpose(1, 2).reshape(2, 3, 8), "hard-coding"),
])
def test_wrong_merge_heads_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_merge_heads(wrong)


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 3), seq_len=st.integers(1, 6), heads=st.integers(1, 4), head_size=st.integers(1, 5))
def test_merge_undoes_split(batch, seq_len, heads, head_size):
    x = torch.randn(batch, seq_len, heads * head_size)
    split = ex.split_heads(x, heads)
    assert split.shape == (batch, heads, seq_len, head_size)
    assert torch.equal(split[:, -1], x[..., (heads - 1) * head_size:])
    assert torch.equal(ex.merge_heads(split), x)


def test_solution_prints_the_reference(capsys):
    source = ex.solution("split_heads")
    assert "def split_heads" in source and "def split_heads" in capsys.readouterr().out
    with pytest.raises(ValueError, match="merge_heads"):
        ex.solution("nope")
