"""bertedu.downloads on local file:// URLs and a local HTTP server (127.0.0.1): the same code path
as on Colab, with no network. Nothing wrong may land under a data file's name."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
import zipfile

import pytest

from bertedu import downloads
from bertedu.finetuning.glue import read_glue_tsv
from bertedu.finetuning.squad import read_squad

SQUAD = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{
    "context": "Bach worked in Leipzig.",
    "qas": [{"id": "q1", "question": "Where did Bach work?", "is_impossible": False,
             "answers": [{"text": "Leipzig", "answer_start": 15}]}]}]}]}
SQUAD_BYTES = json.dumps(SQUAD).encode()
HTML = b"<!DOCTYPE html><html><body>Sign in to continue</body></html>"


def pin(monkeypatch, files: dict[str, bytes]) -> None:
    """Pin these contents as the published files (the real pins are for the real files)."""
    known = {name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in files.items()}
    monkeypatch.setattr(downloads, "KNOWN_FILES", known)


def test_the_pinned_checksums_are_sha256_values_of_the_five_known_files():
    assert sorted(downloads.KNOWN_FILES) == sorted(["SST-2.zip", *[n for files in downloads.SQUAD_FILES.values()
                                                                    for n in files.values()]])
    assert all(size > 10**6 and len(sha) == 64 and int(sha, 16) >= 0
               for size, sha in downloads.KNOWN_FILES.values())


@pytest.fixture
def sst2_zip(tmp_path, monkeypatch):
    archive = tmp_path / "server" / "SST-2.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("SST-2/train.tsv", "sentence\tlabel\na fine film\t1\ndull\t0\n")
        zipped.writestr("SST-2/dev.tsv", "sentence\tlabel\nsuperb\t1\n")
        zipped.writestr("SST-2/test.tsv", "index\tsentence\n0\tunlabelled\n")
    monkeypatch.setattr(downloads, "SST2_URL", archive.as_uri())
    pin(monkeypatch, {"SST-2.zip": archive.read_bytes()})
    return archive


def test_sst2_is_downloaded_unzipped_and_read_by_the_glue_reader(sst2_zip, tmp_path):
    paths = downloads.download_task_data("sst2", tmp_path / "sst2", progress_bar=False)
    assert read_glue_tsv(paths["train"]) == [("a fine film", 1), ("dull", 0)]
    assert read_glue_tsv(paths["dev"]) == [("superb", 1)]
    assert sorted(p.name for p in (tmp_path / "sst2").iterdir()) == ["SST-2.zip", "dev.tsv", "train.tsv"]
    sst2_zip.unlink()  # the files are there: a second call must not fetch anything
    assert downloads.download_sst2(tmp_path / "sst2", progress_bar=False) == paths
    paths["dev"].write_text("sentence\tlabel\nsup")  # a damaged TSV is unpacked again from the good zip
    assert read_glue_tsv(downloads.download_sst2(tmp_path / "sst2", progress_bar=False)["dev"]) == [("superb", 1)]


def test_squad_files_are_downloaded_and_read(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    for name in ("train-v2.0.json", "dev-v2.0.json"):
        (server / name).write_bytes(SQUAD_BYTES)
    monkeypatch.setattr(downloads, "SQUAD_URL", server.as_uri() + "/")
    pin(monkeypatch, {"train-v2.0.json": SQUAD_BYTES, "dev-v2.0.json": SQUAD_BYTES})
    paths = downloads.download_task_data("squad", tmp_path / "squad", progress_bar=False)
    examples = read_squad(paths["train"])
    assert [(e.id, e.answers[0]["text"]) for e in examples] == [("q1", "Leipzig")]
    with pytest.raises(ValueError, match="version must be one of 2.0, 1.1"):
        downloads.download_squad(tmp_path, version="3")


def test_a_cached_file_that_is_partial_or_not_the_published_one_is_fetched_again(tmp_path, monkeypatch):
    source = tmp_path / "train-v2.0.json"
    source.write_bytes(SQUAD_BYTES)
    pin(monkeypatch, {"train-v2.0.json": SQUAD_BYTES})
    target = tmp_path / "data" / "train-v2.0.json"
    target.parent.mkdir()
    for cached in (SQUAD_BYTES[:40], SQUAD_BYTES.replace(b"Leipzig", b"Leipzog")):  # cut short; other bytes
        target.write_bytes(cached)
        downloads.download_file(source.as_uri(), target, progress_bar=False, check=downloads.check_json)
        assert target.read_bytes() == SQUAD_BYTES
    source.unlink()  # a good copy is used as it is
    assert downloads.download_file(source.as_uri(), target, progress_bar=False) == target


@pytest.mark.parametrize("served, message", [
    (SQUAD_BYTES.replace(b"Leipzig", b"Leipzog"), r"its SHA-256 is not the published train-v2.0.json's"),
    (SQUAD_BYTES + b" ", rf"{len(SQUAD_BYTES) + 1:,} bytes where the published train-v2.0.json has"),
    (HTML, r"it is an HTML page \(an error or login page\?\), not the JSON file"),
    (b'{"data": [', r"it is not JSON \(Expecting value: line 1 column 11"),
    (b'{"version": "v2.0"}', "it is not a SQuAD file: no 'data' list"),
], ids=["other-bytes", "other-size", "html", "not-json", "not-squad"])
def test_a_wrong_file_is_never_written_under_the_name(tmp_path, monkeypatch, served, message):
    source = tmp_path / "served.json"
    source.write_bytes(served)
    pin(monkeypatch, {"train-v2.0.json": SQUAD_BYTES})
    target = tmp_path / "data" / "train-v2.0.json"
    with pytest.raises(ValueError, match=f"did not give train-v2.0.json: {message}.*nothing was written"):
        downloads.download_file(source.as_uri(), target, progress_bar=False, check=downloads.check_json)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_a_failed_download_leaves_no_file_and_says_what_to_do(tmp_path):
    target = tmp_path / "data" / "train.json"
    with pytest.raises(ConnectionError, match="could not download .*download it yourself and put it at"):
        downloads.download_file((tmp_path / "missing.json").as_uri(), target, progress_bar=False)
    assert not target.parent.exists()


def test_a_damaged_archive_is_refused_and_reported(tmp_path, monkeypatch):
    bad = tmp_path / "SST-2.zip"
    bad.write_bytes(b"not a zip")
    monkeypatch.setattr(downloads, "SST2_URL", bad.as_uri())
    pin(monkeypatch, {})
    with pytest.raises(ValueError, match="did not give SST-2.zip: it is not GLUE's SST-2 archive"):
        downloads.download_sst2(tmp_path / "out", progress_bar=False)
    assert not (tmp_path / "out").exists()


def test_a_disk_error_is_reported_as_a_disk_error(tmp_path, monkeypatch):
    source = tmp_path / "train-v2.0.json"
    source.write_bytes(SQUAD_BYTES)
    pin(monkeypatch, {"train-v2.0.json": SQUAD_BYTES})

    def disk_full(contents):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(downloads, "write_files", disk_full)
    with pytest.raises(OSError, match=r"downloaded, but could not write to .*data: No space left on device "
                                      r"\(a disk error, not a download error"):
        downloads.download_file(source.as_uri(), tmp_path / "data" / "train-v2.0.json", progress_bar=False)


class Handler(http.server.BaseHTTPRequestHandler):
    """/truncated: Content-Length 10,000 and 5,000 bytes; /html: a login page with status 200;
    /slow: 40 bytes, one every 50 ms (2 s at most)."""

    def do_GET(self):
        body, declared, pause = {"/truncated": (b"x" * 5000, 10_000, 0.0), "/html": (HTML, len(HTML), 0.0),
                                 "/slow": (b"y" * 40, 40, 0.05)}[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        try:
            for start in range(0, len(body), 1 if pause else len(body)):
                self.wfile.write(body[start:start + (1 if pause else len(body))])
                self.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_a_body_shorter_than_its_content_length_is_not_saved(server, tmp_path):
    target = tmp_path / "data" / "dev-v2.0.json"
    with pytest.raises(ConnectionError, match=r"was cut short: 5,000 of 10,000 bytes; nothing was written"):
        downloads.download_file(f"{server}/truncated", target, progress_bar=False, timeout=5)
    assert not target.parent.exists()


def test_an_html_page_with_status_200_is_not_saved_as_squad(server, tmp_path):
    target = tmp_path / "train-v2.0.json"
    with pytest.raises(ValueError, match="did not give train-v2.0.json: it is an HTML page"):
        downloads.download_file(f"{server}/html", target, progress_bar=False, timeout=5,
                                check=downloads.check_json)
    assert not target.exists()


def test_a_download_slower_than_the_time_limit_stops(server, tmp_path):
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=r"took longer than time_limit=0.3 s \(\d+ bytes received\)"):
        downloads.download_file(f"{server}/slow", tmp_path / "slow.bin", progress_bar=False, timeout=5,
                                time_limit=0.3)
    assert time.monotonic() - start < 1.5  # the whole body would take 2 s
    assert list(tmp_path.iterdir()) == []


def test_conll_and_unknown_tasks_explain_themselves(tmp_path):
    with pytest.raises(ValueError, match="CoNLL-2003 cannot be downloaded: its text is Reuters"):
        downloads.download_task_data("conll", tmp_path)
    with pytest.raises(ValueError, match="unknown task 'mnli'"):
        downloads.download_task_data("mnli", tmp_path)
