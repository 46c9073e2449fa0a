"""``python -m bertedu pretrain`` end to end on a tiny corpus: the folder loads in transformers with
the same logits, --resume continues the loss curve, and every bad argument is a one-line error."""

from __future__ import annotations

import json
import math
import random
import shutil

import pytest
import torch
import transformers
from conftest import run_cli

from bertedu.cli import main
from bertedu.corpus import read_bert_format
from bertedu.pretraining.collator import MASKED, RANDOM, UNCHANGED
from bertedu.pretraining.models import BertForPreTraining
from bertedu.pretraining.run import prepare_pretraining_data, pretraining_metrics
from bertedu.tokenizer.bert import BertTokenizer

WORDS = ["river", "stone", "tree", "light", "city", "song", "water", "bird", "cloud", "road", "house",
         "garden", "market", "child", "teacher", "window", "winter", "summer", "morning", "evening"]
VERBS = ["sees", "finds", "carries", "follows", "paints", "remembers", "builds", "crosses"]
TINY_CONFIG = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
               "intermediate_size": 64, "max_position_embeddings": 64}


def write_corpus(path, num_documents: int = 16, seed: int = 0):
    rng = random.Random(seed)
    documents = ["\n".join(f"The {rng.choice(WORDS)} {rng.choice(VERBS)} the {rng.choice(WORDS)} "
                           f"near the {rng.choice(WORDS)}." for _ in range(rng.randint(3, 8)))
                 for _ in range(num_documents)]
    path.write_text("\n\n".join(documents) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretrain")
    config = folder / "tiny.json"
    config.write_text(json.dumps(TINY_CONFIG))
    return {"corpus": write_corpus(folder / "corpus.txt"), "config": config, "folder": folder}


def arguments(files, output, *extra: str, corpus=None) -> list[str]:
    return ["pretrain", "--corpus", str(corpus or files["corpus"]), "--config", str(files["config"]),
            "--max-steps", "4", "--batch-size", "8", "--seq-len", "32", "--dupe-factor", "1",
            "--vocab-size", "120", "--no-progress-bar", "--output", str(output), *extra]


@pytest.fixture(scope="module")
def straight_run(files):
    output = files["folder"] / "straight"
    code, out, err = run_cli(arguments(files, output))
    assert code == 0, err
    return output, out


def test_cli_writes_a_folder_that_transformers_loads_with_the_same_logits(straight_run):
    output, out = straight_run
    assert f"checkpoint: {output}" in out and "held-out MLM accuracy" in out
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
                 "training_args.json", "history.json", "loss_curve.png", "checkpoint/checkpoint.pt"):
        assert (output / name).is_file(), name
    history = json.loads((output / "history.json").read_text())
    assert [r["step"] for r in history["train"]] == [1, 2, 3, 4] and history["eval"][-1]["step"] == 4

    ours_tokenizer = BertTokenizer.from_pretrained(output)
    hf_tokenizer = transformers.BertTokenizer.from_pretrained(output)
    text, pair = "The river crosses the garden near the city.", "A child paints the morning light!"
    ours_inputs, hf_inputs = ours_tokenizer(text, pair, return_tensors="pt"), hf_tokenizer(text, pair, return_tensors="pt")
    assert hf_inputs["input_ids"].tolist() == ours_inputs["input_ids"].tolist()
    ours = BertForPreTraining.from_pretrained(output)
    hf = transformers.BertForPreTraining.from_pretrained(output)
    hf.eval()
    with torch.no_grad():
        ours_out, hf_out = ours(**ours_inputs), hf(**hf_inputs)
    torch.testing.assert_close(ours_out.prediction_logits, hf_out.prediction_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(ours_out.seq_relationship_logits, hf_out.seq_relationship_logits,
                               atol=1e-5, rtol=0)


def test_the_defaults_mark_the_first_third_of_the_run_at_length_64(straight_run):
    arguments = json.loads((straight_run[0] / "training_args.json").read_text())
    assert (arguments["marker_rate"], arguments["marker"], arguments["marker_end_step"]) == (0.15, "<unk>", 2)
    assert arguments["marker_fraction"] == pytest.approx(1 / 3)  # 2 of 4 updates: the first >= 1/3
    import argparse

    from bertedu.cli import pretrain as cli
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    assert parser.parse_args([]).seq_len == 64


def test_held_out_metrics_agree_for_sparse_dense_and_transformers_heads(files, straight_run):
    output = straight_run[0]
    tokenizer = BertTokenizer.from_pretrained(output)
    data = prepare_pretraining_data(read_bert_format(files["corpus"]), tokenizer, 32, dupe_factor=1,
                                    progress_bar=False)
    sparse = BertForPreTraining.from_pretrained(output)
    sparse.sparse_prediction = True
    models = [sparse, BertForPreTraining.from_pretrained(output), transformers.BertForPreTraining.from_pretrained(output)]
    with torch.no_grad():
        metrics = [pretraining_metrics(model.eval(), data.eval_batches) for model in models]
        correct = total = 0  # accuracy by hand: the argmax at the labelled positions
        for batch in data.eval_batches:
            batch = dict(batch)
            selected = batch.pop("masked_lm_kinds") == MASKED  # the [MASK]ed positions only
            predictions = models[1](**batch).prediction_logits.argmax(-1)  # (B, T)
            correct += int((predictions[selected] == batch["labels"][selected]).sum())
            total += int(selected.sum())
    assert metrics[0] == pytest.approx(metrics[1], abs=1e-5) and metrics[2] == pytest.approx(metrics[1], abs=1e-5)
    assert metrics[1]["mlm_accuracy"] == correct / total


class _FixedOutputs:
    """A stand-in model: the same MLM and NSP logits whatever the batch."""

    def __init__(self, prediction_logits, seq_relationship_logits):
        self.outputs = type("Outputs", (), {"prediction_logits": prediction_logits,
                                            "seq_relationship_logits": seq_relationship_logits})

    def parameters(self):
        return iter([torch.zeros(1)])

    def __call__(self, **batch):
        return self.outputs


def test_held_out_metrics_score_mask_positions_apart_beside_baselines():
    labels = torch.tensor([[-100, 3, 4, 5, 2, -100], [-100, -100, -100, -100, -100, -100]])   # (B, T)
    kinds = torch.tensor([[0, MASKED, MASKED, RANDOM, UNCHANGED, 0], [0] * 6])                   # (B, T)
    predicted = torch.tensor([[0, 3, 1, 0, 2, 0], [0] * 6])      # right at [MASK] 3 and unchanged 2
    logits = torch.nn.functional.one_hot(predicted, 6).float() * 10.0                         # (B, T, V)
    batch = {"labels": labels, "masked_lm_kinds": kinds, "next_sentence_label": torch.tensor([1, 0])}
    model = _FixedOutputs(logits, torch.tensor([[0.0, 1.0], [0.0, 1.0]]))   # always NotNext
    counts = torch.tensor([0, 0, 1, 5, 2, 0])   # training tokens: 3 is the most frequent
    metrics = pretraining_metrics(model, [batch], counts)
    wrong = math.log(math.exp(10) + 5)           # cross-entropy when the label scores 0, another 10
    right = math.log(math.exp(10) + 5) - 10.0
    assert metrics["mlm_accuracy"] == 0.5 and metrics["mlm_loss"] == pytest.approx((right + wrong) / 2, rel=1e-5)
    assert metrics["mlm_accuracy_random"] == 0.0 and metrics["mlm_accuracy_unchanged"] == 1.0
    assert metrics["mlm_accuracy_all"] == 0.5 and metrics["mlm_loss_unchanged"] == pytest.approx(right, rel=1e-3)
    assert metrics["mlm_baseline_accuracy"] == 0.5  # "3" is right at one of the two [MASK]s
    assert metrics["mlm_unigram_loss"] == pytest.approx(-(math.log(6 / 14) + math.log(3 / 14)) / 2)
    assert metrics["nsp_accuracy"] == 0.5 and metrics["nsp_majority_accuracy"] == 0.5
    del batch["masked_lm_kinds"]
    with pytest.raises(ValueError, match="return_masking_kinds=True"):
        pretraining_metrics(model, [batch])


def test_cli_resume_continues_the_same_loss_curve(files, straight_run):
    output = files["folder"] / "interrupted"
    code, out, err = run_cli(arguments(files, output, "--max-minutes", "1e-9"))
    assert code == 0 and "stopped by --max-minutes" in out, err
    code, out, err = run_cli(arguments(files, output, "--resume"))
    assert code == 0, err
    straight = json.loads((straight_run[0] / "history.json").read_text())
    resumed = json.loads((output / "history.json").read_text())
    assert [r["loss"] for r in resumed["train"]] == [r["loss"] for r in straight["train"]]
    assert resumed["eval"][-1]["mlm_loss"] == straight["eval"][-1]["mlm_loss"]


@pytest.mark.parametrize("change,message", [
    (["--config", "huge"], "--config must be one of"),
    (["--max-steps", "-3"], "max_steps must be a positive integer"),
    (["--lr", "0"], "learning_rate must be a finite number > 0"),
    (["--lr", "inf"], "learning_rate must be a finite number > 0"),
    (["--seq-len", "4"], "--seq-len must be at least 8"),
    (["CORPUS", "no/such/corpus.txt"], "not found"),
    (["CORPUS", "EMPTY"], "has no text"),
    (["--config", "BADJSON"], "unknown config keys hidden_sise"),
    (["--resume"], "cannot resume"),
    (["--marker-rate", "1"], "the marker rate must be in [0, 1)"),
    (["--marker-fraction", "0"], "the marker phase's fraction of the run must be in (0, 1]"),
    (["--marker", "tree"], "the marker 'tree' is 1 WordPiece(s) (['tree']) with this vocabulary"),
    (["--vocab", "no/such/vocab.txt"], "--vocab no/such/vocab.txt not found; pass a vocab.txt or a tokenizer folder"),
])
def test_bad_arguments_are_one_line_errors(files, change, message):
    (files["folder"] / "empty.txt").write_text("\n\n")
    (files["folder"] / "bad.json").write_text(json.dumps({**TINY_CONFIG, "hidden_sise": 8}))
    change = [{"EMPTY": str(files["folder"] / "empty.txt"), "BADJSON": str(files["folder"] / "bad.json")}
              .get(value, value) for value in change]
    output = files["folder"] / f"error-{change[0]}"
    if change[0] == "CORPUS":
        argv = arguments(files, output, corpus=change[1])
    else:
        argv = arguments(files, output, *change)  # a repeated flag: the last one wins
    code, _, err = run_cli(argv)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and message in err, err


def test_resume_with_other_arguments_is_refused(files, straight_run):
    code, _, err = run_cli(arguments(files, straight_run[0], "--resume", "--lr", "0.5"))
    assert code == 2 and "--resume needs the arguments" in err and "--lr 0.001 -> 0.5" in err


def test_argparse_errors_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["pretrain", "--corpus-format", "xml"])
    assert exit_info.value.code == 2 and "invalid choice: 'xml'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["pretrain", "--help"])
    assert exit_info.value.code == 0 and "--corpus-format" in capsys.readouterr().out


