"""SQuAD metrics: exact match (EM) and token-overlap F1 after the official answer normalisation.

The BERT paper reports EM and F1 on SQuAD v1.1 (section 4.2, Table 2) and v2.0 (section 4.3,
Table 3). Both numbers compare a predicted answer string with every gold answer a crowd worker gave
and keep the best. Before comparing, the official evaluation scripts normalise both strings: lower
case, drop punctuation, drop the articles "a", "an", "the", collapse whitespace. In v2.0 a question
may have no answer: its only gold answer is the empty string, and only an empty prediction scores.
"""

from __future__ import annotations

import collections
import re
import string
from collections.abc import Mapping, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower case, remove punctuation, articles and extra whitespace (the official SQuAD rules)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match_score(prediction: str, ground_truth: str) -> int:
    """1 if the two answers are equal after normalisation, else 0."""
    return int(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1_score(prediction: str, ground_truth: str) -> float:
    """Harmonic mean of precision and recall over the normalised answers' word tokens.

    Words are counted with multiplicity (a bag of words). If either answer is empty after
    normalisation (a v2.0 no-answer), F1 is 1 when both are empty and 0 otherwise.
    """
    prediction_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    if not prediction_tokens or not truth_tokens:
        return float(prediction_tokens == truth_tokens)
    common = collections.Counter(prediction_tokens) & collections.Counter(truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_tokens)
    recall = num_same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def gold_texts(answers: Sequence[str]) -> list[str]:
    """The gold answers as the v2.0 script scores them: empty-after-normalisation ones dropped,
    and ``[""]`` for an unanswerable question (no gold answers)."""
    texts = [text for text in answers if normalize_answer(text)]
    return texts or [""]


def squad_evaluate(predictions: Mapping[str, str],
                   references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """EM and F1 in percent over all questions, and separately over answerable (``HasAns``) and
    unanswerable (``NoAns``) ones, as the official v2.0 script reports them.

    ``predictions`` maps question id -> predicted text ("" means "no answer");
    ``references`` maps question id -> gold answer texts (an empty list for an unanswerable
    question). Every reference id needs a prediction. For v1.1 data there are no ``NoAns`` keys.
    A question is answerable (``HasAns``) when its list of gold answers is not empty, even if they
    all normalise to "" ("the", "..."): then, as in the official script, only "" scores on it.
    """
    missing = [qid for qid in references if qid not in predictions]
    if missing:
        raise ValueError(f"{len(missing)} of {len(references)} questions have no prediction, "
                         f"e.g. {missing[0]!r}; predict '' for 'no answer'")
    if not references:
        raise ValueError("squad_evaluate needs at least one reference question")
    exact, f1, has_answer = {}, {}, {}
    for qid, answers in references.items():
        golds = gold_texts(answers)
        exact[qid] = max(exact_match_score(predictions[qid], gold) for gold in golds)
        f1[qid] = max(f1_score(predictions[qid], gold) for gold in golds)
        has_answer[qid] = bool(answers)  # the official script's rule: "the" alone is still an answer
    results = _percentages(exact, f1, list(references))
    for name, keep in (("HasAns", True), ("NoAns", False)):
        ids = [qid for qid in references if has_answer[qid] == keep]
        if ids:
            results.update({f"{name}_{key}": value
                            for key, value in _percentages(exact, f1, ids).items()})
    return results


def _percentages(exact: Mapping[str, int], f1: Mapping[str, float],
                 ids: list[str]) -> dict[str, float]:
    return {"exact": 100.0 * sum(exact[qid] for qid in ids) / len(ids),
            "f1": 100.0 * sum(f1[qid] for qid in ids) / len(ids),
            "total": len(ids)}
