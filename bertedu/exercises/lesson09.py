"""Exercises for lesson 09 (named entity recognition): word-piece label alignment, reading entities
off IOB tags, and entity-level F1.

Each ``check_...`` function runs the learner's function on a few cases and compares it with the
reference below: it prints "Correct!" and returns True, prints a hint and returns False while the
function still raises NotImplementedError, and raises ``ExerciseFailed`` saying what is wrong otherwise.
``solution(name)`` prints a reference answer.
"""

from __future__ import annotations

from typing import Callable

from . import fail, not_attempted, passed, solution_of


def align_labels(word_ids, word_labels):
    """One label per token: the word's label on its first piece, -100 on the word's other pieces
    and on special tokens (word id None)."""
    labels = []
    previous = None
    for word_id in word_ids:
        if word_id is None or word_id == previous:
            labels.append(-100)  # [CLS], [SEP], padding, or a continuation piece (##...)
        else:
            labels.append(word_labels[word_id])  # the first piece of a word
        previous = word_id
    return labels


def get_entities(tags):
    """(type, first, last) of every entity in one sentence's IOB tags, by the conlleval rules:
    an entity starts at B-X, or at I-X after O or after another type; it ends before O, B-, or a
    change of type. ``last`` is inclusive."""
    entities = []
    current = None  # [type, first, last] of the entity being read
    for index, tag in enumerate(tags):
        prefix, entity_type = (tag, "") if tag == "O" else (tag[0], tag[2:])
        if current is not None and (prefix != "I" or entity_type != current[0]):
            entities.append(tuple(current))  # O, B- or another type closes the entity
            current = None
        if prefix == "I" and current is not None:
            current[2] = index  # I-X continues an X entity
        elif prefix in ("B", "I"):
            current = [entity_type, index, index]  # B-X, or an I-X that continues nothing
    if current is not None:
        entities.append(tuple(current))  # an entity that runs to the end of the sentence
    return entities


def entity_f1(gold_tags, predicted_tags):
    """(precision, recall, F1) over entities of all sentences; an entity is correct only if its
    type, first and last word all match a gold entity of the same sentence."""
    gold = {(number, *entity) for number, tags in enumerate(gold_tags) for entity in get_entities(tags)}
    predicted = {(number, *entity) for number, tags in enumerate(predicted_tags)
                 for entity in get_entities(tags)}
    correct = len(gold & predicted)
    precision = correct / len(predicted) if predicted else 0.0
    recall = correct / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if correct else 0.0
    return precision, recall, f1


SOLUTIONS = {"align_labels": align_labels, "get_entities": get_entities, "entity_f1": entity_f1}


def solution(name: str) -> str:
    """Print the reference solution of exercise ``name`` (one of SOLUTIONS)."""
    return solution_of(SOLUTIONS, "09", name)



def _call(fn: Callable, name: str, *args):
    """The learner's result on a further case; a typical bug's exception there becomes a failure that
    names the input it failed on."""
    try:
        return fn(*args)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError) as error:
        fail(f"{name}{args!r} raised {type(error).__name__}: {error}")


# Pieces of "[CLS] Feyenoord coach Arie Haan said . [SEP]": fe ##y ##en ##o ##ord co ##ach ar ##ie ...
ALIGN_CASES = [
    ([None, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 5, None], [3, 0, 1, 2, 0, 0]),
    ([None, 0, 1, 2, None], [5, 0, 7]),                    # one piece per word
    ([None, 0, 0, 1, None, None, None], [1, 2]),            # padding after [SEP]
    ([None, 0, 0, 0, None], [4]),                           # one word of three pieces
    ([None, None], []),                                     # an empty sentence
]


def check_align_labels(fn: Callable) -> bool:
    """Check ``fn(word_ids, word_labels)`` against ``align_labels``."""
    word_ids, word_labels = ALIGN_CASES[0]
    try:
        result = fn(list(word_ids), list(word_labels))
    except NotImplementedError:
        return not_attempted("align_labels", fn)
    for case, (word_ids, word_labels) in enumerate(ALIGN_CASES):
        if case:
            result = _call(fn, "align_labels", list(word_ids), list(word_labels))
        expected = align_labels(word_ids, word_labels)
        if not isinstance(result, (list, tuple)) or len(result) != len(word_ids):
            fail(f"align_labels should return one label per token, a list of {len(word_ids)} numbers "
                 f"for word_ids={word_ids}; got {result!r}")
        result = [int(label) for label in result]
        if result == expected:
            continue
        specials = [i for i, w in enumerate(word_ids) if w is None]
        if any(result[i] != -100 for i in specials):
            fail(f"for word_ids={word_ids} you gave the special tokens ([CLS], [SEP], padding: word id "
                 f"None) the labels {[result[i] for i in specials]}; they carry no word, so they get -100")
        every_piece = [-100 if w is None else word_labels[w] for w in word_ids]
        if result == every_piece:
            fail(f"for word_ids={word_ids} you labelled every piece of a word ({result}). The paper "
                 "labels only the first piece: give the later pieces of the same word -100 (compare "
                 "each word id with the previous one)")
        last_piece = [-100 if w is None or (i + 1 < len(word_ids) and word_ids[i + 1] == w)
                      else word_labels[w] for i, w in enumerate(word_ids)]
        if result == last_piece:
            fail(f"for word_ids={word_ids} you labelled the *last* piece of each word ({result}); "
                 "BERT uses the representation of the *first* sub-token")
        fail(f"align_labels(word_ids={word_ids}, word_labels={word_labels}) returned {result}, "
             f"expected {expected}: the first piece of word w gets word_labels[w], everything else -100")
    return passed("The first piece of every word carries its label; later pieces and special tokens "
                  "get -100, which the loss ignores.")


