"""SQuAD reading, windows over long contexts with character offsets, span decoding."""

from __future__ import annotations

import json
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_wordpiece import make_tokenizer

from bertedu.course import data_path
from bertedu.finetuning.squad import (
    SquadExample,
    gold_answers,
    parse_squad,
    read_squad,
)
from bertedu.finetuning.squad_decoding import nbest_spans, postprocess_predictions
from bertedu.finetuning.squad_features import (
    convert_examples_to_features,
    features_to_tensors,
)
from bertedu.finetuning.squad_metrics import squad_evaluate

LONG_CONTEXT = ("The Rhine rises in the Alps and flows north through many towns. " * 3
                + "It reaches the sea near Rotterdam, a port in the Netherlands. "
                + "Barges carry coal and grain on the river every day of the year.")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return make_tokenizer(tmp_path_factory.mktemp("vocab"))


def one_hot_logits(features, positions, length):
    """Logits that put +10 on the given (start, end) token of each feature and -10 elsewhere."""
    start = torch.full((len(features), length), -10.0)
    end = torch.full((len(features), length), -10.0)
    for row, (i, j) in enumerate(positions):
        start[row, i], end[row, j] = 10.0, 10.0
    return start, end


def test_parse_v1_and_v2():
    data = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{
        "context": "Paris is in France.",
        "qas": [{"id": "a", "question": "Where is Paris?",
                 "answers": [{"text": "France", "answer_start": 12}]},
                {"id": "b", "question": "Where is Lyon?", "answers": [], "is_impossible": True,
                 "plausible_answers": [{"text": "France", "answer_start": 12}]}]}]}]}
    answerable, impossible = parse_squad(data)
    assert (answerable.id, answerable.title, answerable.is_impossible) == ("a", "T", False)
    assert answerable.answers == [{"text": "France", "answer_start": 12}]
    assert impossible.is_impossible and impossible.answers == []
    assert gold_answers([answerable, impossible]) == {"a": ["France"], "b": []}


def test_parse_rejects_bad_data():
    with pytest.raises(ValueError, match="'data' list"):
        parse_squad({"version": "v2.0"})
    with pytest.raises(ValueError, match="JSON object"):
        parse_squad([])
    with pytest.raises(ValueError, match="does not fit"):
        SquadExample("q", "?", "short", [{"text": "short text", "answer_start": 0}])


@pytest.mark.parametrize("name, size, impossible", [("squad_train.json", 83, 19),
                                                    ("squad_dev.json", 30, 10)])
def test_samples(name, size, impossible):
    examples = read_squad(data_path("samples", name))
    assert len(examples) == size and sum(e.is_impossible for e in examples) == impossible
    assert len({e.id for e in examples}) == size
    data = json.loads(data_path("samples", name).read_text(encoding="utf-8"))
    assert data["version"] == "v2.0"
    for example in examples:
        assert bool(example.answers) != example.is_impossible
        for answer in example.answers:
            start = answer["answer_start"]
            assert example.context[start:start + len(answer["text"])] == answer["text"]


def test_windows_overlap_and_map_back_to_the_answer(tokenizer):
    start = LONG_CONTEXT.index("near Rotterdam")
    example = SquadExample("q", "Where does the Rhine reach the sea?", LONG_CONTEXT,
                           [{"text": "near Rotterdam", "answer_start": start}])
    features = convert_examples_to_features([example], tokenizer, max_length=48, doc_stride=16,
                                            max_query_length=12)
    context_pieces = tokenizer.tokenize(LONG_CONTEXT)
    assert len(features) == -(-(len(context_pieces) - 33) // 16) + 1  # 48 - 12 - 3 = 33 per window
    query = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(example.question)[:12])
    with_answer = 0
    for index, feature in enumerate(features):
        length = sum(feature.attention_mask)
        assert len(feature.input_ids) == 48
        assert feature.input_ids[:len(query) + 2] == (
            [tokenizer.cls_token_id] + query + [tokenizer.sep_token_id])
        assert feature.input_ids[length - 1] == tokenizer.sep_token_id
        assert feature.token_type_ids == [0] * (len(query) + 2) + [1] * (length - len(query) - 2) \
            + [0] * (48 - length)
        window = [i for i, offset in enumerate(feature.offsets) if offset is not None]
        assert window == list(range(len(query) + 2, length - 1))
        window_pieces = tokenizer.convert_ids_to_tokens([feature.input_ids[i] for i in window])
        assert window_pieces == context_pieces[16 * index:16 * index + len(window)]
        if feature.start_position:
            with_answer += 1
            s, e = feature.offsets[feature.start_position][0], feature.offsets[feature.end_position][1]
            assert LONG_CONTEXT[s:e] == "near Rotterdam"
        else:
            assert feature.end_position == 0
    assert with_answer >= 2  # the windows overlap, so the answer is in more than one
    # every context token is "max context" in exactly one window
    owners = {}
    for index, feature in enumerate(features):
        for i, offset in enumerate(feature.offsets):
            if offset is not None and feature.token_is_max_context[i]:
                assert offset not in owners
                owners[offset] = index
    assert len(owners) == len(context_pieces)


