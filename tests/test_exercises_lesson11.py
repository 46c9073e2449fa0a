"""The lesson-11 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet."""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson11 as ex
from bertedu.viz import head_summary, top_heads


def not_yet(*args):
    raise NotImplementedError("your turn")


CHECKS = [ex.check_previous_token_attention, ex.check_attention_entropy, ex.check_top_head]


@pytest.mark.parametrize("check", CHECKS)
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_previous_token_attention(ex.previous_token_attention) is True
    assert ex.check_attention_entropy(ex.attention_entropy) is True
    assert ex.check_top_head(ex.top_head) is True
    assert capsys.readouterr().out.count("Correct!") == 3


def test_other_right_answers_pass():
    def previous_loop(attention):
        return torch.stack([torch.stack([attention[h, i, i - 1] for i in range(1, attention.shape[-1])]).mean()
                            for h in range(attention.shape[0])])

    assert ex.check_previous_token_attention(previous_loop) is True
    assert ex.check_attention_entropy(lambda a: torch.special.entr(a).sum(-1).mean(-1)) is True
    assert ex.check_top_head(lambda s: np.unravel_index(int(s.argmax()), tuple(s.shape))) is True
    assert ex.check_top_head(lambda s: torch.tensor(divmod(int(s.argmax()), s.shape[1]))) is True


@settings(max_examples=25, deadline=None)
@given(seq_len=st.integers(2, 10), heads=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_references_agree_with_the_package_summaries(seq_len, heads, seed):
    attention = torch.randn(1, heads, seq_len, seq_len, generator=torch.Generator().manual_seed(seed)).softmax(-1)
    summary = head_summary((attention,), ["x"] * seq_len)
    torch.testing.assert_close(ex.previous_token_attention(attention[0]), summary["previous"][0])
    torch.testing.assert_close(ex.attention_entropy(attention[0]), summary["entropy"][0])
    scores = summary["entropy"].repeat(3, 1) + torch.arange(3.0)[:, None]  # (L=3, A)
    assert ex.top_head(scores) == top_heads(scores, k=1)[0][:2]


def test_entropy_reference_handles_zero_weights():
    attention = torch.tensor([[[1.0, 0.0], [0.5, 0.5]]])
    torch.testing.assert_close(ex.attention_entropy(attention), torch.tensor([math.log(2) / 2]))


@pytest.mark.parametrize("wrong, hint", [
    (lambda a: a.diagonal(offset=1, dim1=-2, dim2=-1).mean(-1), "*next* token"),
    (lambda a: torch.stack([a[:, i, i - 1] for i in range(a.shape[-1])], -1).mean(-1), "wrapped around"),
    (lambda a: a.diagonal(offset=-1, dim1=-2, dim2=-1).sum(-1), "you returned"),
    (lambda a: a.diagonal(offset=-1, dim1=-2, dim2=-1), "expected (2,)"),
    (lambda a: torch.tensor([1.0, 0.0]), "wrong on random attention"),
])
def test_wrong_previous_token_scores_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_previous_token_attention(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda a: -(a * a.log()).sum(-1).mean(-1), "0 log 0 = 0"),
    (lambda a: -torch.special.entr(a).sum(-1).mean(-1), "sign is flipped"),
    (lambda a: torch.special.entr(a).sum(-1).mean(-1) / math.log(2), "bits"),
    (lambda a: torch.special.entr(a).sum(-1).sum(-1), "summed the entropies"),
    (lambda a: torch.special.entr(a).sum(-1), "one number per head"),
    (lambda a: torch.special.entr(a).mean(-1).mean(-1), "you returned"),
    (lambda a: torch.tensor([math.log(5), 0.0, math.log(2)]), "wrong on random attention"),
])
def test_wrong_entropies_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_attention_entropy(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda s: int(s.argmax()), "index // num_heads"),
    (lambda s: divmod(int(s.argmax()), s.shape[1])[::-1], "(head, layer)"),
    (lambda s: (int(s.argmax()) // 3, int(s.argmax()) % 3), "scores.shape[1]"),
    (lambda s: (0, 0), "layer 1, head 0"),
    (lambda s: "layer 1", "(layer, head) pair"),
])
def test_wrong_top_heads_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_top_head(wrong)


def test_solution_prints_the_reference(capsys):
    assert "def attention_entropy" in ex.solution("attention_entropy")
    assert "def attention_entropy" in capsys.readouterr().out
    with pytest.raises(ValueError, match="choose one of"):
        ex.solution("nope")
