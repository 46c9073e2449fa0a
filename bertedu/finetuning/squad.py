"""SQuAD extractive question answering data: examples, and windows over long contexts.

Section 4.2 of the BERT paper answers SQuAD v1.1 questions by marking a span of the context: the
input is ``[CLS] question [SEP] context [SEP]``, and two new vectors S and E score each context
token as the answer's start and end. Contexts longer than the model's input are cut into windows
that overlap by a stride (as in the original ``run_squad.py``); each window remembers which
characters of the context its tokens came from, so a predicted span maps back to the exact text.
SQuAD v2.0 (section 4.3) adds unanswerable questions, whose target is the [CLS] token (index 0).
The windows are cut in ``squad_features``; turning start/end logits back into answers is in
``squad_decoding``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field


def whitespace_tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Split ``text`` on whitespace, as the original BERT does before WordPiece.

    Returns the words, each word's first character index, and ``char_to_word_offset``: for every
    character, the index of the word it belongs to (whitespace belongs to the word before it, -1
    before the first word).
    """
    words: list[str] = []
    word_starts: list[int] = []
    char_to_word_offset: list[int] = []
    previous_is_whitespace = True
    for index, char in enumerate(text):
        if char.isspace():
            previous_is_whitespace = True
        elif previous_is_whitespace:
            words.append(char)
            word_starts.append(index)
            previous_is_whitespace = False
        else:
            words[-1] += char
        char_to_word_offset.append(len(words) - 1)
    return words, word_starts, char_to_word_offset


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
    doc_tokens: list[str] = field(init=False, repr=False)
    word_starts: list[int] = field(init=False, repr=False)
    char_to_word_offset: list[int] = field(init=False, repr=False)

    def __post_init__(self):
        for answer in self.answers:
            start, text = answer["answer_start"], answer["text"]
            if not 0 <= start <= start + len(text) <= len(self.context):
                raise ValueError(f"question {self.id!r}: answer {text!r} at character {start} "
                                 f"does not fit in its {len(self.context)}-character context")
        self.doc_tokens, self.word_starts, self.char_to_word_offset = (
            whitespace_tokenize(self.context))


SQUAD_LAYOUT = ('{"data": [{"title", "paragraphs": [{"context": text, "qas": [{"id": text, "question": '
                'text, "answers": [{"text": text, "answer_start": integer}]}]}]}]}')
_KINDS = {list: "a list", str: "text", int: "an integer"}


def _field(node, key: str, kind: type, where: str):
    """``node[key]`` if it is a ``kind``; else an error that says where, and the layout of SQuAD."""
    value = node.get(key) if isinstance(node, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        got = "nothing" if value is None else repr(value)[:40]
        raise ValueError(f"{where} needs {key!r} as {_KINDS[kind]}, got {got}; "
                         f"a SQuAD file is laid out as {SQUAD_LAYOUT}")
    return value


def parse_squad(data: dict) -> list[SquadExample]:
    """Examples from the parsed JSON of a SQuAD v1.1 or v2.0 file (``{"version", "data": [...]}``)."""
    if not isinstance(data, dict) or "data" not in data:
        raise ValueError("a SQuAD file is a JSON object with a 'data' list of articles")
    examples = []
    for i, article in enumerate(_field(data, "data", list, "the file")):
        for j, paragraph in enumerate(_field(article, "paragraphs", list, f"data[{i}]")):
            where = f"data[{i}].paragraphs[{j}]"
            context = _field(paragraph, "context", str, where)
            for k, qa in enumerate(_field(paragraph, "qas", list, where)):
                at = f"{where}.qas[{k}]"
                answers = [{"text": _field(a, "text", str, f"{at}.answers[{n}]"),
                            "answer_start": _field(a, "answer_start", int, f"{at}.answers[{n}]")}
                           for n, a in enumerate(_field(qa, "answers", list, at))]
                examples.append(SquadExample(
                    id=_field(qa, "id", str, at), question=_field(qa, "question", str, at), context=context,
                    answers=answers, is_impossible=qa.get("is_impossible", False), title=article.get("title", "")))
    return examples


def read_squad(path: str | os.PathLike) -> list[SquadExample]:
    """Examples from a SQuAD JSON file such as ``train-v1.1.json`` or ``dev-v2.0.json``."""
    with open(path, encoding="utf-8") as file:
        return parse_squad(json.load(file))


def gold_answers(examples: Sequence[SquadExample]) -> dict[str, list[str]]:
    """Question id -> gold answer texts (empty when unanswerable), for ``squad_metrics``."""
    return {example.id: [answer["text"] for answer in example.answers] for example in examples}