def test_features_to_tensors(tokenizer):
    example = SquadExample("q", "Where?", "In Paris.", [{"text": "Paris", "answer_start": 3}])
    tensors = features_to_tensors(convert_examples_to_features([example], tokenizer, max_length=16))
    assert {k: tuple(v.shape) for k, v in tensors.items()} == {
        "input_ids": (1, 16), "token_type_ids": (1, 16), "attention_mask": (1, 16),
        "start_positions": (1,), "end_positions": (1,)}
    assert tensors["input_ids"].dtype == torch.long
    assert tokenizer.convert_ids_to_tokens(
        tensors["input_ids"][0, tensors["start_positions"][0]:tensors["end_positions"][0] + 1]
    ) == ["paris"]
    with pytest.raises(ValueError, match="no room for the context"):
        convert_examples_to_features([example], tokenizer, max_length=5)


@pytest.mark.parametrize("max_length, doc_stride", [(384, 128), (96, 24)])
def test_gold_positions_decode_to_gold_answers(tmp_path, max_length, doc_stride):
    examples = read_squad(data_path("samples", "squad_train.json"))
    # every other word of the contexts is in the vocabulary, the rest split into pieces
    words = sorted({w for e in examples for w in re.findall(r"[a-z]+", e.context.lower())})
    tokenizer = make_tokenizer(tmp_path, words[::2])
    features = convert_examples_to_features(examples, tokenizer, max_length=max_length,
                                            doc_stride=doc_stride, max_query_length=24)
    if max_length == 96:
        assert len(features) > 2 * len(examples)  # long contexts are split
    positions = [(f.start_position, f.end_position) for f in features]
    start, end = one_hot_logits(features, positions, max_length)
    predictions = postprocess_predictions(examples, features, start, end, max_answer_length=64,
                                          version_2_with_negative=True)
    assert predictions == {e.id: e.answers[0]["text"] if e.answers else "" for e in examples}
    assert squad_evaluate(predictions, gold_answers(examples))["exact"] == 100.0


@pytest.fixture
def paris(tokenizer):
    example = SquadExample("q", "Where?", "Lyon is big. Paris is the capital of France.")
    features = convert_examples_to_features([example], tokenizer, max_length=40)
    return example, features, features[0].offsets.index((13, 18))  # the token "paris"


def test_decoding_skips_invalid_spans(paris):
    example, features, paris_token = paris
    start, end = one_hot_logits(features, [(paris_token, paris_token)], 40)
    start[0, paris_token + 2] = 20.0  # best start after the best end: invalid
    start[0, 1] = 15.0  # a question token: invalid
    end[0, 1] = 15.0
    spans, null_score = nbest_spans(example, features, start, end, n_best_size=5)
    assert spans[0].text == "Paris" and spans[0].score == 20.0
    assert null_score == -20.0
    assert len(spans) <= 5 and len({s.text for s in spans}) == len(spans)
    assert all(a.score >= b.score for a, b in zip(spans, spans[1:]))
    assert all(example.context[s.start_char:s.end_char] == s.text for s in spans)
    # too long: the span "Paris ... France" is rejected when max_answer_length is 2 tokens
    france = features[0].offsets.index((42, 43))  # the last piece of "France"
    start, end = one_hot_logits(features, [(paris_token, france)], 40)
    assert postprocess_predictions([example], features, start, end)["q"] == \
        "Paris is the capital of France"
    assert postprocess_predictions([example], features, start, end,
                                   max_answer_length=2)["q"] != "Paris is the capital of France"


def test_null_score_threshold_for_v2(paris):
    example, features, paris_token = paris
    start, end = one_hot_logits(features, [(paris_token, paris_token)], 40)
    start[0, 0], end[0, 0] = 12.0, 12.0  # s_null = 24 > best span 20
    kwargs = {"version_2_with_negative": True}
    assert postprocess_predictions([example], features, start, end, **kwargs) == {"q": ""}
    assert postprocess_predictions([example], features, start, end,
                                   null_score_diff_threshold=5.0, **kwargs) == {"q": "Paris"}
    assert postprocess_predictions([example], features, start, end) == {"q": "Paris"}  # v1.1


def test_postprocess_checks_inputs(paris):
    example, features, _ = paris
    start, end = one_hot_logits(features, [(0, 0)], 40)
    with pytest.raises(ValueError, match="1 features but 2 logit rows"):
        postprocess_predictions([example], features, torch.cat([start, start]), end)
    with pytest.raises(ValueError, match="has no features"):
        postprocess_predictions([example, example], features, start, end)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abcXYZé,.!-'  \t", min_size=1, max_size=60))
def test_offsets_cover_their_pieces(tokenizer, context):
    example = SquadExample("q", "what", context)
    features = convert_examples_to_features([example], tokenizer, max_length=32, doc_stride=8)
    for feature in features:
        for token_id, offset in zip(feature.input_ids, feature.offsets):
            if offset is not None:
                piece = tokenizer.convert_ids_to_tokens([token_id])[0].removeprefix("##")
                text = context[offset[0]:offset[1]].lower().replace("é", "e")
                assert text == piece
