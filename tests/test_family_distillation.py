"""DistilBERT's student initialisation, the triple loss, and ``python -m bertedu distill``."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
import transformers
from conftest import run_cli

from bertedu import BertConfig, BertForPreTraining, BertTokenizerFast
from bertedu.course import DATA_DIR
from bertedu.family.distillation import Distiller, distillation_losses, student_from_teacher


def make_teacher(layers: int = 4, vocab_size: int = 4000) -> BertForPreTraining:
    torch.manual_seed(0)
    return BertForPreTraining(BertConfig(vocab_size=vocab_size, hidden_size=16, num_hidden_layers=layers,
                                         num_attention_heads=2, intermediate_size=32,
                                         max_position_embeddings=64)).eval()


def test_student_takes_every_other_layer_and_matches_the_teacher_where_it_should():
    teacher = make_teacher(layers=4)
    student = student_from_teacher(teacher).eval()
    assert student.config.num_hidden_layers == 2
    torch.testing.assert_close(student.distilbert.encoder.layer[1].output.dense.weight,
                               teacher.bert.encoder.layer[2].output.dense.weight, atol=0, rtol=0)
    ids = torch.randint(5, 4000, (2, 7))
    with torch.no_grad():
        ours = student(ids, output_hidden_states=True).hidden_states
        theirs = teacher(ids, output_hidden_states=True).hidden_states
        # Segment 0 folded into the positions: the same embeddings; layer 0 is the teacher's layer 0.
        torch.testing.assert_close(ours[0], theirs[0], atol=1e-5, rtol=0)
        torch.testing.assert_close(ours[1], theirs[1], atol=1e-5, rtol=0)
        one_layer_teacher = make_teacher(layers=1)
        one_layer_student = student_from_teacher(one_layer_teacher).eval()
        # Same layers and head: the same MLM scores.
        torch.testing.assert_close(one_layer_student(ids).logits, one_layer_teacher(ids).prediction_logits,
                                   atol=1e-5, rtol=0)


def test_triple_loss_values():
    g = torch.Generator().manual_seed(0)
    logits, hidden = torch.randn(2, 5, 11, generator=g), torch.randn(2, 5, 8, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
    labels = torch.full((2, 5), -100)
    labels[0, 1], labels[1, 0] = 3, 7
    same = distillation_losses(logits, logits, labels, hidden, hidden, mask, temperature=2.0)
    assert same["ce"].item() == pytest.approx(0.0, abs=1e-6) and same["cos"].item() == pytest.approx(0.0, abs=1e-6)
    teacher_logits = torch.randn(2, 5, 11, generator=g)
    losses = distillation_losses(logits, teacher_logits, labels, hidden, -hidden, mask, temperature=3.0)
    real = mask.bool()
    p = F.softmax(teacher_logits[real] / 3, -1)
    expected_ce = (p * (p.log() - F.log_softmax(logits[real] / 3, -1))).sum(-1).mean() * 9  # KL x T^2
    assert losses["ce"].item() == pytest.approx(expected_ce.item(), rel=1e-5)
    assert losses["cos"].item() == pytest.approx(2.0, abs=1e-5)  # opposite directions: 1 - (-1)
    expected_mlm = (F.cross_entropy(logits[0, 1], torch.tensor(3)) + F.cross_entropy(logits[1, 0], torch.tensor(7))) / 2
    assert losses["mlm"].item() == pytest.approx(expected_mlm.item(), rel=1e-5)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        distillation_losses(logits, logits, labels, hidden, hidden, mask, temperature=0.0)


def test_distiller_trains_the_student_only():
    teacher = make_teacher(layers=2, vocab_size=50)
    distiller = Distiller(student_from_teacher(teacher), teacher).train()
    assert distiller.student.training and not distiller.teacher.training
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    ids = torch.randint(5, 50, (3, 6))
    labels = torch.where(torch.rand(3, 6) < 0.5, ids, -100)
    output = distiller(ids, torch.ones_like(ids), labels, next_sentence_label=torch.zeros(3, dtype=torch.long))
    assert output.loss.item() == pytest.approx(5 * output.ce_loss.item() + 2 * output.mlm_loss.item()
                                               + output.cos_loss.item(), rel=1e-5)
    output.loss.backward()
    assert all(p.grad is None for p in teacher.parameters())
    assert distiller.student.vocab_transform.weight.grad.abs().sum() > 0
    assert all(torch.equal(v, teacher.state_dict()[k]) for k, v in before.items())


def test_cli_writes_a_student_transformers_loads(tmp_path):
    teacher_dir, output = tmp_path / "teacher", tmp_path / "student"
    make_teacher(layers=2).save_pretrained(teacher_dir)
    BertTokenizerFast(DATA_DIR / "vocab.txt").save_pretrained(teacher_dir)
    argv = ["distill", "--teacher", str(teacher_dir), "--output", str(output), "--max-steps", "2",
            "--batch-size", "4", "--seq-len", "32", "--no-progress-bar"]
    code, out, err = run_cli(argv)
    assert code == 0, err
    assert "most-frequent-token baseline" in out and "1 layer(s)" in out
    history = json.loads((output / "history.json").read_text())
    assert [record["step"] for record in history["train"]] == [1, 2] and "mask_accuracy" in history["eval"][-1]
    theirs = transformers.DistilBertForMaskedLM.from_pretrained(output).eval()
    from bertedu.family import DistilBertForMaskedLM
    ours = DistilBertForMaskedLM.from_pretrained(output)
    ids = torch.randint(5, 4000, (2, 9))
    with torch.no_grad():
        torch.testing.assert_close(ours(ids).logits, theirs(ids).logits, atol=1e-5, rtol=0)
    code, _, err = run_cli(argv)
    assert code == 2 and "already holds files" in err


def test_a_student_fine_tunes_like_a_bert_and_transformers_reads_the_result(tmp_path):
    from bertedu.family import DistilBertForSequenceClassification
    from bertedu.finetuning import finetune, finetuning_arguments, get_task
    from bertedu.finetuning.run import loading_report

    student_dir, output = tmp_path / "student", tmp_path / "fine-tuned"
    student_from_teacher(make_teacher(layers=2)).save_pretrained(student_dir)
    BertTokenizerFast(DATA_DIR / "vocab.txt").save_pretrained(student_dir)
    task = get_task("polarity")
    examples = task.read(task.sample_path("dev"))
    args = finetuning_arguments(learning_rate=1e-3, batch_size=8, num_train_epochs=1, seed=0,
                                progress_bar=False, output_dir=str(output))
    result = finetune(task, student_dir, examples[:16], examples[16:32], args, max_length=32,
                      model_class=DistilBertForSequenceClassification)
    assert type(result.model) is DistilBertForSequenceClassification and result.history["train"][-1]["step"] == 2
    report = loading_report(result.loading_info)
    assert report.startswith("new head, randomly initialised: classifier.bias") and "pre_classifier.weight" in report
    assert 0.0 <= result.metrics["accuracy"] <= 1.0 and result.train_size == 16
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(output).eval()
    ids = torch.randint(5, 4000, (2, 9))
    with torch.no_grad():
        torch.testing.assert_close(result.model.eval()(ids).logits, theirs(ids).logits, atol=1e-5, rtol=0)
        with pytest.raises(ValueError, match="DistilBERT has no token types"):
            result.model(ids, token_type_ids=torch.ones_like(ids))
    random_init = finetune(task, student_dir, examples[:16], None, finetuning_arguments(
        batch_size=8, num_train_epochs=1, progress_bar=False), max_length=32, pretrained=False,
        model_class=DistilBertForSequenceClassification)
    assert loading_report(random_init.loading_info).startswith("randomly initialised: classifier.bias")
