"""Pretraining and fine-tuning heads equal their transformers twins with copied weights (loss too)."""

from __future__ import annotations

import pytest
import torch
import transformers
from conftest import hf_config, make_inputs

import bertedu
from bertedu.finetuning.models import (
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
)
from bertedu.pretraining.models import BertForMaskedLM, BertForPreTraining

ATOL = 1e-5
CONFIG = dict(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=40)


def twins(ours_cls, theirs_cls, **config_kwargs):
    config = bertedu.BertConfig(**{**CONFIG, **config_kwargs})
    torch.manual_seed(0)
    theirs = theirs_cls(hf_config(config)).eval()
    ours = ours_cls(config).eval()
    state = {k: v for k, v in theirs.state_dict().items() if not k.endswith("position_ids")}
    ours.load_state_dict(state, strict=True)
    return config, ours, theirs


def mlm_labels(input_ids, attention_mask, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = input_ids.clone()
    chosen = (torch.rand(input_ids.shape, generator=g) < 0.3) & attention_mask.bool()
    chosen[0, 1] = True
    labels[~chosen] = -100
    return labels


def close(a, b):
    torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


def test_pretraining_heads_and_loss():
    config, ours, theirs = twins(BertForPreTraining, transformers.BertForPreTraining)
    assert ours.cls.predictions.decoder.weight is ours.bert.embeddings.word_embeddings.weight
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = mlm_labels(input_ids, attention_mask)
    nsp = torch.tensor([0, 1, 1])
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids, labels=labels,
                  next_sentence_label=nsp)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    close(a.prediction_logits, b.prediction_logits)
    close(a.seq_relationship_logits, b.seq_relationship_logits)
    close(a.loss, b.loss)
    close(a.masked_lm_loss + a.next_sentence_loss, a.loss)
    # Sparse prediction: logits only at the labelled slots, the same loss, the same rows.
    ours.sparse_prediction = True
    with torch.no_grad():
        s = ours(input_ids, **kwargs)
    assert s.prediction_logits.shape == ((labels != -100).sum().item(), config.vocab_size)
    close(s.prediction_logits, b.prediction_logits[labels != -100])
    close(s.loss, b.loss)


def test_sparse_prediction_gives_the_same_gradients():
    config, ours, _ = twins(BertForPreTraining, transformers.BertForPreTraining)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = mlm_labels(input_ids, attention_mask)
    grads = []
    for sparse in (False, True):
        ours.zero_grad()
        ours.sparse_prediction = sparse
        ours(input_ids, attention_mask, token_type_ids, labels=labels,
             next_sentence_label=torch.tensor([0, 1, 0])).loss.backward()
        grads.append({n: p.grad.clone() for n, p in ours.named_parameters()})
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], atol=1e-6, rtol=1e-4, msg=name)


def test_masked_lm():
    config, ours, theirs = twins(BertForMaskedLM, transformers.BertForMaskedLM)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = mlm_labels(input_ids, attention_mask, seed=1)
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids, labels=labels)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    close(a.logits, b.logits)
    close(a.loss, b.loss)


@pytest.mark.parametrize("num_labels, labels", [
    (3, torch.tensor([0, 2, 1])),                                               # single-label
    (1, torch.tensor([0.5, -1.0, 2.0])),                                        # regression
    (4, torch.tensor([[1.0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 1, 1]])),            # multi-label
])
def test_sequence_classification(num_labels, labels):
    config, ours, theirs = twins(BertForSequenceClassification, transformers.BertForSequenceClassification,
                                 id2label={i: f"L{i}" for i in range(num_labels)})
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids, labels=labels)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    assert a.logits.shape == (3, num_labels)
    close(a.logits, b.logits)
    close(a.loss, b.loss)
    assert ours.config.problem_type == theirs.config.problem_type


def test_sequence_classification_label_out_of_range():
    _, ours, _ = twins(BertForSequenceClassification, transformers.BertForSequenceClassification)
    with pytest.raises(ValueError, match=r"class ids in \[0, 2\)"):
        ours(torch.tensor([[1, 2, 3]]), labels=torch.tensor([2]))


