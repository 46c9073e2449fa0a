"""SQuAD features from the tokenizer's offsets, and the data errors that used to pass silently."""

from __future__ import annotations

import copy
import json
import warnings
from dataclasses import asdict

import pytest
import transformers

from bertedu.course import data_path
from bertedu.finetuning.squad import SquadExample, gold_answers, parse_squad, read_squad
from bertedu.finetuning.squad_features import convert_examples_to_features, drop_unmatched_answers
from bertedu.finetuning.squad_task import SquadTask
from bertedu.tokenizer.bert import BertTokenizer
from bertedu.tokenizer.fast import BertTokenizerFast
from bertedu.tokenizer.vocab import load_vocab

VOCAB = load_vocab(data_path("vocab.txt"))
ODD_CONTEXTS = [
    ("Who made the café crème?", "The café\u00a0crème was made by  Zoë Ångström\tin Malmö.", "Zoë Ångström"),
    ("What is naïve?", "Naïve\u2003art (naïve) is\nsimple:\u3000e\u0301te\u0301 and fac\u0327ade.", "e\u0301te\u0301"),
    ("Where?", "It is in 北京市, not\x1cin\u200bTokyo  or\r\nSeoul.", "北京市"),
    ("Which word?", "\t Leading spaces, a\x07control and \ufffd marks: ﬁnal answer here. ", "ﬁnal answer"),
]


def features_by(tokenizer_class, examples, **kwargs):
    return [asdict(feature) for feature in convert_examples_to_features(examples, tokenizer_class(VOCAB), **kwargs)]


@pytest.mark.parametrize("max_length, doc_stride", [(384, 128), (64, 16)])
def test_features_are_identical_with_python_and_fast_offsets_on_the_course_sample(max_length, doc_stride):
    examples = read_squad(data_path("samples", "squad_dev.json"))
    fast = features_by(BertTokenizerFast, examples, max_length=max_length, doc_stride=doc_stride)
    assert features_by(BertTokenizer, examples, max_length=max_length, doc_stride=doc_stride) == fast
    assert sum(feature["start_position"] > 0 for feature in fast) >= 20  # answers really are located
    hf = transformers.BertTokenizerFast(vocab=dict(VOCAB))
    for feature in fast:  # the context tokens carry transformers' own offsets
        context = examples[feature["example_index"]].context
        spans = hf(context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        window = [span for span in feature["offsets"] if span is not None]  # (the sample has no combining accents)
        assert window == spans[spans.index(window[0]):spans.index(window[0]) + len(window)]


@pytest.mark.parametrize("question, context, answer", ODD_CONTEXTS)
def test_features_are_identical_on_accents_and_odd_whitespace(question, context, answer):
    example = SquadExample("q", question, context, [{"text": answer, "answer_start": context.index(answer)}])
    fast = features_by(BertTokenizerFast, [example], max_length=24, doc_stride=4)
    assert features_by(BertTokenizer, [example], max_length=24, doc_stride=4) == fast
    located = [f for f in fast if f["start_position"]]
    assert located, "the answer is in some window"
    for feature in located:
        start, end = feature["offsets"][feature["start_position"]][0], feature["offsets"][feature["end_position"]][1]
        assert context[start:end] == answer


def test_answers_that_are_not_the_context_text_are_never_trained_on():
    context = "Paris is the capital of France."
    wrong = SquadExample("wrong", "Capital?", context, [{"text": "Paris", "answer_start": 3}])
    second = SquadExample("second", "Country?", context, [{"text": "France", "answer_start": 0},
                                                         {"text": "France", "answer_start": 24}])
    fine = SquadExample("fine", "Capital?", context, [{"text": "Paris", "answer_start": 0}])
    none = SquadExample("none", "Mayor?", context, is_impossible=True)
    kept, dropped = drop_unmatched_answers([wrong, second, fine, none])
    assert [e.id for e in kept] == ["second", "fine", "none"] and [e.id for e in dropped] == ["wrong"]
    tokenizer = BertTokenizer(VOCAB)
    with pytest.raises(ValueError, match=r"question 'wrong': answer 'Paris' is not the context's text at character 3"):
        convert_examples_to_features([fine, wrong], tokenizer)
    [feature] = convert_examples_to_features([second], tokenizer)  # the first answer that matches is used
    assert context[feature.offsets[feature.start_position][0]:feature.offsets[feature.end_position][1]] == "France"
    with pytest.warns(UserWarning, match=r"1 of 4 SQuAD questions left out.*'wrong'"):
        data = SquadTask().encode([wrong, second, fine, none], tokenizer, 64)
    assert [e.id for e in data.examples] == ["second", "fine", "none"]
    assert {f.example_index for f in data.features} == {0, 1, 2}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SquadTask().encode([fine], tokenizer, 64)  # nothing to report, no warning


def squad_file():
    return {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{
        "context": "Paris is in France.",
        "qas": [{"id": "a", "question": "Where is Paris?", "answers": [{"text": "France", "answer_start": 12}]},
                {"id": "b", "question": "Where is Lyon?", "answers": [], "is_impossible": True}]}]}]}


def test_duplicate_question_ids_are_an_error_naming_the_id_and_file(tmp_path):
    data = squad_file()
    data["data"][0]["paragraphs"][0]["qas"][1]["id"] = "a"
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev\.json: question id 'a' is used twice \(data\[0\]\.paragraphs\[0\]\.qas\[0\] "
                                         r"and data\[0\]\.paragraphs\[0\]\.qas\[1\]\)"):
        read_squad(path)
    same = SquadExample("a", "?", "x")
    with pytest.raises(ValueError, match="question id 'a' is used by more than one example"):
        gold_answers([same, SquadExample("b", "?", "x"), same])


@pytest.mark.parametrize("change, message", [
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][0].update(id=7), r"qas\[0\]\.id must be a string, got int 7"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][0].pop("question"), r"qas\[0\] has no 'question' \(it has 'id'"),
    (lambda d: d["data"].__setitem__(0, [d["data"][0]]), r"data\[0\] must be a JSON object, got list"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][0]["answers"][0].update(answer_start="12"),
     r"answers\[0\]\.answer_start must be an integer, got str '12'"),
    (lambda d: d["data"][0]["paragraphs"][0].update(context=None), r"paragraphs\[0\]\.context must be a string, got NoneType"),
    (lambda d: d["data"][0]["paragraphs"][0].update(qas={"id": "a"}), r"paragraphs\[0\]\.qas must be a list, got dict"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][1].update(is_impossible="yes"), r"is_impossible must be true or false"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][0]["answers"][0].update(answer_start=15),
     r"question 'a': answer 'France' at character 15 does not fit"),
    (lambda d: d.update(data={}), r"a JSON object with a 'data' list"),
])
def test_wrong_types_are_one_line_errors_naming_the_file_and_place(tmp_path, change, message):
    data = copy.deepcopy(squad_file())
    change(data)
    path = tmp_path / "train.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{path}: .*{message}") as error:
        read_squad(path)
    assert "\n" not in str(error.value)
    assert len(parse_squad(squad_file())) == 2  # the untouched file reads