# --- nothing is lost: a finished run survives a failing one, folders are locked, corpora hashed -----

def folder_bytes(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failing_run_leaves_a_finished_run_untouched(files, straight_run, tmp_path):
    before = folder_bytes(straight_run[0])
    one_document = write_corpus(tmp_path / "one.txt", num_documents=1)
    for argv in (arguments(files, straight_run[0], corpus=one_document),             # checked before writing
                 arguments(files, straight_run[0], "--overwrite", corpus=one_document),
                 arguments(files, straight_run[0], "--overwrite", "--lr", "nan")):
        code, _, err = run_cli(argv)
        assert code == 2 and err.count("\n") == 1, err
    assert folder_bytes(straight_run[0]) == before


def test_a_folder_with_a_run_needs_resume_or_overwrite(files, straight_run):
    code, _, err = run_cli(arguments(files, straight_run[0]))
    assert code == 2 and "already holds files" in err and "--resume" in err and "--overwrite" in err


def test_a_locked_folder_is_refused_while_another_run_holds_it(files, tmp_path):
    from bertedu.files import run_folder

    with run_folder(tmp_path / "busy"):
        code, _, err = run_cli(arguments(files, tmp_path / "busy"))
    assert code == 2 and "in use by another run" in err, err


def test_resume_compares_the_corpus_by_content_not_by_path(files, tmp_path):
    output = tmp_path / "run"
    corpus = write_corpus(tmp_path / "a.txt")
    assert run_cli(arguments(files, output, "--max-minutes", "1e-9", corpus=corpus))[0] == 0
    moved = tmp_path / "moved.txt"
    corpus.rename(moved)
    changed = write_corpus(tmp_path / "b.txt", seed=1)
    code, _, err = run_cli(arguments(files, output, "--resume", corpus=changed))
    assert code == 2 and "--corpus-sha256" in err, err
    code, _, err = run_cli(arguments(files, output, "--resume", corpus=moved))
    assert code == 0, err


def test_resume_compares_the_config_by_content(files, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(TINY_CONFIG))
    output = tmp_path / "run"
    argv = [*arguments(files, output, "--max-minutes", "1e-9"), "--config", str(config)]
    assert run_cli(argv)[0] == 0
    config.write_text(json.dumps({**TINY_CONFIG, "num_hidden_layers": 2}))
    code, _, err = run_cli([*arguments(files, output, "--resume"), "--config", str(config)])
    assert code == 2 and "--config-values" in err, err


def test_overwrite_clears_the_earlier_run_before_a_new_run_can_fail(files, straight_run, tmp_path):
    # A copy of a finished run, overwritten by a run whose loss turns non-finite: the earlier
    # weights must not stay beside the new run's vocabulary; files of other names stay.
    folder = tmp_path / "run"
    shutil.copytree(straight_run[0], folder)
    (folder / "notes.txt").write_text("mine")
    code, _, err = run_cli(arguments(files, folder, "--overwrite", "--lr", "1e30", "--vocab-size", "110"))
    assert code == 2 and "no model of this run was saved" in err, err
    assert not (folder / "model.safetensors").exists() and not (folder / "config.json").exists()
    assert (folder / "notes.txt").read_text() == "mine"


def test_the_clock_sets_the_length_when_only_max_minutes_is_given():
    import argparse

    from bertedu.cli import pretrain as cli

    def parsed(*argv):
        parser = argparse.ArgumentParser()
        cli.configure(parser)
        return cli.training_arguments(parser.parse_args(list(argv)))

    by_clock = parsed("--max-minutes", "5")
    assert (by_clock.max_steps, by_clock.eval_every, by_clock.max_minutes) == (cli.UNTIL_THE_CLOCK, 500, 5.0)
    by_default = parsed()
    assert (by_default.max_steps, by_default.eval_every, by_default.max_minutes) == (1000, 100, None)
    both = parsed("--max-minutes", "5", "--max-steps", "300")
    assert (both.max_steps, both.eval_every) == (300, 30)
