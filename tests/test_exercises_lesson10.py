"""The lesson-10 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet."""

import collections

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson10 as ex
from bertedu.finetuning.squad import SquadExample
from bertedu.finetuning.squad_decoding import nbest_spans
from bertedu.finetuning.squad_features import SquadFeature
from bertedu.finetuning.squad_metrics import f1_score, normalize_answer


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_best_span, ex.check_squad_f1, ex.check_answer_or_null])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_best_span(ex.best_span) is True
    assert ex.check_squad_f1(ex.squad_f1) is True
    assert ex.check_answer_or_null(ex.answer_or_null) is True
    assert capsys.readouterr().out.count("Correct!") == 3


def test_best_span_reference_is_the_package_decoder():
    """On a window that is all context, the package's n-best decoder finds the same best span."""
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        length = int(torch.randint(2, 25, (1,), generator=generator))
        start, end = torch.randn(1, length, generator=generator), torch.randn(1, length, generator=generator)
        words = [f"w{i}" for i in range(length)]
        context = " ".join(words)
        starts = [sum(len(w) + 1 for w in words[:i]) for i in range(length)]
        offsets = [(begin, begin + len(word)) for begin, word in zip(starts, words)]  # one token per word
        feature = SquadFeature(0, [0] * length, [1] * length, [1] * length, offsets, [True] * length, 0, 0)
        spans, _ = nbest_spans(SquadExample("q", "?", context), [feature], start, end,
                               n_best_size=length, max_answer_length=5)
        i, j = ex.best_span(start[0], end[0], 5)
        assert spans[0].score == pytest.approx(float(start[0, i] + end[0, j]))
        assert spans[0].text == context[offsets[i][0]:offsets[j][1]]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="aAbn theTH,.-!  x", max_size=20), st.text(alphabet="aAbn theTH,.-!  x", max_size=20))
def test_squad_f1_reference_is_the_official_score(prediction, truth):
    assert ex.squad_f1(prediction, truth) == pytest.approx(f1_score(prediction, truth), abs=1e-12)


def test_answer_or_null_threshold():
    start, end = torch.tensor([3.0, -5, 3, -5]), torch.tensor([3.0, -5, -5, 2])  # s_null 6, span (2, 3) 5
    assert ex.answer_or_null(start, end, 0.0) is None
    assert ex.answer_or_null(start, end, 1.0) == (2, 3)  # s_null - s_span = 1 is not > 1
    assert ex.answer_or_null(start, end, 2.0) == (2, 3)


def argmax_separately(start, end, max_answer_length=30):
    return int(start.argmax()), int(end.argmax())


def no_length_limit(start, end, max_answer_length=30):
    return ex.best_span(start, end, 10_000)


def off_by_one_length(start, end, max_answer_length=30):
    return ex.best_span(start, end, max_answer_length - 1)


def hard_coded_first_case(start, end, max_answer_length=30):
    return (2, 3)


def loop_without_the_length_limit_on_random_cases(start, end, max_answer_length=30):
    return ex.best_span(start, end, max_answer_length if len(start) in (10, 30) else 10_000)


@pytest.mark.parametrize("wrong, hint", [
    (argmax_separately, "separately"),
    (no_length_limit, "too long"),
    (off_by_one_length, r"j - i \+ 1 tokens"),
    (hard_coded_first_case, "max_answer_length=6"),
    (loop_without_the_length_limit_on_random_cases, "random case"),
    (lambda start, end, m=30: None, "not None"),
    (lambda start, end, m=30: "2-3", "pair"),
])
def test_wrong_best_spans_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_best_span(wrong)


def test_best_span_accepts_tensors_and_lists_of_ints():
    assert ex.check_best_span(lambda s, e, m=30: torch.tensor(ex.best_span(s, e, m)))
    assert ex.check_best_span(lambda s, e, m=30: list(ex.best_span(s, e, m)))


def no_normalisation(prediction, truth):
    return _f1(prediction.split(), truth.split())


def _f1(predicted, truth):
    if not predicted or not truth:
        return float(predicted == truth)
    common = sum((collections.Counter(predicted) & collections.Counter(truth)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(truth)
    return 2 * precision * recall / (precision + recall)


def lower_only(prediction, truth):
    return _f1(prediction.lower().split(), truth.lower().split())


def punctuation_to_spaces(prediction, truth):
    def words(text):
        text = "".join(" " if c in ",.!?-" else c for c in text.lower())
        return [w for w in text.split() if w not in ("a", "an", "the")]
    return _f1(words(prediction), words(truth))


def as_sets(prediction, truth):
    p, t = set(normalize_answer(prediction).split()), set(normalize_answer(truth).split())
    if not p or not t:
        return float(p == t)
    common = len(p & t)
    return 0.0 if common == 0 else 2 * common / (len(p) + len(t))


def dividing_by_zero(prediction, truth):
    p, t = normalize_answer(prediction).split(), normalize_answer(truth).split()
    common = sum((collections.Counter(p) & collections.Counter(t)).values())
    precision, recall = common / len(p), common / len(t)
    return 2 * precision * recall / (precision + recall)


def substring_articles(prediction, truth):
    def words(text):
        text = "".join(c for c in text.lower() if c not in ",.!?-")
        for article in ("the", "an", "a"):
            text = text.replace(article, " ")
        return text.split()
    return _f1(words(prediction), words(truth))


def only_exact_match(prediction, truth):
    return float(normalize_answer(prediction) == normalize_answer(truth))


@pytest.mark.parametrize("wrong, hint", [
    (no_normalisation, "lower-case"),
    (lower_only, "articles"),
    (punctuation_to_spaces, "do not replace them with spaces"),
    (as_sets, "multiplicity"),
    (dividing_by_zero, "divided by zero"),
    (substring_articles, "whole words"),
    (only_exact_match, "0.8"),
    (lambda p, t: "1.0", "should return a number|expected"),
])
def test_wrong_f1_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_squad_f1(wrong)


def includes_cls(start, end, threshold=0.0, max_answer_length=30):
    i, j = ex.best_span(start, end, max_answer_length)
    return None if start[0] + end[0] - (start[i] + end[j]) > threshold else (i, j)


def papers_sign_without_flipping(start, end, threshold=0.0, max_answer_length=30):
    i, j = ex.best_span(start[1:], end[1:], max_answer_length)
    span_score = start[i + 1] + end[j + 1]
    return (i + 1, j + 1) if span_score > start[0] + end[0] + threshold else None


def forgets_the_shift(start, end, threshold=0.0, max_answer_length=30):
    i, j = ex.best_span(start[1:], end[1:], max_answer_length)
    return None if start[0] + end[0] - (start[i + 1] + end[j + 1]) > threshold else (i, j)


def never_null(start, end, threshold=0.0, max_answer_length=30):
    return tuple(x + 1 for x in ex.best_span(start[1:], end[1:], max_answer_length))


def ignores_max_length(start, end, threshold=0.0, max_answer_length=30):
    return ex.answer_or_null(start, end, threshold, 10_000)


@pytest.mark.parametrize("wrong, hint", [
    (includes_cls, r"\[CLS\]"),
    (papers_sign_without_flipping, "threshold is on s_null - s_span"),
    (forgets_the_shift, "so the answer is \\(3, 5\\)"),
    (never_null, "return None"),
    (ignores_max_length, "too long"),
])
def test_wrong_null_decisions_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_answer_or_null(wrong)


def test_solution_prints_the_reference(capsys):
    source = ex.solution("squad_f1")
    assert "def squad_f1" in source and "def squad_f1" in capsys.readouterr().out
    with pytest.raises(ValueError, match="best_span"):
        ex.solution("nope")
