"""The lesson-07 checks accept right answers, reject wrong ones with a useful hint, and say when
the learner has not started yet; the reference answers agree with the package's trainer and metrics."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.config import BertConfig
from bertedu.exercises import ExerciseFailed
from bertedu.exercises import lesson07 as ex
from bertedu.pretraining.models import BertForPreTraining
from bertedu.pretraining.run import pretraining_metrics
from bertedu.trainer import linear_schedule_with_warmup, param_groups


def not_yet(*args):
    raise NotImplementedError("your turn")


@pytest.mark.parametrize("check", [ex.check_learning_rate, ex.check_gets_weight_decay,
                                   ex.check_masked_lm_accuracy])
def test_not_attempted_prints_a_hint_and_returns_false(check, capsys):
    assert check(not_yet) is False
    assert "Not attempted yet" in capsys.readouterr().out


def test_reference_answers_pass(capsys):
    assert ex.check_learning_rate(ex.learning_rate) is True
    assert ex.check_gets_weight_decay(ex.gets_weight_decay) is True
    assert ex.check_masked_lm_accuracy(ex.masked_lm_accuracy) is True
    assert capsys.readouterr().out.count("Correct!") == 3


@settings(max_examples=40, deadline=None)
@given(warmup=st.integers(0, 20), extra=st.integers(1, 40), peak=st.floats(1e-5, 1.0))
def test_learning_rate_reference_is_the_trainers_schedule(warmup, extra, peak):
    total = warmup + extra
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    scheduler = linear_schedule_with_warmup(optimizer, warmup, total)
    for step in range(total + 3):
        assert ex.learning_rate(step, peak, warmup, total) == pytest.approx(scheduler.get_last_lr()[0],
                                                                             rel=1e-9, abs=1e-15)
        optimizer.step()
        scheduler.step()


def test_gets_weight_decay_reference_is_the_trainers_grouping():
    model = BertForPreTraining(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1,
                                          num_attention_heads=2, intermediate_size=16))
    decayed, not_decayed = (set(map(id, group["params"])) for group in param_groups(model, 0.01))
    for name, parameter in model.named_parameters():
        assert ex.gets_weight_decay(name) == (id(parameter) in decayed), name
        assert ex.gets_weight_decay(name) != (id(parameter) in not_decayed), name


def test_masked_lm_accuracy_reference_is_the_package_metric():
    generator = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 7, (3, 5), generator=generator)
    labels[torch.rand(3, 5, generator=generator) < 0.5] = -100
    labels[0, 0] = 2
    logits = torch.randn(3, 5, 7, generator=generator)

    class Output:
        prediction_logits = logits
        seq_relationship_logits = torch.zeros(3, 2)

    kinds = (labels != -100).long()  # every labelled position a [MASK] (kind 1)
    batch = {"labels": labels, "masked_lm_kinds": kinds, "next_sentence_label": torch.zeros(3, dtype=torch.long)}
    model = torch.nn.Linear(1, 1)
    model.forward = lambda **_: Output()
    metrics = pretraining_metrics(model, [batch])
    assert ex.masked_lm_accuracy(logits, labels) == pytest.approx(metrics["mlm_accuracy"], abs=1e-7)
    assert metrics["mlm_accuracy_all"] == metrics["mlm_accuracy"]


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, p, w, t: p * (s + 1) / w if s < w else ex.learning_rate(s, p, w, t), "starts from 0"),
    (lambda s, p, w, t: p * s / w if s < w else p * (1 - s / t), "google-research/bert's decay"),
    (lambda s, p, w, t: p * s / w if s < w else p * (t - s) / (t - w), "negative"),
    (lambda s, p, w, t: p * s / w if s <= w else ex.learning_rate(s, p, w, t), "divides by zero"),
    (lambda s, p, w, t: p * s / t if s < w else ex.learning_rate(s, p, w, t), "warmup phase"),
    (lambda s, p, w, t: p if s >= w else p * s / w, "decay phase"),
    (lambda s, p, w, t: "0.001", "a number"),
])
def test_wrong_learning_rates_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_learning_rate(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda name: "embeddings" not in name and ex.gets_weight_decay(name), "embedding tables"),
    (lambda name: not name.endswith("bias"), "LayerNorm.weight"),
    (lambda name: "LayerNorm" not in name, "biases"),
    (lambda name: not name.endswith(".bias") and "LayerNorm" not in name and "cls" not in name,
     "weight matrices"),
    (lambda name: False, "weight matrices"),
])
def test_wrong_decay_rules_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_gets_weight_decay(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda logits, labels: (logits.argmax(-1) == labels).float().mean(), "all B\\*T positions"),
    (lambda logits, labels: (logits.argmax(-1) == labels).sum().item(), "number of correct"),
    (lambda logits, labels: (logits.argmax(1)[:, :labels.shape[1]] == labels)[labels != -100].float().mean(),
     "vocabulary axis"),
    (lambda logits, labels: 2 / 3, "accuracy 1.0"),
    (lambda logits, labels: [0.5], "a number"),
])
def test_wrong_accuracies_are_rejected_with_a_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ex.check_masked_lm_accuracy(wrong)


def test_solution_prints_the_reference(capsys):
    source = ex.solution("learning_rate")
    assert "def learning_rate" in source and "def learning_rate" in capsys.readouterr().out
    with pytest.raises(ValueError, match="masked_lm_accuracy"):
        ex.solution("nope")
