"""Sentence polarity: the reader on both encodings of the original files, the split's rule, the
shipped split (sizes, balance, no snippet in two splits, rebuilt from the originals when they are
at hand), and the task end to end on a tiny random model, through ``python -m bertedu finetune``."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
import torch
from conftest import run_cli

from bertedu.config import BertConfig
from bertedu.course import DATA_DIR, REPO_ROOT, set_seed
from bertedu.finetuning.glue import SST2_LABELS, read_glue_tsv
from bertedu.finetuning.polarity import (
    PolarityTask,
    read_polarity_file,
    read_sentence_polarity,
    split_polarity,
    unique_examples,
    write_polarity_splits,
)
from bertedu.finetuning.run import get_task, load_model, load_tokenizer
from bertedu.model import BertModel

SHARED = REPO_ROOT.parent / "shared" / "datasets" / "sentence_polarity"
SHIPPED = DATA_DIR / "sentence_polarity"
TINY = {"vocab_size": 4000, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
        "intermediate_size": 64, "max_position_embeddings": 64}


def test_the_reader_takes_nltks_utf8_copy_and_maps_c1_controls_to_windows_1252(tmp_path):
    path = tmp_path / "rt-polarity.pos"
    path.write_text(" . . . a gem \u0096 tender and wise . \n\ncafé society , \u0091 smart ' \n\n", encoding="utf-8")
    assert read_polarity_file(path) == [". . . a gem – tender and wise .", "café society , ‘ smart '"]


def test_the_reader_takes_cornells_windows_1252_bytes_with_dos_line_ends(tmp_path):
    path = tmp_path / "rt-polarity.neg"
    path.write_bytes(b"caf\xe9 dull \x85 and long . \r\n\r\n\x93flat\x94 \x96 and \x81odd\r\nlast")
    assert read_polarity_file(path) == ["café dull … and long .", "“flat” – and \x81odd", "last"]


def test_both_copies_of_a_snippet_read_the_same(tmp_path):
    nltk, cornell = tmp_path / "nltk.pos", tmp_path / "cornell.pos"
    nltk.write_bytes("it's a \u0097 gem . \n".encode("utf-8"))  # NLTK read 0x97 as Latin-1
    cornell.write_bytes(b"it's a \x97 gem . \r\n")
    assert read_polarity_file(nltk) == read_polarity_file(cornell) == ["it's a — gem ."]


def test_the_folder_reader_labels_negatives_0_and_positives_1(tmp_path):
    (tmp_path / "rt-polarity.neg").write_text("bad .\nworse .\n")
    (tmp_path / "rt-polarity.pos").write_text("good .\n")
    assert read_sentence_polarity(tmp_path) == [("bad .", 0), ("worse .", 0), ("good .", 1)]
    assert PolarityTask.labels == SST2_LABELS == ("negative", "positive")


def synthetic(negatives: int, positives: int) -> list[tuple[str, int]]:
    return [(f"snippet {i} .", 0) for i in range(negatives)] + [(f"snippet {i} !", 1) for i in range(positives)]


def test_the_split_holds_out_a_balanced_dev_and_test_and_keeps_every_snippet_once():
    examples = synthetic(1_100, 1_300)
    splits = split_polarity(examples, held_out_per_class=400, seed=0)
    sizes = {name: Counter(label for _, label in rows) for name, rows in splits.items()}
    assert sizes == {"train": {0: 300, 1: 500}, "dev": {0: 400, 1: 400}, "test": {0: 400, 1: 400}}
    rows = [row for part in splits.values() for row in part]
    assert len(rows) == len(set(rows)) and set(rows) == set(examples)
    assert {label for _, label in splits["train"][:20]} == {0, 1}  # shuffled: --max-train-examples sees both
    assert split_polarity(examples, 400, seed=0) == splits
    assert split_polarity(examples, 400, seed=1)["test"] != splits["test"]


def test_duplicates_are_dropped_and_a_snippet_under_both_labels_goes():
    examples = [("fine .", 1), ("dull .", 0), ("fine .", 1), ("so-so .", 0), ("so-so .", 1), ("dull .", 0)]
    assert unique_examples(examples) == [("fine .", 1), ("dull .", 0)]
    splits = split_polarity(synthetic(4, 4) + [("snippet 0 .", 0), ("snippet 0 !", 0)], held_out_per_class=1)
    assert {name: len(rows) for name, rows in splits.items()} == {"train": 3, "dev": 2, "test": 2}
    assert "snippet 0 !" not in {sentence for rows in splits.values() for sentence, _ in rows}
    with pytest.raises(ValueError, match="label 1 has 2 distinct snippets: too few for 1 in dev"):
        split_polarity(synthetic(3, 2), held_out_per_class=1)


def test_written_splits_are_gzip_glue_tsvs_without_a_timestamp(tmp_path):
    splits = split_polarity(synthetic(5, 5), held_out_per_class=1)
    paths = write_polarity_splits(splits, tmp_path / "a")
    again = write_polarity_splits(splits, tmp_path / "b")
    for name, path in paths.items():
        assert path.name == f"{name}.tsv.gz" and path.read_bytes() == again[name].read_bytes()
        assert path.read_bytes()[4:8] == b"\0\0\0\0"  # the gzip header's mtime
        assert read_glue_tsv(path) == splits[name]


def test_the_shipped_split_is_8662_1000_1000_balanced_and_disjoint():
    splits = {name: read_glue_tsv(SHIPPED / f"{name}.tsv.gz") for name in ("train", "dev", "test")}
    counts = {name: Counter(label for _, label in rows) for name, rows in splits.items()}
    assert counts == {"train": {0: 4_331, 1: 4_331}, "dev": {0: 500, 1: 500}, "test": {0: 500, 1: 500}}
    sentences = [sentence for rows in splits.values() for sentence, _ in rows]
    assert len(set(sentences)) == len(sentences) == 10_662
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)
    assert not any(0x80 <= ord(c) < 0xA0 for sentence in sentences for c in sentence)  # no C1 controls left


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs Pang & Lee's files in ../shared/datasets")
def test_the_shipped_split_is_what_the_rule_makes_of_the_original_files(tmp_path):
    paths = write_polarity_splits(split_polarity(read_sentence_polarity(SHARED)), tmp_path)
    for name, path in paths.items():
        assert gzip.decompress(path.read_bytes()) == gzip.decompress((SHIPPED / path.name).read_bytes()), name


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny random BertModel folder with the course vocabulary."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    set_seed(0)
    BertModel(BertConfig(**TINY)).save_pretrained(folder)
    shutil.copy(DATA_DIR / "vocab.txt", folder / "vocab.txt")
    return folder


def test_the_task_reads_encodes_evaluates_and_predicts(checkpoint):
    task = get_task("polarity", max_length=32)
    assert task == PolarityTask(max_length=32) and task.id2label == {0: "negative", 1: "positive"}
    assert [task.sample_path(split).name for split in ("train", "dev", "test")] == \
        ["train.tsv.gz", "dev.tsv.gz", "test.tsv.gz"]
    with pytest.raises(ValueError, match="polarity has the splits train, dev, test, not 'validation'"):
        task.sample_path("validation")
    with pytest.raises(ValueError, match="sst2 has the splits train, dev, not 'test'"):
        get_task("sst2").sample_path("test")
    examples = task.read(task.sample_path("test"))[:40]
    tokenizer = load_tokenizer(checkpoint)
    data = task.encode(examples, tokenizer)
    assert len(data) == 40 and data.tensors["input_ids"].shape[1] <= 32
    assert data.tensors["labels"].tolist() == [label for _, label in examples]
    model, _ = load_model(task, checkpoint)
    metrics = task.evaluate(model, data, batch_size=16)
    predictions, loss = task.predicted_labels(model, data)
    assert metrics["accuracy"] == pytest.approx((predictions == data.tensors["labels"]).float().mean().item())
    assert metrics["loss"] == pytest.approx(loss, rel=1e-5) and abs(metrics["loss"] - math.log(2)) < 0.2
    predicted = task.predict(model, tokenizer, ["a tender , wise film .", "dull ."])
    assert [p["label"] in SST2_LABELS and 0.5 <= p["score"] <= 1 for p in predicted] == [True, True]
    with pytest.raises(ValueError, match=r"polarity labels are 0 \(negative\) and 1 \(positive\), got \[2\]"):
        task.encode([("odd .", 2)], tokenizer)


def test_the_finetune_command_trains_on_the_shipped_train_split_and_scores_dev(checkpoint, tmp_path):
    output = tmp_path / "polarity"
    code, out, err = run_cli(["finetune", "--task", "polarity", "--model", str(checkpoint), "--epochs", "1",
                              "--max-train-examples", "16", "--batch-size", "8", "--max-length", "32",
                              "--lr", "1e-3", "--no-progress-bar", "--output", str(output)])
    assert code == 0, err
    assert (f"polarity: 16 training examples from {SHIPPED / 'train.tsv.gz'}; 1000 evaluation examples "
            f"from {SHIPPED / 'dev.tsv.gz'}") in out
    assert "2 updates on 16 training inputs" in out
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["step"] == 2 and 0.3 < metrics["accuracy"] < 0.7  # two updates: near chance
    config = json.loads((output / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert json.loads((output / "training_args.json").read_text())["task"] == "polarity"
    model, _ = load_model("polarity", output)
    assert isinstance(model.classifier, torch.nn.Linear) and Path(output / "model.safetensors").is_file()
