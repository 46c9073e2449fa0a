"""The lesson-08 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet; the references agree with the package."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.config import BertConfig
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson08 as ex
from bertedu.finetuning.models import BertForSequenceClassification
from bertedu.finetuning.run import confusion_matrix as package_confusion_matrix


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_classify_cls, ex.check_learning_rate, ex.check_confusion_matrix])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_classify_cls(ex.classify_cls) is True
    assert ex.check_learning_rate(ex.learning_rate) is True
    assert ex.check_confusion_matrix(ex.confusion_matrix) is True
    assert ex.check_confusion_matrix(package_confusion_matrix) is True
    assert capsys.readouterr().out.count("Correct!") == 4


def test_classify_cls_reference_is_the_models_head():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32)
    model = BertForSequenceClassification(config).eval()
    input_ids = torch.randint(0, 50, (3, 7))
    with torch.no_grad():
        hidden = model.bert(input_ids).last_hidden_state
        ours = ex.classify_cls(hidden, model.bert.pooler.dense, model.classifier)
        torch.testing.assert_close(ours, model(input_ids).logits, atol=1e-6, rtol=0)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 4), st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=30))
def test_confusion_matrix_reference_matches_the_package(num_labels, pairs):
    pairs = [(p % num_labels, t % num_labels) for p, t in pairs]
    predictions = torch.tensor([p for p, _ in pairs], dtype=torch.long)
    labels = torch.tensor([t for _, t in pairs], dtype=torch.long)
    expected = package_confusion_matrix(predictions, labels, num_labels)
    assert torch.equal(ex.confusion_matrix(predictions, labels, num_labels), expected)
    assert int(expected.sum()) == len(pairs) and int(expected.trace()) == sum(p == t for p, t in pairs)


def without_tanh(h, dense, classifier):
    return classifier(dense(h[:, 0]))


@pytest.mark.parametrize("wrong, hint", [
    (without_tanh, "tanh is missing"),
    (lambda h, dense, classifier: classifier(h[:, 0]), "pooler is skipped"),
    (lambda h, dense, classifier: classifier(torch.tanh(dense(h.mean(1)))), "averages all tokens"),
    (lambda h, dense, classifier: classifier(torch.tanh(dense(h[:, -1]))), "that is the last token"),
    (lambda h, dense, classifier: torch.tanh(dense(h[:, 0])), "shape \\(batch, num_labels\\)"),
    (lambda h, dense, classifier: classifier(torch.relu(dense(h[:, 0]))), "wrong numbers"),
])
def test_wrong_classifiers_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_classify_cls(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda step, peak, warmup, total: peak * max(0.0, (total - step) / total), "grows linearly from 0"),
    (lambda step, peak, warmup, total: peak * step / warmup if step < warmup else peak, "falls linearly"),
    (lambda step, peak, warmup, total: peak * step / warmup if step <= warmup
     else peak * (total - step) / total, "falls linearly"),
    (lambda step, peak, warmup, total: peak * (step + 1) / warmup if step < warmup
     else ex.learning_rate(step, peak, warmup, total), "grows linearly from 0"),
    (lambda step, peak, warmup, total: peak, "grows linearly"),
])
def test_wrong_schedules_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_learning_rate(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, t, n: package_confusion_matrix(t, p, n), "rows and columns are swapped"),
    (lambda p, t, n: torch.zeros(n, n, dtype=torch.long), "expected"),
    (lambda p, t, n: package_confusion_matrix(p, t, n).flatten(), "tensor of counts"),
    (lambda p, t, n: [[0]], "tensor of counts"),
])
def test_wrong_confusion_matrices_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_confusion_matrix(wrong)


def test_solution_prints_the_reference(capsys):
    assert "torch.tanh(pooler_dense(cls_vector))" in ex.solution("classify_cls")
    ex.solution("learning_rate")
    assert "def learning_rate" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no exercise named"):
        ex.solution("attention")


def test_tutorial_fix_checks_accept_the_fix_and_reject_the_tutorials_mistakes(capsys):
    assert ex.check_classification_loss(not_yet) is False
    assert ex.check_paper_output_layer(not_yet) is False
    assert ex.check_classification_loss(ex.classification_loss) is True
    assert ex.check_paper_output_layer(ex.paper_output_layer) is True
    assert capsys.readouterr().out.count("Correct!") == 2

    def tutorial_step(model, tokenizer, sentences, labels):  # encode_plus is gone from transformers 5
        return tokenizer.encode_plus(sentences, return_tensors="pt")

    def bare_model_step(model, tokenizer, sentences, labels):  # a bare BertModel's output has no logits
        outputs = model.bert(**tokenizer(sentences, padding=True, return_tensors="pt"))
        return torch.nn.functional.cross_entropy(outputs.logits, labels)

    def unpadded(model, tokenizer, sentences, labels):
        return model(**tokenizer(sentences, return_tensors="pt"), labels=labels).loss

    def first_sentence(model, tokenizer, sentences, labels):
        return model(**tokenizer(sentences[:1], return_tensors="pt"), labels=labels[:1]).loss

    for wrong, hint in ((tutorial_step, "encode_plus"), (bare_model_step, "logits"), (unpadded, "padding"),
                        (first_sentence, "first sentence only")):
        with pytest.raises(ExerciseFailed, match=hint):
            ex.check_classification_loss(wrong)
    for wrong, hint in ((lambda C, W, b: torch.softmax(C @ W.T + b, -1), "probabilities"),
                        (lambda C, W, b: C @ W.T + b, "logits"),
                        (lambda C, W, b: torch.log_softmax(torch.tanh(C @ W.T + b), -1), "no tanh")):
        with pytest.raises(ExerciseFailed, match=hint):
            ex.check_paper_output_layer(wrong)
