"""Exercises for lesson 10 (question answering): the best valid span, the SQuAD F1 score, and
"no answer" from the null score and a threshold.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

import collections
import re
import string
from typing import Callable

import torch

from ..finetuning.squad_metrics import f1_score
from . import fail, not_attempted, passed, solution_of


def best_span(start_logits: torch.Tensor, end_logits: torch.Tensor,
              max_answer_length: int = 30) -> tuple[int, int]:
    """(T,) start and end logits -> the (i, j) with the highest start_logits[i] + end_logits[j],
    where i <= j and the span has at most ``max_answer_length`` tokens (j - i + 1)."""
    scores = start_logits[:, None] + end_logits[None, :]    # (T, T): scores[i, j] = s_i + e_j
    i, j = torch.meshgrid(torch.arange(len(start_logits)), torch.arange(len(end_logits)), indexing="ij")
    valid = (j >= i) & (j - i + 1 <= max_answer_length)     # (T, T)
    best = scores.masked_fill(~valid, float("-inf")).argmax()  # index into the flattened matrix
    return divmod(int(best), len(end_logits))


def squad_f1(prediction: str, ground_truth: str) -> float:
    """Token-overlap F1 of two answers after the official SQuAD normalisation."""
    def normalize(text: str) -> list[str]:
        text = text.lower()
        text = "".join(char for char in text if char not in string.punctuation)  # "1,230" -> "1230"
        text = re.sub(r"\b(a|an|the)\b", " ", text)                              # whole words only
        return text.split()                                                        # also collapses spaces

    predicted, truth = normalize(prediction), normalize(ground_truth)
    if not predicted or not truth:
        return float(predicted == truth)  # "no answer" scores 1 only against "no answer"
    common = sum((collections.Counter(predicted) & collections.Counter(truth)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(truth)
    return 2 * precision * recall / (precision + recall)


def answer_or_null(start_logits: torch.Tensor, end_logits: torch.Tensor, threshold: float = 0.0,
                   max_answer_length: int = 30) -> tuple[int, int] | None:
    """SQuAD v2.0 decision: position 0 is [CLS]. The best span (i, j) with 1 <= i <= j, or None
    ("no answer") when s_null - s_span > threshold, where s_null = start_logits[0] + end_logits[0]."""
    i, j = best_span(start_logits[1:], end_logits[1:], max_answer_length)  # spans after [CLS]
    i, j = i + 1, j + 1
    null_score = start_logits[0] + end_logits[0]
    span_score = start_logits[i] + end_logits[j]
    return None if null_score - span_score > threshold else (i, j)


SOLUTIONS = {"best_span": best_span, "squad_f1": squad_f1, "answer_or_null": answer_or_null}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "10", name)



def _as_span(name: str, result) -> tuple[int, int] | None:
    """The learner's (i, j) as two ints (tensors and numpy ints are fine), or None."""
    if result is None:
        return None
    try:
        i, j = result
        return int(i), int(j)
    except (TypeError, ValueError):
        fail(f"{name} should return a pair (i, j) of token positions, got {result!r}")


def _logits(values: dict[int, float], length: int, low: float = -5.0) -> torch.Tensor:
    """A (length,) tensor of ``low`` with the given positions set."""
    logits = torch.full((length,), low)
    for position, value in values.items():
        logits[position] = value
    return logits


def _random_cases(seed: int, count: int) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    generator = torch.Generator().manual_seed(seed)
    cases = []
    for _ in range(count):
        length = int(torch.randint(2, 40, (1,), generator=generator))
        max_length = int(torch.randint(1, 12, (1,), generator=generator))
        cases.append((torch.randn(length, generator=generator), torch.randn(length, generator=generator),
                      max_length))
    return cases


def _score(start: torch.Tensor, end: torch.Tensor, span: tuple[int, int]) -> float:
    return float(start[span[0]] + end[span[1]])