def test_token_classification():
    config, ours, theirs = twins(BertForTokenClassification, transformers.BertForTokenClassification,
                                 id2label={0: "O", 1: "B-PER", 2: "I-PER"})
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = torch.randint(0, 3, input_ids.shape)
    labels[attention_mask == 0] = -100
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids, labels=labels)
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    close(a.logits, b.logits)
    close(a.loss, b.loss)


def test_token_classification_takes_non_contiguous_labels():
    config, ours, _ = twins(BertForTokenClassification, transformers.BertForTokenClassification,
                            id2label={0: "O", 1: "B-PER", 2: "I-PER"})
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    labels = torch.randint(0, 3, (input_ids.shape[1], input_ids.shape[0])).t()  # a transposed view
    assert not labels.is_contiguous()
    with torch.no_grad():
        loss = ours(input_ids, attention_mask=attention_mask, labels=labels).loss
        expected = ours(input_ids, attention_mask=attention_mask, labels=labels.contiguous()).loss
    assert torch.equal(loss, expected)


def test_question_answering():
    config, ours, theirs = twins(BertForQuestionAnswering, transformers.BertForQuestionAnswering)
    input_ids, attention_mask, token_type_ids = make_inputs(config)
    kwargs = dict(attention_mask=attention_mask, token_type_ids=token_type_ids,
                  start_positions=torch.tensor([3, 0, 50]), end_positions=torch.tensor([5, 0, 60]))
    with torch.no_grad():
        a, b = ours(input_ids, **kwargs), theirs(input_ids, **kwargs)
    close(a.start_logits, b.start_logits)
    close(a.end_logits, b.end_logits)
    close(a.loss, b.loss)


@pytest.mark.parametrize("ours_cls, theirs_cls", [
    (BertForPreTraining, transformers.BertForPreTraining),
    (BertForMaskedLM, transformers.BertForMaskedLM),
    (BertForSequenceClassification, transformers.BertForSequenceClassification),
    (BertForTokenClassification, transformers.BertForTokenClassification),
    (BertForQuestionAnswering, transformers.BertForQuestionAnswering),
])
def test_save_load_round_trips_with_transformers(tmp_path, ours_cls, theirs_cls):
    config = bertedu.BertConfig(**CONFIG, id2label={0: "neg", 1: "pos"})
    torch.manual_seed(3)
    ours = ours_cls(config).eval()
    ours.save_pretrained(tmp_path / "ours")
    theirs, info = theirs_cls.from_pretrained(tmp_path / "ours", output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    assert theirs.config.id2label == {0: "neg", 1: "pos"}
    input_ids, attention_mask, _ = make_inputs(config)
    with torch.no_grad():
        a, b = ours(input_ids, attention_mask), theirs.eval()(input_ids, attention_mask=attention_mask)
    for x, y in zip(a.to_tuple(), b.to_tuple()):
        close(x, y)
    theirs.save_pretrained(tmp_path / "theirs")
    again, info = ours_cls.from_pretrained(tmp_path / "theirs", output_loading_info=True)
    assert not info.missing_keys and not info.unexpected_keys
    assert again.config.id2label == {0: "neg", 1: "pos"}
    with torch.no_grad():
        for x, y in zip(again(input_ids, attention_mask).to_tuple(), a.to_tuple()):
            close(x, y)


def test_head_initialised_from_encoder_checkpoint_is_reported(tmp_path):
    torch.manual_seed(0)
    bertedu.BertModel(bertedu.BertConfig(**CONFIG)).save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="newly initialized"):
        model, info = BertForSequenceClassification.from_pretrained(
            tmp_path, output_loading_info=True, id2label={0: "neg", 1: "pos", 2: "neutral"})
    assert info.missing_keys == ["classifier.weight", "classifier.bias"]
    assert model.classifier.out_features == 3
    assert model.config.label2id == {"neg": 0, "pos": 1, "neutral": 2}
