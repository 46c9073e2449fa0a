"""The lesson-01 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet."""

import re

import pytest

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson01 as ex
from bertedu.tokenizer.basic import split_on_punctuation
from bertedu.tokenizer.wordpiece import WordpieceTokenizer


def not_yet(*args):
    raise NotImplementedError("your turn")


CHECKS = [ex.check_split_on_punctuation, ex.check_wordpiece, ex.check_best_pair, ex.check_encode_pair]


@pytest.mark.parametrize("check", CHECKS)
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass_and_agree_with_the_package(capsys):
    assert all(check(ex.SOLUTIONS[name]) for check, name in zip(CHECKS, ex.SOLUTIONS))
    assert capsys.readouterr().out.count("Correct!") == 4
    for word in ["don't", "«oui»", "a.b.c", "", "x"]:
        assert ex.split_on_punctuation(word) == split_on_punctuation(word)
    reference = WordpieceTokenizer(ex.VOCAB)
    for word in ["unaffable", "playing", "unaffablez", "a" * 5]:
        assert ex.wordpiece(word, ex.VOCAB) == reference.tokenize_word(word)


def test_solution_prints_the_reference(capsys):
    assert "def wordpiece" in ex.solution("wordpiece")
    with pytest.raises(ValueError, match="no exercise named 'bpe'"):
        ex.solution("bpe")


@pytest.mark.parametrize("check, wrong, hint", [
    (ex.check_split_on_punctuation, lambda w: re.split(r"([.'])", w), "Empty strings"),
    (ex.check_split_on_punctuation, lambda w: re.findall(r"\w+|[^\w\s]", w) if w != "«oui»" else [w],
     "is_punctuation"),
    (ex.check_wordpiece, lambda w, v: ["##" + w] if w in ("a",) else ex.wordpiece(w, v),
     "no ## prefix"),
    (ex.check_wordpiece, lambda w, v: [p for p in ex.wordpiece(w[:-1], v)] if w.endswith("z")
     else ex.wordpiece(w, v), "whole word becomes"),
    (ex.check_wordpiece, lambda w, v: [w[:1]] + ["##" + c for c in w[1:]] if "##" + w[1:2] in v
     else ex.wordpiece(w, v), "LONGEST match"),
    (ex.check_best_pair, lambda splits, counts: ("##u", "##g"), "BPE's rule"),
    (ex.check_best_pair, lambda splits, counts: ("##g", "##s"), "second one"),
    (ex.check_encode_pair, lambda a, b, cls, sep: ([cls] + a + b + [sep], [0] * (len(a) + len(b) + 2)),
     "input_ids"),
    (ex.check_encode_pair, lambda a, b, cls, sep: ([cls] + a + [sep] + b + [sep],
                                                   [0] * (len(a) + 1) + [1] * (len(b) + 2)),
     "token_type_ids"),
])
def test_wrong_answers_are_rejected_with_a_hint(check, wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        check(wrong)