def check_best_span(fn: Callable[[torch.Tensor, torch.Tensor, int], tuple[int, int]]) -> bool:
    """Check ``fn(start_logits, end_logits, max_answer_length)`` against ``best_span``."""
    start = _logits({2: 1.0, 6: 4.0}, 10)
    end = _logits({3: 3.0, 4: 1.5}, 10)  # the largest end logit (3) comes before the largest start (6)
    try:
        result = _as_span("best_span", fn(start, end, 30))
    except NotImplementedError:
        return not_attempted("best_span", fn)
    if result is None:
        fail("best_span always has an answer: return the pair (i, j), not None")
    if result == (6, 3):
        fail("you took the argmax of the start logits and of the end logits separately, which gives "
             "start 6 and end 3: a span cannot end before it starts. Score every pair (i, j) with "
             "j >= i, e.g. start_logits[:, None] + end_logits[None, :], and take the best valid one.")
    if result != (2, 3):
        i, j = result
        fail(f"expected (2, 3) (score 1.0 + 3.0 = 4.0), got {result} (score "
             f"{_score(start, end, result) if 0 <= i < 10 and 0 <= j < 10 else 'out of range'}); "
             "the score of a span is start_logits[i] + end_logits[j]")
    start, end = _logits({1: 5.0, 20: 0.0}, 30), _logits({25: 5.0, 22: 0.0}, 30)
    longest = _as_span("best_span", fn(start, end, 6))
    if longest == (1, 25):
        fail("with max_answer_length=6 the span (1, 25) is too long (25 tokens): skip spans with "
             "j - i + 1 > max_answer_length")
    if longest != (20, 25) and _as_span("best_span", fn(start, end, 7)) == (20, 25):
        fail("the span (20, 25) has 6 tokens (20, 21, ..., 25), which max_answer_length=6 allows, but "
             "you ruled it out: a span from i to j has j - i + 1 tokens, not j - i")
    if longest != (20, 25):
        fail(f"with max_answer_length=6 expected (20, 25), the best span of at most 6 tokens; got {longest}")
    for case, (start, end, max_length) in enumerate(_random_cases(0, 20)):
        got = _as_span("best_span", fn(start, end, max_length))
        expected = best_span(start, end, max_length)
        if got != expected:
            fail(f"random case {case} ({len(start)} positions, max_answer_length={max_length}): expected "
                 f"{expected} with score {_score(start, end, expected):.3f}, got {got}; check that you "
                 "consider every valid pair and read the sizes from the inputs")
    return passed("The best span ends no earlier than it starts and is at most max_answer_length tokens.")


F1_CASES = [  # (prediction, ground truth, hint when wrong)
    ("Swiss Alps", "Swiss Alps",
     "identical answers have F1 = 1"),
    ("the Eiffel Tower", "Eiffel tower",
     "lower-case both answers and drop the articles a, an, the"),
    ("Paris, France.", "paris france",
     "remove punctuation (string.punctuation) before splitting"),
    ("1,230 kilometres", "1230 kilometres",
     ("delete punctuation characters, do not replace them with spaces: the official script turns "
      "'1,230' into '1230'")),
    ("in the Swiss Alps", "Swiss Alps",
     "precision = 2 shared words / 3 predicted words, recall = 2 / 2, F1 = 2PR / (P + R) = 0.8"),
    ("Lake Constance", "the North Sea",
     "no shared word: F1 = 0 (and no division by zero)"),
    ("banana bread", "bread",
     ("remove the articles a, an, the only as whole words (the regex \\b(a|an|the)\\b): 'banana' "
      "keeps its a's")),
    ("coral coral polyps", "coral polyps",
     ("words count with multiplicity: the prediction's second 'coral' matches nothing "
      "(collections.Counter(a) & Counter(b)), so precision is 2/3, not 1")),
    ("", "",
     "two empty answers (a v2.0 'no answer' predicted for an unanswerable question) score 1"),
    ("", "Rotterdam",
     "an empty prediction scores 0 against a real answer"),
    ("Rotterdam", "",
     "any text scores 0 against the empty answer of an unanswerable question"),
    ("The", "a",
     "both are empty after normalisation, so they agree: F1 = 1"),
    ("  Duisburg   and\tCologne ", "Duisburg and Cologne",
     "split on any whitespace: str.split() with no argument"),
]


def check_squad_f1(fn: Callable[[str, str], float]) -> bool:
    """Check ``fn(prediction, ground_truth)`` against ``squad_f1`` (and ``squad_metrics.f1_score``)."""
    try:
        fn("Swiss Alps", "Swiss Alps")
    except NotImplementedError:
        return not_attempted("squad_f1", fn)
    for prediction, truth, hint in F1_CASES:
        try:
            got = float(fn(prediction, truth))
        except ZeroDivisionError:
            fail(f"squad_f1({prediction!r}, {truth!r}) divided by zero: {hint}")
        except (TypeError, ValueError) as error:
            fail(f"squad_f1({prediction!r}, {truth!r}) should return a number; it raised {error!r}")
        expected = f1_score(prediction, truth)
        if abs(got - expected) > 1e-9:
            fail(f"squad_f1({prediction!r}, {truth!r}) = {got:.4g}, expected {expected:.4g}: {hint}")
    return passed("Same normalisation and the same bag-of-words F1 as the official SQuAD script.")


