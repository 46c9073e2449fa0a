"""bertedu.downloads on local file:// URLs: the same code path as on Colab, with no network."""

from __future__ import annotations

import json
import zipfile

import pytest

from bertedu import downloads
from bertedu.finetuning.glue import read_glue_tsv
from bertedu.finetuning.squad import read_squad

SQUAD = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{
    "context": "Bach worked in Leipzig.",
    "qas": [{"id": "q1", "question": "Where did Bach work?", "is_impossible": False,
             "answers": [{"text": "Leipzig", "answer_start": 15}]}]}]}]}


@pytest.fixture
def sst2_zip(tmp_path, monkeypatch):
    archive = tmp_path / "server" / "SST-2.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("SST-2/train.tsv", "sentence\tlabel\na fine film\t1\ndull\t0\n")
        zipped.writestr("SST-2/dev.tsv", "sentence\tlabel\nsuperb\t1\n")
        zipped.writestr("SST-2/test.tsv", "index\tsentence\n0\tunlabelled\n")
    monkeypatch.setattr(downloads, "SST2_URL", archive.as_uri())
    return archive


def test_sst2_is_downloaded_unzipped_and_read_by_the_glue_reader(sst2_zip, tmp_path):
    paths = downloads.download_task_data("sst2", tmp_path / "sst2", progress_bar=False)
    assert read_glue_tsv(paths["train"]) == [("a fine film", 1), ("dull", 0)]
    assert read_glue_tsv(paths["dev"]) == [("superb", 1)]
    assert sorted(p.name for p in (tmp_path / "sst2").iterdir()) == ["SST-2.zip", "dev.tsv", "train.tsv"]
    sst2_zip.unlink()  # the files are there: a second call must not fetch anything
    assert downloads.download_sst2(tmp_path / "sst2", progress_bar=False) == paths


def test_squad_files_are_downloaded_and_read(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    for name in ("train-v2.0.json", "dev-v2.0.json"):
        (server / name).write_text(json.dumps(SQUAD))
    monkeypatch.setattr(downloads, "SQUAD_URL", server.as_uri() + "/")
    paths = downloads.download_task_data("squad", tmp_path / "squad", progress_bar=False)
    examples = read_squad(paths["train"])
    assert [(e.id, e.answers[0]["text"]) for e in examples] == [("q1", "Leipzig")]
    with pytest.raises(ValueError, match="version must be one of 2.0, 1.1"):
        downloads.download_squad(tmp_path, version="3")


def test_a_failed_download_leaves_no_file_and_says_what_to_do(tmp_path):
    target = tmp_path / "data" / "train.json"
    with pytest.raises(ConnectionError, match="could not download .*download it yourself and put it at"):
        downloads.download_file((tmp_path / "missing.json").as_uri(), target, progress_bar=False)
    assert list((tmp_path / "data").iterdir()) == []


def test_a_damaged_archive_is_removed_and_reported(tmp_path, monkeypatch):
    bad = tmp_path / "SST-2.zip"
    bad.write_bytes(b"not a zip")
    monkeypatch.setattr(downloads, "SST2_URL", bad.as_uri())
    with pytest.raises(ValueError, match="did not give GLUE's SST-2 archive"):
        downloads.download_sst2(tmp_path / "out", progress_bar=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_conll_and_unknown_tasks_explain_themselves(tmp_path):
    with pytest.raises(ValueError, match="CoNLL-2003 cannot be downloaded: its text is Reuters"):
        downloads.download_task_data("conll", tmp_path)
    with pytest.raises(ValueError, match="unknown task 'mnli'"):
        downloads.download_task_data("mnli", tmp_path)
