"""The lesson-09 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet; the reference answers agree with the package."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson09 as ex
from bertedu.finetuning.conll import align_labels as package_align_labels
from bertedu.finetuning.ner_metrics import entity_scores
from bertedu.finetuning.ner_metrics import get_entities as package_get_entities


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_align_labels, ex.check_get_entities, ex.check_entity_f1])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_align_labels(ex.align_labels) is True
    assert ex.check_get_entities(ex.get_entities) is True
    assert ex.check_entity_f1(ex.entity_f1) is True
    assert capsys.readouterr().out.count("Correct!") == 3


def test_package_functions_pass(capsys):
    assert ex.check_align_labels(package_align_labels) is True
    assert ex.check_get_entities(package_get_entities) is True
    overall = lambda gold, predicted: tuple(entity_scores(gold, predicted)["overall"][k]
                                            for k in ("precision", "recall", "f1"))
    assert ex.check_entity_f1(overall) is True


TAGS = st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(tags=TAGS)
def test_get_entities_reference_is_the_package_rule(tags):
    assert ex.get_entities(tags) == package_get_entities(tags)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(TAGS.flatmap(lambda gold: st.tuples(
    st.just(gold), st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
                            min_size=len(gold), max_size=len(gold)))), max_size=5))
def test_entity_f1_reference_is_the_package_score(pairs):
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    overall = entity_scores(gold, predicted)["overall"]
    assert ex.entity_f1(gold, predicted) == pytest.approx(
        (overall["precision"], overall["recall"], overall["f1"]), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(lengths=st.lists(st.integers(1, 4), max_size=6), padding=st.integers(0, 3))
def test_align_labels_reference_is_the_package_rule(lengths, padding):
    word_ids = [None] + [w for w, n in enumerate(lengths) for _ in range(n)] + [None] * (1 + padding)
    word_labels = [7 * w % 9 for w in range(len(lengths))]
    assert ex.align_labels(word_ids, word_labels) == package_align_labels(word_ids, word_labels)


def every_piece(word_ids, word_labels):
    return [-100 if w is None else word_labels[w] for w in word_ids]


def last_piece(word_ids, word_labels):
    return [-100 if w is None or (i + 1 < len(word_ids) and word_ids[i + 1] == w) else word_labels[w]
            for i, w in enumerate(word_ids)]


def specials_as_zero(word_ids, word_labels):
    return [0 if label == -100 and w is None else label
            for w, label in zip(word_ids, ex.align_labels(word_ids, word_labels))]


def crashes_on_empty(word_ids, word_labels):
    if not word_labels:
        raise IndexError("list index out of range")
    return ex.align_labels(word_ids, word_labels)


@pytest.mark.parametrize("wrong, hint", [
    (every_piece, "labelled every piece"),
    (last_piece, "*last* piece"),
    (specials_as_zero, "special tokens"),
    (lambda word_ids, word_labels: [label for label in word_labels], "one label per token"),
    (lambda word_ids, word_labels: None, "one label per token"),
    (crashes_on_empty, "raised IndexError"),
])
def test_wrong_alignments_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_align_labels(wrong)


def exclusive_end(tags):
    return [(t, first, last + 1) for t, first, last in ex.get_entities(tags)]


def forgets_the_last_entity(tags):
    entities = ex.get_entities(tags)
    return [e for e in entities if e[2] != len(tags) - 1]


def ignores_orphan_i(tags):
    # Only B- starts an entity: an I- after O is dropped.
    entities, current = [], None
    for i, tag in enumerate(tags + ["O"]):
        if current and not (tag.startswith("I-") and tag[2:] == current[0]):
            entities.append(tuple(current))
            current = None
        if tag.startswith("B-"):
            current = [tag[2:], i, i]
        elif tag.startswith("I-") and current:
            current[2] = i
    return entities


def merges_b_after_b(tags):
    entities, current = [], None
    for i, tag in enumerate(tags + ["O"]):
        if current and (tag == "O" or tag[2:] != current[0]):
            entities.append(tuple(current))
            current = None
        if tag != "O":
            current = current or [tag[2:], i, i]
            current[2] = i
    return entities


@pytest.mark.parametrize("wrong, hint", [
    (exclusive_end, "inclusive"),
    (lambda tags: list(reversed(ex.get_entities(tags))), "another order"),
    (forgets_the_last_entity, "very end"),
    (ignores_orphan_i, "conlleval starts an entity there"),
    (merges_b_after_b, "B-PER right after B-PER"),
    (lambda tags: None, "list of (type, first, last)"),
])
def test_wrong_entity_readers_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_get_entities(wrong)


def token_accuracy(gold_tags, predicted_tags):
    pairs = [(g, p) for gs, ps in zip(gold_tags, predicted_tags) for g, p in zip(gs, ps)]
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    return accuracy, accuracy, accuracy


def without_sentence_numbers(gold_tags, predicted_tags):
    gold = {e for tags in gold_tags for e in ex.get_entities(tags)}
    predicted = {e for tags in predicted_tags for e in ex.get_entities(tags)}
    correct = len(gold & predicted)
    p, r = correct / len(predicted) if predicted else 0.0, correct / len(gold)
    return p, r, 2 * p * r / (p + r) if correct else 0.0


def crashes_without_predictions(gold_tags, predicted_tags):
    predicted = sum(len(ex.get_entities(tags)) for tags in predicted_tags)
    correct = 1 / predicted  # ZeroDivisionError when nothing is predicted
    return ex.entity_f1(gold_tags, predicted_tags) if correct else None


def ignores_type(gold_tags, predicted_tags):
    strip = lambda sentences: [[t if t == "O" else t[:2] + "X" for t in tags] for tags in sentences]
    return ex.entity_f1(strip(gold_tags), strip(predicted_tags))


@pytest.mark.parametrize("wrong, hint", [
    (token_accuracy, "token accuracy"),
    (without_sentence_numbers, "different sentences"),
    (crashes_without_predictions, "raised ZeroDivisionError"),
    (ignores_type, "type, first and last word all match"),
    (lambda gold, predicted: ex.entity_f1(gold, predicted)[::-1], "expected"),
    (lambda gold, predicted: 1.0, "three numbers"),
])
def test_wrong_f1_is_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=re.escape(hint)):
        ex.check_entity_f1(wrong)


def test_the_token_accuracy_hint_cannot_fire_on_a_right_answer():
    for predicted, _ in ex.F1_CASES[1:]:
        assert token_accuracy(ex.F1_GOLD, predicted)[0] not in ex.entity_f1(ex.F1_GOLD, predicted)


def test_solution_prints_the_reference(capsys):
    source = ex.solution("get_entities")
    assert "def get_entities" in source and "def get_entities" in capsys.readouterr().out
    with pytest.raises(ValueError, match="entity_f1"):
        ex.solution("nope")