def _decide(fn: Callable, start: torch.Tensor, end: torch.Tensor, threshold: float,
            max_answer_length: int = 30) -> tuple[int, int] | None:
    """The learner's decision, after checking that it is no span through [CLS]."""
    got = _as_span("answer_or_null", fn(start, end, threshold, max_answer_length))
    if got is not None and got[0] == 0:
        fail(f"you returned {got}, a span starting at position 0: that is [CLS], whose score is the "
             "null score. Look for spans among positions 1, 2, ... only (e.g. run best_span on "
             "start_logits[1:] and end_logits[1:], then add 1)")
    return got


def check_answer_or_null(fn: Callable[[torch.Tensor, torch.Tensor, float, int], tuple[int, int] | None]) -> bool:
    """Check ``fn(start_logits, end_logits, threshold, max_answer_length)`` against ``answer_or_null``."""
    start, end = _logits({0: 1.0, 3: 6.0}, 12), _logits({0: 1.0, 5: 4.0}, 12)  # s_null 2, span (3, 5) 10
    try:
        result = _decide(fn, start, end, 0.0)
    except NotImplementedError:
        return not_attempted("answer_or_null", fn)
    if result != (3, 5):
        fail(f"s_null = 1 + 1 = 2 and the span (3, 5) scores 6 + 4 = 10, so the answer is (3, 5); got {result}")
    start, end = _logits({0: 9.0, 4: 3.0}, 12), _logits({0: -9.0, 2: 2.0, 6: 2.5}, 12)
    got = _decide(fn, start, end, 0.0)
    if got != (4, 6):
        fail(f"s_null = 9 - 9 = 0 and the best span after [CLS] is (4, 6) with 3 + 2.5; got {got}")
    start, end = _logits({0: 5.0, 3: 2.0}, 12), _logits({0: 5.0, 5: 1.0}, 12)  # s_null 10, span 3
    if _decide(fn, start, end, 0.0) is not None:
        fail("s_null = 10 beats the best span's 2 + 1 = 3 by 7 > threshold 0: return None (no answer)")
    # s_null - s_span = 6 - 5 = 1: "no answer" at threshold 0, the span at threshold 2.
    start, end = _logits({0: 3.0, 2: 3.0}, 8), _logits({0: 3.0, 3: 2.0}, 8)
    at_zero, at_two = _decide(fn, start, end, 0.0), _decide(fn, start, end, 2.0)
    if at_zero is None and at_two is None:
        fail("at threshold 2 the span (2, 3) should win: s_null - s_span = 6 - 5 = 1 is not > 2. The "
             "threshold is on s_null - s_span: return None only when s_null - s_span > threshold. (The "
             "paper writes s_span > s_null + tau for a non-null answer; the code's threshold is -tau.)")
    if at_zero is not None or at_two != (2, 3):
        fail(f"s_null - s_span = 6 - 5 = 1: expected None at threshold 0 and (2, 3) at threshold 2, got "
             f"{at_zero} and {at_two}")
    start, end = _logits({0: 0.0, 1: 5.0}, 30), _logits({0: 0.0, 20: 5.0, 4: 1.0}, 30)
    if _decide(fn, start, end, 0.0, 5) != (1, 4):
        fail("keep the rules of best_span: with max_answer_length=5 the span (1, 20) is too long, the "
             "best allowed span is (1, 4)")
    for case, (start, end, max_length) in enumerate(_random_cases(1, 20)):
        threshold = float(case % 5 - 2)
        got = _decide(fn, start, end, threshold, max_length)
        expected = answer_or_null(start, end, threshold, max_length)
        if got != expected:
            fail(f"random case {case} ({len(start)} positions, threshold {threshold}, max_answer_length="
                 f"{max_length}): expected {expected}, got {got}")
    return passed("Position 0 is the null answer; a span is returned only when it is not beaten by "
                  "s_null by more than the threshold.")
