"""Entity-level precision, recall and F1 for named entity recognition, by the CoNLL rules.

The BERT paper reports CoNLL-2003 NER as F1 (section 5.3, Table 7). That F1 is over entities, not
tags: an entity counts as correct only when both its type and its exact span match a gold entity.
Entities are read off IOB tag sequences the way the CoNLL-2003 script ``conlleval`` does (and the
``seqeval`` library's default mode): a chunk starts at ``B-X``, and also at an ``I-X`` that follows
``O`` or a tag of another type; it ends before ``O``, before any ``B-`` and before a type change.
"""

from __future__ import annotations

from collections.abc import Sequence

Entity = tuple[str, int, int]  # (type, first word index, last word index), both inclusive


def _split(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    if tag[:2] not in ("B-", "I-") or len(tag) < 3:
        raise ValueError(f"tag {tag!r} is not 'O', 'B-TYPE' or 'I-TYPE' (IOB1/IOB2)")
    return tag[0], tag[2:]


def get_entities(tags: Sequence[str]) -> list[Entity]:
    """The entities in one sentence's tags, e.g. ``["B-PER", "I-PER", "O", "I-LOC"]`` ->
    ``[("PER", 0, 1), ("LOC", 3, 3)]``."""
    entities: list[Entity] = []
    previous_prefix, previous_type, start = "O", "", 0
    for index, tag in enumerate(list(tags) + ["O"]):
        prefix, entity_type = _split(tag)
        if previous_prefix != "O" and (prefix != "I" or entity_type != previous_type):
            entities.append((previous_type, start, index - 1))
        if prefix == "B" or (prefix == "I" and (previous_prefix == "O"
                                                or entity_type != previous_type)):
            start = index
        previous_prefix, previous_type = prefix, entity_type
    return entities


def _scores(gold: set, predicted: set) -> dict[str, float]:
    correct = len(gold & predicted)
    precision = correct / len(predicted) if predicted else 0.0
    recall = correct / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if correct else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": len(gold)}


def entity_scores(gold_tags: Sequence[Sequence[str]],
                  predicted_tags: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 (fractions in [0, 1]) and support (the number of gold entities),
    ``"overall"`` and for each entity type, from per-sentence gold and predicted tag sequences.

    A measure with nothing to divide by (no predicted or no gold entities) is 0, as in conlleval.
    """
    if len(gold_tags) != len(predicted_tags):
        raise ValueError(f"got {len(gold_tags)} gold and {len(predicted_tags)} predicted sentences")
    gold: set[tuple[int, str, int, int]] = set()
    predicted: set[tuple[int, str, int, int]] = set()
    for number, (gold_sentence, predicted_sentence) in enumerate(zip(gold_tags, predicted_tags)):
        if len(gold_sentence) != len(predicted_sentence):
            raise ValueError(f"sentence {number} has {len(gold_sentence)} gold tags but "
                             f"{len(predicted_sentence)} predicted tags")
        gold.update((number, *entity) for entity in get_entities(gold_sentence))
        predicted.update((number, *entity) for entity in get_entities(predicted_sentence))
    results = {"overall": _scores(gold, predicted)}
    for entity_type in sorted({entity[1] for entity in gold | predicted}):
        results[entity_type] = _scores({e for e in gold if e[1] == entity_type},
                                       {e for e in predicted if e[1] == entity_type})
    return results