# (tags, expected entities, what the case is about)
ENTITY_CASES = [
    (["B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O"], [("ORG", 0, 1), ("PER", 3, 4)], "two entities"),
    (["O", "B-LOC"], [("LOC", 1, 1)], "an entity at the very end of the sentence"),
    (["B-PER", "B-PER"], [("PER", 0, 0), ("PER", 1, 1)], "B-PER right after B-PER: two entities"),
    (["O", "I-MISC", "I-MISC", "O"], [("MISC", 1, 2)],
     "an I- tag after O (a model's prediction may do that): conlleval starts an entity there"),
    (["B-PER", "I-LOC", "I-LOC"], [("PER", 0, 0), ("LOC", 1, 2)],
     "I-LOC after a PER entity: the type changes, so a new (LOC) entity starts"),
    (["B-ORG", "O", "I-ORG"], [("ORG", 0, 0), ("ORG", 2, 2)], "O ends an entity; the I-ORG after it starts a new one"),
    ([], [], "an empty sentence"),
    (["O", "O"], [], "no entity at all"),
]


def check_get_entities(fn: Callable) -> bool:
    """Check ``fn(tags)`` against ``get_entities`` on the conlleval corner cases."""
    try:
        result = fn(list(ENTITY_CASES[0][0]))
    except NotImplementedError:
        return not_attempted("get_entities", fn)
    for case, (tags, expected, about) in enumerate(ENTITY_CASES):
        if case:
            result = _call(fn, "get_entities", list(tags))
        if not isinstance(result, (list, tuple)):
            fail(f"get_entities should return a list of (type, first, last) tuples, got {result!r}")
        got = [tuple(entity) for entity in result]
        if got == expected:
            continue
        exclusive = [(t, first, last + 1) for t, first, last in expected]
        if got == exclusive:
            fail(f"get_entities({tags}) returned {got}: the last index is inclusive, as in "
                 f"{expected} (an entity of one word at position i is (type, i, i))")
        if sorted(got) == sorted(expected):
            fail(f"get_entities({tags}) returned the right entities in another order: list them "
                 f"in the order they occur, {expected}")
        fail(f"get_entities({tags}) returned {got}, expected {expected} ({about})")
    return passed("Entities are read off the tags exactly as conlleval reads them, corner cases included.")


F1_GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "O"], ["B-LOC", "O", "O", "B-MISC"]]
F1_CASES = [
    # (predicted tags, what the case is about)
    ([["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "O"], ["B-LOC", "O", "O", "B-MISC"]], "all correct"),
    ([["B-PER", "O", "O", "B-LOC"], ["O", "B-ORG", "O"], ["B-LOC", "O", "O", "O"]],
     "a person cut short (wrong span) and a missed MISC"),
    ([["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG", "O"], ["B-LOC", "O", "B-LOC", "B-MISC"]],
     "a wrong type and one entity too many"),
    ([["O", "O", "O", "O"], ["O", "O", "O"], ["O", "O", "O", "O"]], "nothing predicted"),
    ([["O", "O", "O", "B-LOC"], ["O", "O", "O"], ["O", "O", "O", "B-LOC"]],
     "B-LOC at word 3 of sentences 0 and 2: only the first is right"),
]


def check_entity_f1(fn: Callable) -> bool:
    """Check ``fn(gold_tags, predicted_tags) -> (precision, recall, f1)`` against ``entity_f1``."""
    try:
        result = fn(F1_GOLD, F1_CASES[0][0])
    except NotImplementedError:
        return not_attempted("entity_f1", fn)
    for case, (predicted, about) in enumerate(F1_CASES):
        if case:
            result = _call(fn, "entity_f1", F1_GOLD, predicted)
        if not isinstance(result, (list, tuple)) or len(result) != 3:
            fail(f"entity_f1 should return three numbers (precision, recall, f1), got {result!r}")
        expected = entity_f1(F1_GOLD, predicted)
        if all(abs(float(got) - want) < 1e-9 for got, want in zip(result, expected)):
            continue
        shown = tuple(round(float(x), 4) for x in result)
        want = tuple(round(x, 4) for x in expected)
        flat = [tag for sentence in predicted for tag in sentence]
        gold_flat = [tag for sentence in F1_GOLD for tag in sentence]
        token_accuracy = sum(p == g for p, g in zip(flat, gold_flat)) / len(gold_flat)
        if abs(float(result[2]) - token_accuracy) < 1e-9 or abs(float(result[0]) - token_accuracy) < 1e-9:
            fail(f"for '{about}' you returned {shown}, which is the token accuracy: score entities "
                 f"(get_entities of each sentence), not tags. Expected {want}")
        if case == 4:
            fail(f"for '{about}' you returned {shown}, expected {want}: two entities with the same "
                 "type and span in *different sentences* are different entities; add the sentence "
                 "number to each entity before comparing the sets")
        if case == 3:
            fail(f"for '{about}' you returned {shown}, expected {want}: with no predicted entity, "
                 "precision has nothing to divide by; conlleval calls it 0 (and F1 0)")
        fail(f"for '{about}' you returned {shown} (precision, recall, f1), expected {want}: an entity "
             "counts as correct only if type, first and last word all match; precision = correct / "
             "predicted, recall = correct / gold, F1 = 2PR / (P + R)")
    return passed("Entity-level precision, recall and F1 by the CoNLL rules: exact span and type, per sentence.")
