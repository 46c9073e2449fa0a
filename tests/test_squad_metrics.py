"""SQuAD EM/F1: the official normalisation, hand-computed scores, v2.0 no-answer handling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bertedu.finetuning.squad_metrics import (
    exact_match_score,
    f1_score,
    gold_texts,
    normalize_answer,
    squad_evaluate,
)


@pytest.mark.parametrize("text, normalized", [
    ("The Eiffel Tower!", "eiffel tower"),
    ("  An   apple, a day\tkeeps... ", "apple day keeps"),
    ("theatre Anatomy", "theatre anatomy"),  # articles only as whole words
    ("the", ""),
    ("Rock'n'roll (1950s)", "rocknroll 1950s"),
    ("", ""),
])
def test_normalize_answer(text, normalized):
    assert normalize_answer(text) == normalized


def test_exact_match_after_normalisation():
    assert exact_match_score("The Eiffel Tower!", "eiffel tower") == 1
    assert exact_match_score("Eiffel Tower, Paris", "eiffel tower") == 0


def test_f1_by_hand():
    # prediction {cat, sat, on, mat} vs gold {cat, on, mat}: P = 3/4, R = 3/3, F1 = 6/7
    assert f1_score("the cat sat on the mat", "Cat on mat.") == pytest.approx(6 / 7, abs=1e-12)
    # bags of words: "x x y" vs "x y y" share one x and one y: P = R = 2/3
    assert f1_score("x x y", "x y y") == pytest.approx(2 / 3, abs=1e-12)
    assert f1_score("in Paris", "Paris, France") == pytest.approx(0.5, abs=1e-12)
    assert f1_score("London", "Paris") == 0.0


def test_empty_answers_score_only_against_empty():
    assert f1_score("", "") == 1.0
    assert f1_score("the", "") == 1.0  # "the" normalises to the empty answer
    assert f1_score("", "Paris") == 0.0
    assert f1_score("Paris", "") == 0.0
    assert exact_match_score("", "") == 1


def test_gold_texts_drop_empty_answers():
    assert gold_texts(["the", "Paris"]) == ["Paris"]
    assert gold_texts([]) == [""]


def test_squad_evaluate_v2_by_hand():
    predictions = {"q1": "eiffel tower!", "q2": "in Paris", "q3": "", "q4": "London"}
    references = {"q1": ["Eiffel Tower", "the Eiffel Tower"], "q2": ["Paris, France"],
                  "q3": [], "q4": []}
    results = squad_evaluate(predictions, references)
    # per question: EM 1, 0, 1, 0; F1 1, 0.5, 1, 0
    assert results == pytest.approx({
        "exact": 50.0, "f1": 62.5, "total": 4,
        "HasAns_exact": 50.0, "HasAns_f1": 75.0, "HasAns_total": 2,
        "NoAns_exact": 50.0, "NoAns_f1": 50.0, "NoAns_total": 2}, abs=1e-9)


def test_has_answer_is_decided_on_the_raw_gold_list_as_the_official_v2_script():
    # q1, q2: answerable although their only gold answers normalise to "" (the official script sets
    # has_ans = bool(answers) before normalising); their gold becomes [""], so only "" scores.
    predictions = {"q1": "", "q2": "Paris", "q3": "", "q4": "Paris", "q5": "the"}
    references = {"q1": ["the"], "q2": ["..."], "q3": [], "q4": ["Paris"], "q5": []}
    results = squad_evaluate(predictions, references)
    # per question EM = F1: q1 1, q2 0, q3 1, q4 1, q5 1 ("the" normalises to "")
    assert results == pytest.approx({
        "exact": 80.0, "f1": 80.0, "total": 5,
        "HasAns_exact": 200 / 3, "HasAns_f1": 200 / 3, "HasAns_total": 3,
        "NoAns_exact": 100.0, "NoAns_f1": 100.0, "NoAns_total": 2}, abs=1e-9)


def test_squad_evaluate_takes_the_best_gold_answer():
    results = squad_evaluate({"q": "Denver Broncos"}, {"q": ["Broncos", "Denver Broncos", "x"]})
    assert results == pytest.approx({"exact": 100.0, "f1": 100.0, "total": 1,
                                     "HasAns_exact": 100.0, "HasAns_f1": 100.0,
                                     "HasAns_total": 1}, abs=1e-9)
    # best F1 and best EM may come from different gold answers
    results = squad_evaluate({"q": "red car"}, {"q": ["red", "car blue"]})
    assert results["exact"] == 0.0 and results["f1"] == pytest.approx(100 * 2 / 3, abs=1e-9)


def test_squad_evaluate_rejects_missing_predictions():
    with pytest.raises(ValueError, match="no prediction"):
        squad_evaluate({"q1": "x"}, {"q1": ["x"], "q2": ["y"]})
    with pytest.raises(ValueError, match="at least one"):
        squad_evaluate({}, {})


words = st.lists(st.sampled_from(["the", "a", "Cat", "cat", "sat", "on", "mat", "!", "Paris,", "x"]),
                 max_size=6).map(" ".join)


@given(words, words)
def test_f1_properties(prediction, truth):
    score = f1_score(prediction, truth)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(f1_score(truth, prediction), abs=1e-12)
    assert f1_score(prediction, prediction) == 1.0
    if exact_match_score(prediction, truth):
        assert score == 1.0
