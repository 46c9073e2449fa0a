"""Fine-tuning end to end on a tiny model: ``python -m bertedu finetune`` for each task writes a folder
that transformers loads with the same logits and labels; training lowers the loss; the task glue
(padding trim, SQuAD decoding and v2.0 threshold, confusion matrix) is checked against plain
references; bad arguments are one-line errors."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil

import pytest
import torch
import transformers
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bertedu.cli import main
from bertedu.config import BertConfig
from bertedu.course import DATA_DIR, set_seed
from bertedu.finetuning.run import (
    confusion_matrix,
    finetune,
    finetuning_arguments,
    get_task,
    load_model,
    load_tokenizer,
    loading_report,
)
from bertedu.finetuning.squad_decoding import Span, postprocess_predictions
from bertedu.finetuning.squad_metrics import squad_evaluate
from bertedu.finetuning.squad_task import best_null_threshold, best_spans, predictions_at
from bertedu.finetuning.tasks import batches, collate
from bertedu.model import BertModel
from bertedu.plots import plot_confusion_matrix

TINY = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
            "max_position_embeddings": 128}
HF_CLASSES = {"sst2": transformers.BertForSequenceClassification,
              "conll": transformers.BertForTokenClassification,
              "squad": transformers.BertForQuestionAnswering}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny random BertModel folder with the course vocabulary (what a pretraining run leaves)."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    set_seed(0)
    BertModel(BertConfig(vocab_size=4000, **TINY)).save_pretrained(folder)
    shutil.copy(DATA_DIR / "vocab.txt", folder / "vocab.txt")
    return folder


@pytest.fixture(scope="module")
def finetuned(checkpoint, tmp_path_factory):
    """Each task fine-tuned by the CLI for 2 updates on 16 examples of its sample."""
    outputs = {}
    for task in ("sst2", "conll", "squad"):
        output = tmp_path_factory.mktemp(task)
        code, out, err = run_cli(["finetune", "--task", task, "--model", str(checkpoint), "--epochs", "1",
                                  "--max-train-examples", "16", "--batch-size", "8", "--max-length", "64",
                                  "--no-progress-bar", "--output", str(output)])
        assert code == 0, err
        outputs[task] = (output, out)
    return outputs


@pytest.mark.parametrize("task", ["sst2", "conll", "squad"])
def test_cli_output_loads_in_transformers_with_the_same_logits_and_labels(finetuned, task):
    output, out = finetuned[task]
    assert "new head, randomly initialised" in out and f"fine-tuned model: {output}" in out
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "metrics.json",
                 "history.json", "training_args.json", "learning_curve.png"):
        assert (output / name).is_file(), name
    assert not (output / "checkpoint").exists()
    metrics = json.loads((output / "metrics.json").read_text())
    history = json.loads((output / "history.json").read_text())
    spec = get_task(task)
    train_size = 16 if task != "squad" else len(spec.encode(  # SQuAD trains on windows, not questions
        spec.read(spec.sample_path("train"))[:16], load_tokenizer(output), 64))
    steps = math.ceil(train_size / 8)
    assert f"{steps} updates on {train_size} training inputs" in out
    assert [r["step"] for r in history["train"]] == list(range(1, steps + 1)) and metrics["step"] == steps
    for name in spec.metrics:
        assert 0 <= metrics[name] <= (100 if task == "squad" else 1), (name, metrics[name])
    assert metrics["loss"] > 0 and math.isfinite(metrics["loss"])

    ours, tokenizer = load_model(task, output)[0].eval(), load_tokenizer(output)
    theirs = HF_CLASSES[task].from_pretrained(output).eval()
    if spec.labels is not None:
        assert theirs.config.id2label == dict(enumerate(spec.labels))
        assert theirs.config.label2id == {label: i for i, label in enumerate(spec.labels)}
    inputs = tokenizer(["the film is tender , wise and unforgettable", "Ajax beat PSV in Amsterdam ."],
                       ["who won ?", ""], padding=True, return_tensors="pt")
    with torch.no_grad():
        a, b = ours(**inputs), theirs(**inputs)
    for name in ("logits",) if task != "squad" else ("start_logits", "end_logits"):
        torch.testing.assert_close(getattr(a, name), getattr(b, name), atol=1e-5, rtol=0)


def test_finetuning_lowers_the_training_loss(checkpoint):
    """48 updates on the SST-2 sample: the tiny model fits its training sentences (from 0.69 to ~0.3)."""
    task = get_task("sst2")
    train = task.read(task.sample_path("train"))
    args = finetuning_arguments(learning_rate=5e-3, batch_size=16, max_steps=48, warmup_ratio=0.1,
                                seed=0, progress_bar=False)
    result = finetune(task, checkpoint, train, args=args, max_length=32)
    losses = [record["loss"] for record in result.history["train"]]
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert first == pytest.approx(0.693, abs=0.02)  # ln 2: a fresh head guesses
    assert last < 0.45, losses
    assert result.metrics["accuracy"] > 0.9  # on its training sentences (no eval examples given)


def test_same_seed_same_run_and_pretrained_false_is_random(checkpoint):
    task = get_task("sst2")
    train = task.read(task.sample_path("train"))[:8]
    args = finetuning_arguments(max_steps=2, batch_size=4, progress_bar=False, seed=3)
    one, two = (finetune(task, checkpoint, train, args=args, max_length=32) for _ in range(2))
    assert [r["loss"] for r in one.history["train"]] == [r["loss"] for r in two.history["train"]]
    pretrained, _ = load_model(task, checkpoint)
    random_model, info = load_model(task, checkpoint, pretrained=False)
    encoder = BertModel.from_pretrained(checkpoint)
    word = "bert.embeddings.word_embeddings.weight"
    assert torch.equal(pretrained.state_dict()[word], encoder.embeddings.word_embeddings.weight)
    assert not torch.equal(random_model.state_dict()[word], encoder.embeddings.word_embeddings.weight)
    assert "randomly initialised: bert.embeddings" in loading_report(info)


def test_a_finetuned_folder_loads_every_weight(finetuned):
    model, info = load_model("conll", finetuned["conll"][0])
    assert loading_report(info) == "every weight loaded from the checkpoint"
    assert model.config.id2label[1] == "B-PER"


def test_trimmed_batches_give_the_same_logits_as_padded_ones(checkpoint):
    task = get_task("conll")
    tokenizer = load_tokenizer(checkpoint)
    data = task.encode(task.read(task.sample_path("dev"))[:6], tokenizer, 64)
    model = load_model(task, checkpoint)[0].eval()
    full = data.tensors
    trimmed = collate([data[i] for i in range(2)])
    length = trimmed["input_ids"].shape[1]
    assert length == int(full["attention_mask"][:2].sum(1).max()) < full["input_ids"].shape[1]
    with torch.no_grad():
        padded = model(**{k: v[:2] for k, v in full.items()}).logits[:, :length]
        short = model(**trimmed).logits
    torch.testing.assert_close(short, padded, atol=1e-5, rtol=0)
    assert sum(len(batch["input_ids"]) for batch in batches(data, 4)) == 6


def test_squad_decoding_matches_postprocess_predictions_and_the_metrics(checkpoint):
    task = get_task("squad")
    examples = task.read(task.sample_path("dev"))
    data = task.encode(examples, load_tokenizer(checkpoint), 96)
    assert len(data.features) > len(examples)  # a long context is split into windows
    model = load_model(task, checkpoint)[0]  # its new head is random: spans of all kinds
    start, end, _ = task.logits(model, data)
    answers = best_spans(data.examples, data.features, start, end)
    for threshold, v2 in ((0.0, True), (1.5, True), (math.inf, False)):
        expected = postprocess_predictions(examples, data.features, start, end, version_2_with_negative=v2,
                                           null_score_diff_threshold=0.0 if not v2 else threshold)
        assert predictions_at(answers, examples, threshold) == expected
    references = {e.id: [a["text"] for a in e.answers] for e in examples}
    threshold, best_f1 = best_null_threshold(answers, examples)
    assert squad_evaluate(predictions_at(answers, examples, threshold), references)["f1"] == pytest.approx(best_f1)
    metrics = task.evaluate(model, data)
    assert metrics["best_f1"] == pytest.approx(best_f1) and metrics["best_f1"] >= metrics["f1"]
    assert {"exact", "f1", "HasAns_f1", "NoAns_f1"} <= set(metrics)


def _example(qid, gold):
    from bertedu.finetuning.squad import SquadExample
    context = "alpha beta gamma delta"
    answers = [{"text": gold, "answer_start": context.index(gold)}] if gold else []
    return SquadExample(qid, "q?", context, answers, is_impossible=not gold)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "alpha", "beta gamma", "delta"]),
                          st.sampled_from([None, "alpha", "beta", "gamma delta"]),
                          st.sampled_from([-2.0, -0.5, 0.0, 0.5, 3.0])), min_size=1, max_size=8))
def test_best_null_threshold_beats_every_threshold(cases):
    """The search equals brute force over every candidate threshold (ties in s_null - s_span too)."""
    examples = [_example(str(i), gold) for i, (gold, _, _) in enumerate(cases)]
    answers = [(None if text is None else Span(text, 0.0, 0.0, 0, 0), math.inf if text is None else diff)
               for _, text, diff in cases]
    references = {e.id: [a["text"] for a in e.answers] for e in examples}
    threshold, best = best_null_threshold(answers, examples)
    f1_at = {t: squad_evaluate(predictions_at(answers, examples, t), references)["f1"]
             for t in [-math.inf, *(d for _, d in answers)]}
    assert best == pytest.approx(max(f1_at.values()))
    assert f1_at[threshold] == pytest.approx(best)


def test_predict_helpers(finetuned):
    sst2 = get_task("sst2")
    model, tokenizer = load_model("sst2", finetuned["sst2"][0])[0], load_tokenizer(finetuned["sst2"][0])
    predictions = sst2.predict(model, tokenizer, ["a wonderful film", "dull and lifeless"])
    assert [p["label"] in ("negative", "positive") and 0.5 <= p["score"] <= 1 for p in predictions] == [True] * 2
    assert model.training  # predict restores the mode it found
    conll = get_task("conll")
    model, tokenizer = load_model("conll", finetuned["conll"][0])[0], load_tokenizer(finetuned["conll"][0])
    tagged = conll.predict(model, tokenizer, ["John Smith lives in New York.", "Hello"])
    assert [w for w, _ in tagged[0]] == ["John", "Smith", "lives", "in", "New", "York", "."]
    assert all(tag in conll.labels for sentence in tagged for _, tag in sentence)
    squad = get_task("squad")
    model, tokenizer = load_model("squad", finetuned["squad"][0])[0], load_tokenizer(finetuned["squad"][0])
    context = "The honey bee lives in a colony. A colony has one queen."
    [answer] = squad.predict(model, tokenizer, [("How many queens?", context)], null_score_diff_threshold=math.inf)
    assert answer["answer"] == context[answer["start"]:answer["end"]] != ""
    with pytest.raises(TypeError, match="list of sentences"):
        sst2.predict(model, tokenizer, "one sentence")


def test_confusion_matrix():
    matrix = confusion_matrix([0, 1, 1, 1, 0], [0, 1, 0, 1, 1], 2)
    assert matrix.tolist() == [[1, 1], [1, 2]]  # rows: true class, columns: predicted
    assert plot_confusion_matrix(matrix, ["negative", "positive"]).axes
    with pytest.raises(ValueError, match="class ids"):
        confusion_matrix([2], [0], 2)


def test_missing_vocabulary_is_a_clear_error(checkpoint, tmp_path):
    for name in ("config.json", "model.safetensors"):
        shutil.copy(checkpoint / name, tmp_path / name)
    with pytest.raises(FileNotFoundError, match="has no vocab.txt"):
        load_tokenizer(tmp_path)
    code, _, err = run_cli(["finetune", "--task", "sst2", "--model", str(tmp_path), "--output", str(tmp_path / "o")])
    assert code == 2 and err.count("\n") == 1 and "has no vocab.txt" in err


@pytest.mark.parametrize("change,message", [
    (["--epochs", "0"], "num_train_epochs must be a finite number > 0"),
    (["--lr", "-1"], "learning_rate must be a finite number > 0"),
    (["--lr", "nan"], "learning_rate must be a finite number > 0"),
    (["--batch-size", "0"], "batch_size must be a positive integer"),
    (["--max-train-examples", "0"], "--max-train-examples must be at least 1"),
    (["--max-length", "4"], "max_length must be at least 8 tokens"),
    (["--max-length", "4096"], "exceeds the checkpoint's max_position_embeddings"),
    (["--train", "no/such/file.tsv"], "GLUE TSV no/such/file.tsv not found"),
    (["--train", "BAD_TSV"], "no column 'sentence'"),
    (["--model", "no/such/folder"], "no config.json"),
    (["--doc-stride", "64"], "sst2 has no option doc_stride"),
    (["--task", "squad", "--doc-stride", "0"], "doc_stride must be a positive number of tokens"),
])
def test_bad_arguments_are_one_line_errors(checkpoint, tmp_path, change, message):
    (tmp_path / "bad.tsv").write_text("text\tlabel\nfine\t1\n")
    change = [str(tmp_path / "bad.tsv") if value == "BAD_TSV" else value for value in change]
    argv = ["finetune", "--task", "sst2", "--model", str(checkpoint), "--output", str(tmp_path / "out"),
            "--no-progress-bar", *change]
    code, _, err = run_cli(argv)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and message in err, err


def test_tasks_are_frozen_values_built_from_their_options():
    squad = get_task("squad", doc_stride=32, max_length=256)
    assert (squad.doc_stride, squad.max_length, squad.stride()) == (32, 256, 32)
    assert get_task("squad").stride() == 128 and get_task("squad", max_length=192).stride() == 64
    assert get_task("squad") == get_task("squad") and get_task("squad") != squad
    with pytest.raises(dataclasses.FrozenInstanceError):
        squad.doc_stride = 64
    with pytest.raises(ValueError, match="already built"):
        get_task(squad, max_length=128)
    with pytest.raises(ValueError, match="conll has no option doc_stride; its options are max_length"):
        get_task("conll", doc_stride=1)


def test_argparse_errors_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", "--task", "mnli", "--model", "x", "--output", "y"])
    assert exit_info.value.code == 2 and "invalid choice: 'mnli'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", "--help"])
    assert exit_info.value.code == 0 and "--max-train-examples" in capsys.readouterr().out


def test_squad_windows_are_a_third_of_max_length_apart_unless_doc_stride_is_given(checkpoint):
    from bertedu.finetuning.run import get_task
    from bertedu.finetuning.squad_task import SquadTask

    assert SquadTask().stride(384) == 128 and SquadTask().stride(96) == 32 and SquadTask().stride() == 128
    assert SquadTask(doc_stride=20).stride(96) == 20 and get_task("squad").doc_stride is None
    with pytest.raises(ValueError, match="doc_stride must be a positive"):
        SquadTask(doc_stride=0)
    task = get_task("squad")
    examples = task.read(task.sample_path("train"))[:8]
    tokenizer = transformers.BertTokenizer.from_pretrained(checkpoint)
    by_default = task.encode(examples, tokenizer, 64).features
    assert by_default == SquadTask(doc_stride=21).encode(examples, tokenizer, 64).features
    wider = SquadTask(doc_stride=40).encode(examples, tokenizer, 64).features
    assert len(wider) < len(by_default)  # windows further apart: fewer of them over the same contexts
