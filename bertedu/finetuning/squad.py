"""SQuAD extractive question answering data: examples, and windows over long contexts.

Section 4.2 of the BERT paper answers SQuAD v1.1 questions by marking a span of the context: the
input is ``[CLS] question [SEP] context [SEP]``, and two new vectors S and E score each context
token as the answer's start and end. Contexts longer than the model's input are cut into windows
that overlap by a stride (as in the original ``run_squad.py``); each window remembers which
characters of the context its tokens came from (the tokenizer's offsets), so a predicted span maps
back to the exact text.
SQuAD v2.0 (section 4.3) adds unanswerable questions, whose target is the [CLS] token (index 0).
The windows are cut in ``squad_features``; turning start/end logits back into answers is in
``squad_decoding``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..files import read_json


@dataclass
class SquadExample:
    """One question about one context. ``answers`` are dicts with ``text`` and ``answer_start``
    (a character index into ``context``); an unanswerable v2.0 question has none."""

    id: str
    question: str
    context: str
    answers: list[dict] = field(default_factory=list)
    is_impossible: bool = False
    title: str = ""

    def __post_init__(self):
        for answer in self.answers:
            start, text = answer["answer_start"], answer["text"]
            if not 0 <= start <= start + len(text) <= len(self.context):
                raise ValueError(f"question {self.id!r}: answer {text!r} at character {start} "
                                 f"does not fit in its {len(self.context)}-character context")


def parse_squad(data: dict, source: str = "SQuAD data") -> list[SquadExample]:
    """Examples from the parsed JSON of a SQuAD v1.1 or v2.0 file (``{"version", "data": [...]}``).

    Wrong types, missing keys and duplicate question ids are a one-line ValueError naming
    ``source`` (the file) and the place: a duplicate id would otherwise be scored only once.
    """
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{source}: a SQuAD file is a JSON object with a 'data' list of articles")
    examples, seen = [], {}
    for a, article in enumerate(data["data"]):
        title = _field(article, "title", str, f"data[{a}]", source, default="")
        for p, paragraph in enumerate(_field(article, "paragraphs", list, f"data[{a}]", source)):
            where = f"data[{a}].paragraphs[{p}]"
            context = _field(paragraph, "context", str, where, source)
            for q, qa in enumerate(_field(paragraph, "qas", list, where, source)):
                place = f"{where}.qas[{q}]"
                qid = _field(qa, "id", str, place, source)
                if qid in seen:
                    raise ValueError(f"{source}: question id {qid!r} is used twice ({seen[qid]} and {place}); "
                                     "ids must be unique, or only one of the questions is scored")
                seen[qid] = place
                answers = [{"text": _field(answer, "text", str, f"{place}.answers[{i}]", source),
                            "answer_start": _field(answer, "answer_start", int, f"{place}.answers[{i}]", source)}
                           for i, answer in enumerate(_field(qa, "answers", list, place, source))]
                try:
                    examples.append(SquadExample(
                        qid, _field(qa, "question", str, place, source), context, answers,
                        _field(qa, "is_impossible", bool, place, source, default=False), title))
                except ValueError as error:
                    raise ValueError(f"{source}: {error}") from None
    return examples


def _field(record, key: str, kind: type, where: str, source: str, default=None):
    """``record[key]``, checked to be a ``kind``; ``default`` when the key is optional and absent."""
    if not isinstance(record, dict):
        raise ValueError(f"{source}: {where} must be a JSON object, got {type(record).__name__} {record!r:.40}")
    if key not in record and default is not None:
        return default
    if key not in record:
        raise ValueError(f"{source}: {where} has no {key!r} (it has {', '.join(map(repr, record)) or 'no keys'})")
    value = record[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = {str: "a string", int: "an integer", bool: "true or false", list: "a list"}
        raise ValueError(f"{source}: {where}.{key} must be {names[kind]}, got {type(value).__name__} {value!r:.40}")
    return value


def read_squad(path: str | os.PathLike) -> list[SquadExample]:
    """Examples from a SQuAD JSON file such as ``train-v1.1.json`` or ``dev-v2.0.json``."""
    return parse_squad(read_json(path, "SQuAD file"), str(path))


def gold_answers(examples: Sequence[SquadExample]) -> dict[str, list[str]]:
    """Question id -> gold answer texts (empty when unanswerable), for ``squad_metrics``."""
    golds = {example.id: [answer["text"] for answer in example.answers] for example in examples}
    if len(golds) < len(examples):
        twice = next(qid for qid in golds if sum(example.id == qid for example in examples) > 1)
        raise ValueError(f"question id {twice!r} is used by more than one example: ids must be unique")
    return golds
