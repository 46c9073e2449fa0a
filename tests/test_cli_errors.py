"""What a learner gets wrong on the command line ends in one line that names the file (and its line
or key) and what is allowed, with exit code 2 and no traceback; a diverged run saves no model."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import run_cli

from bertedu.cli import inputs
from bertedu.course import DATA_DIR

CHECKPOINT = DATA_DIR / "course-bert-tiny"
TINY = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
        "max_position_embeddings": 64}


def one_line_error(argv: list[str], message: str) -> None:
    code, _, err = run_cli(argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"python -m bertedu {argv[0]}: error: ")
    assert message in lines[0], lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n\n".join("\n".join(f"The cat {i} sat on mat {j}." for j in range(4)) for i in range(8)))
    (folder / "latin1.txt").write_bytes("first line\nsecond caf\xe9 line\n".encode("latin-1"))
    (folder / "wiki.tokens").write_text(" = Valkyria = \n\n Some text . \n")
    (folder / "binary.bin").write_bytes(bytes(range(256)))
    (folder / "empty").mkdir()
    (folder / "tiny.json").write_text(json.dumps(TINY))
    for name, values in {"list.json": [1, 2], "types.json": {"hidden_size": "big"}}.items():
        (folder / name).write_text(json.dumps(values))
    (folder / "broken.json").write_text("{not json")
    return folder


@pytest.mark.parametrize("corpus, extra, message", [
    ("empty", [], "corpus file {f}/empty is a folder; pass the files in it (e.g. {f}/empty/*.txt)"),
    ("latin1.txt", [], "corpus file {f}/latin1.txt, line 2: byte 0xe9 is not UTF-8; save the file as UTF-8"),
    ("corpus.txt", ["--corpus-format", "wikitext"], "corpus file {f}/corpus.txt has no ' = Title = ' line, "
     "so it is not WikiText"),
    ("wiki.tokens", [], "corpus file {f}/wiki.tokens, line 1: '= Valkyria =' is a WikiText title, not a "
     "sentence: read WikiText with the format 'wikitext'"),
])
def test_vocab_names_the_corpus_file_and_line(files, corpus, extra, message):
    one_line_error(["vocab", "--corpus", str(files / corpus), *extra, "--output", str(files / "v.txt")],
                   message.format(f=files))
    assert not (files / "v.txt").exists()


def test_vocab_output_must_be_a_file_name(files):
    one_line_error(["vocab", "--corpus", str(files / "corpus.txt"), "--output", str(files / "empty")],
                   f"--output {files}/empty is a folder; pass a file name such as {files}/empty/vocab.txt")


def pretrain_argv(files, output, *extra: str) -> list[str]:
    return ["pretrain", "--corpus", str(files / "corpus.txt"), "--max-steps", "6", "--batch-size", "4",
            "--seq-len", "32", "--dupe-factor", "1", "--vocab-size", "60", "--no-progress-bar",
            "--output", str(output), *extra]


@pytest.mark.parametrize("extra, message", [
    (["--config", "{f}/list.json"], "--config {f}/list.json: must hold a JSON object of BertConfig fields"),
    (["--config", "{f}/types.json"], "--config {f}/types.json: BertConfig.hidden_size must be a positive "
     "integer, got 'big'"),
    (["--config", "{f}/broken.json"], "--config {f}/broken.json is not valid JSON (Expecting property name "
     "enclosed in double quotes at line 1, column 2)"),
    (["--config", "{f}/missing.json"], "--config {f}/missing.json not found; pass one of tiny, mini"),
    (["--config", "{f}/tiny.json", "--vocab", "{f}/binary.bin"], "vocab file {f}/binary.bin, line 2: byte 0x80 "
     "is not UTF-8"),
    (["--config", "{f}/tiny.json", "--vocab", "{f}/none.txt"], "--vocab {f}/none.txt not found; pass a "
     "vocab.txt or a tokenizer folder"),
])
def test_pretrain_names_the_config_and_vocabulary_files(files, tmp_path, extra, message):
    one_line_error(pretrain_argv(files, tmp_path / "run", *[e.format(f=files) for e in extra]),
                   message.format(f=files))
    assert not any(p.name.endswith((".json", ".safetensors")) for p in tmp_path.rglob("*"))


def test_output_that_is_a_file_is_refused(files):
    corpus = files / "corpus.txt"
    one_line_error(pretrain_argv(files, corpus), f"--output {corpus} is a file; pass a folder")
    one_line_error(["finetune", "--task", "sst2", "--model", str(CHECKPOINT), "--output", str(corpus)],
                   f"--output {corpus} is a file; pass a folder")


def test_a_diverging_pretraining_run_exits_2_and_saves_no_model(files, tmp_path):
    output = tmp_path / "run"
    one_line_error(pretrain_argv(files, output, "--config", str(files / "tiny.json"), "--lr", "1e6"),
                   "training diverged at step ")
    _, _, err = run_cli(pretrain_argv(files, tmp_path / "again", "--config", str(files / "tiny.json"),
                                      "--lr", "1e6"))
    assert err.rstrip().endswith(f"lower the learning rate (--lr 1e+06); no model of this run was saved in "
                                 f"{tmp_path / 'again'}: rerun with a lower --lr and --overwrite")
    assert not (output / "config.json").exists() and not (output / "model.safetensors").exists()


@pytest.fixture
def checkpoint(tmp_path):
    return shutil.copytree(CHECKPOINT, tmp_path / "model")


@pytest.mark.parametrize("name, content, message", [
    ("model.safetensors", b"garbage" * 10, "model.safetensors is not a readable safetensors file (Error "
     "while deserializing header: header too large); it is truncated or corrupt"),
    ("model.safetensors", "half", "model.safetensors is not a readable safetensors file (Error while "
     "deserializing header: incomplete metadata, file not fully covered)"),
    ("config.json", b"[]", "config.json must hold a JSON object of config fields, got list"),
    ("config.json", b'{"hidden_size": "x"}', "config.json: BertConfig.hidden_size must be a positive integer"),
    ("tokenizer_config.json", b"[", "tokenizer_config.json is not valid JSON (Expecting value at line 1, column 2)"),
    ("vocab.txt", b"[PAD]\n\xff\xfe\n", "vocab.txt, line 2: byte 0xff is not UTF-8"),
], ids=["garbage-weights", "half-weights", "config-list", "config-types", "tokenizer-config", "vocab-bytes"])
def test_finetune_names_the_damaged_file_of_the_checkpoint(checkpoint, tmp_path, name, content, message):
    path = checkpoint / name
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2] if content == "half" else content)
    one_line_error(["finetune", "--task", "sst2", "--model", str(checkpoint), "--output", str(tmp_path / "o")],
                   f"{checkpoint}/{message}")
    assert not (tmp_path / "o").exists()


SQUAD_ERRORS = [  # the SQuAD reader names the file itself, then the place
    ([], "a SQuAD file is a JSON object with a 'data' list of articles"),
    ({"data": "x"}, "a SQuAD file is a JSON object with a 'data' list of articles"),
    ({"data": [{"title": "t"}]}, "data[0] has no 'paragraphs' (it has 'title')"),
    ({"data": [{"paragraphs": [{"context": 3, "qas": []}]}]}, "data[0].paragraphs[0].context must be a string, got int 3"),
    ({"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "a", "question": "q", "answers": [
        {"text": "b", "answer_start": "1"}]}]}]}]},
     "data[0].paragraphs[0].qas[0].answers[0].answer_start must be an integer, got str '1'"),
]


@pytest.mark.parametrize("task, content, message", [
    ("sst2", b"sentence\tlabel\nhello\n", "line 2 has 1 tab-separated fields, the header has 2: 'hello'"),
    ("sst2", b"", "the GLUE TSV is empty; it needs a header line such as 'sentence\\tlabel'"),
    ("sst2", "caf\xe9\t1\n".encode("latin-1"), "line 1: byte 0xe9 is not UTF-8"),
    ("conll", b"EU B-ORG\nrejects\n", "line 2: expected a token and a tag in column 1, got 'rejects'"),
    ("squad", b"sentence\tlabel\n", "not valid JSON (Expecting value at line 1, column 1)"),
    *[("squad", json.dumps(data).encode(), message) for data, message in SQUAD_ERRORS],
])
def test_finetune_names_the_task_file_and_its_layout(tmp_path, task, content, message):
    train = tmp_path / "train.data"
    train.write_bytes(content)
    argv = ["finetune", "--task", task, "--model", str(CHECKPOINT), "--train", str(train),
            "--output", str(tmp_path / "o")]
    named = (f"SQuAD file {train} is " if "JSON (" in message else f"{train}: ") if task == "squad" \
        else f"GLUE TSV {train}, " if "UTF-8" in message else f"--train {train}: "  # read_utf8 names the file
    one_line_error(argv, f"{named}{message}")
    one_line_error([*argv[:6], str(tmp_path), *argv[7:]], f"--train {tmp_path} is a folder; pass a file")


def test_a_diverging_finetuning_run_exits_2_and_saves_nothing(tmp_path):
    output = tmp_path / "o"
    one_line_error(["finetune", "--task", "sst2", "--model", str(CHECKPOINT), "--max-train-examples", "128",
                    "--epochs", "1", "--lr", "1e6", "--no-progress-bar", "--output", str(output)],
                   f"lower the learning rate (--lr 1e+06); nothing was saved in {output}")
    assert not output.exists()


@pytest.mark.parametrize("where", ["run", "import"])
def test_ctrl_c_is_one_line_with_exit_code_130(monkeypatch, where):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("bertedu.cli.vocab.run" if where == "run" else "importlib.import_module", interrupted)
    code, _, err = run_cli(["vocab", "--output", "v.txt"])
    assert code == 130 and err == ("python -m bertedu vocab: interrupted (every file is written whole or not "
                                   "at all; a pretraining run continues with --resume)\n")


def test_a_bug_is_not_dressed_up_as_a_user_error(monkeypatch):
    def bug(*args):
        raise TypeError("a real bug")

    monkeypatch.setattr("bertedu.cli.vocab.run", bug)
    with pytest.raises(TypeError, match="a real bug"):
        run_cli(["vocab", "--output", "v.txt"])
    with pytest.raises(TypeError), inputs.reading("--train", "x.tsv"):
        raise TypeError("not a reading error")
