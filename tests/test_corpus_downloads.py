"""Downloading the sentiment and speech corpora (``bertedu.downloads`` over ``bertedu.archives``) with
``fetch`` replaced by archives built here in memory: a good archive lands where the data scripts
read it; a damaged one, one with the wrong files or lines, or one whose members reach out of the
folder or are links, is refused and writes nothing. No test touches the network."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import PurePosixPath

import pytest

from bertedu import archives, downloads
from bertedu.archives import CORPORA, ORIGINALS, files_sha256
from bertedu.course import REPO_ROOT
from bertedu.finetuning.glue import read_glue_tsv
from bertedu.finetuning.polarity import read_sentence_polarity, split_polarity

SHARED = REPO_ROOT.parent / "shared" / "datasets"


def zip_bytes(members: dict[str, bytes], links: dict[str, str] = {}) -> bytes:  # noqa: B006
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16  # a symbolic link, as Info-ZIP stores one
            zipped.writestr(info, target)
    return buffer.getvalue()


def tar_bytes(members: dict[str, bytes], links: dict[str, str] = {}) -> bytes:  # noqa: B006
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


def snippets(label: str, n: int = 5_331) -> bytes:
    return "".join(f"snippet {i} , {label} . \n" for i in range(n)).encode()


POLARITY = {"sentence_polarity/rt-polarity.neg": snippets("dull"), "sentence_polarity/rt-polarity.pos": snippets("fine"),
            "sentence_polarity/README.txt": b"Sentence Polarity Dataset 1.0\n"}
REVIEWS = {f"movie_reviews/{label}/cv{i:03d}_{i + 10_000}.txt": f"review {i} , {label} .\n".encode()
           for label in ("neg", "pos") for i in range(8)}  # 1,000 each in the real corpus
SPEECHES = {"state_union": {f"state_union/{1945 + i}-President.txt": f"Address {i}.\n".encode() for i in range(6)},
            "inaugural": {f"inaugural/{1789 + 4 * i}-President.txt": f"Address {i}.\n".encode() for i in range(5)}}


@pytest.fixture
def served(monkeypatch):
    """``fetch`` answers from this dict {url: bytes} and lists the URLs in "fetched"; each corpus is
    pinned to what the test serves (the real pins are those of the real files), and but for sentence
    polarity its file counts are the test's (a few files: each is written with an fsync)."""
    served, fetched = {}, []

    def fetch(url, *args, **kwargs):
        fetched.append(url)
        return served[url]

    monkeypatch.setattr(downloads, "fetch", fetch)
    for name, members in (("sentence_polarity", POLARITY), ("movie_reviews", REVIEWS), *SPEECHES.items()):
        corpus = CORPORA[name]
        files = corpus.select(members)
        counts = dict(Counter(str(PurePosixPath(path).parent) for path in files))
        assert name != "sentence_polarity" or counts == corpus.counts
        monkeypatch.setitem(CORPORA, name, replace(corpus, counts=counts, sha256=files_sha256(files)))
        served[corpus.url] = zip_bytes(members)
    served["fetched"] = fetched
    return served


def test_polarity_task_data_is_the_courses_split_of_the_downloaded_snippets(served, tmp_path):
    paths = downloads.download_task_data("polarity", tmp_path, progress_bar=False)
    assert sorted(paths) == ["dev", "test", "train"] and paths["dev"] == tmp_path / "dev.tsv.gz"
    assert sorted(p.name for p in (tmp_path / "sentence_polarity").iterdir()) == ["rt-polarity.neg", "rt-polarity.pos"]
    assert (tmp_path / "sentence_polarity" / "rt-polarity.pos").read_bytes() == POLARITY["sentence_polarity/rt-polarity.pos"]
    expected = split_polarity(read_sentence_polarity(tmp_path / "sentence_polarity"))
    assert {name: read_glue_tsv(path) for name, path in paths.items()} == expected
    assert [len(expected[name]) for name in ("train", "dev", "test")] == [8_662, 1_000, 1_000]
    assert served["fetched"] == [CORPORA["sentence_polarity"].url]
    (tmp_path / "sentence_polarity.zip").unlink()  # the unpacked copy is good: nothing is fetched again
    assert downloads.download_sentence_polarity(tmp_path, progress_bar=False) == tmp_path / "sentence_polarity"
    assert len(served["fetched"]) == 1


def test_a_damaged_unpacked_copy_is_unpacked_again_from_the_kept_archive(served, tmp_path):
    folder = downloads.download_movie_reviews(tmp_path, progress_bar=False)
    (folder / "pos" / "cv007_10007.txt").unlink()
    (folder / "neg" / "cv001_10001.txt").write_text("changed\n")
    assert downloads.download_movie_reviews(tmp_path, progress_bar=False) == folder
    assert (folder / "neg" / "cv001_10001.txt").read_bytes() == REVIEWS["movie_reviews/neg/cv001_10001.txt"]
    assert (folder / "pos" / "cv007_10007.txt").is_file() and len(served["fetched"]) == 1


def test_the_pretraining_corpora_land_as_the_corpus_script_reads_them(served, tmp_path):
    folders = downloads.download_pretraining_corpora(tmp_path, progress_bar=False)
    assert folders == {name: tmp_path / name for name in ("movie_reviews", "state_union", "inaugural")}
    assert len(list((tmp_path / "movie_reviews").glob("[np][eo][gs]/*.txt"))) == 16
    assert len(list((tmp_path / "state_union").glob("*.txt"))) == 6
    assert (tmp_path / "inaugural" / "1789-President.txt").read_text() == "Address 0.\n"
    assert served["fetched"] == [CORPORA[name].url for name in folders]


def test_cornells_original_archive_is_checked_by_structure_and_read_in_windows_1252(monkeypatch, tmp_path):
    neg = b"".join(b"caf\xe9 snippet %d \x97 flat . \r\n" % i for i in range(5_331))
    pos = snippets("fine")
    archive = tar_bytes({"rt-polaritydata.README.1.0.txt": b"readme", "rt-polaritydata/rt-polarity.neg": neg,
                         "rt-polaritydata/rt-polarity.pos": pos})
    monkeypatch.setattr(downloads, "fetch", lambda url, *args: {ORIGINALS["sentence_polarity"].url: archive}[url])
    folder = downloads.download_sentence_polarity(tmp_path, progress_bar=False, original=True)
    assert (folder / "rt-polarity.neg").read_bytes() == neg  # as published
    assert read_sentence_polarity(folder)[2] == ("café snippet 2 — flat .", 0)
    assert (tmp_path / "rt-polaritydata.tar.gz").read_bytes() == archive


POS = "sentence_polarity/rt-polarity.pos"
BAD_ARCHIVES = {
    "damaged": (zip_bytes(POLARITY)[:-200], "it is not a readable zip or tar archive, or it is cut short"),
    "html": (b"<!DOCTYPE html><html>Not Found</html>", r"it is an HTML page \(an error or login page\?\)"),
    "a file missing": (zip_bytes({k: v for k, v in POLARITY.items() if k != POS}),
                       "it holds 1 file of the corpus where 2 files were expected"),
    "a line missing": (zip_bytes({**POLARITY, POS: snippets("fine", 5_330)}),
                       "rt-polarity.pos has 5,330 non-empty lines where 5,331 were expected"),
    "other bytes": (zip_bytes({**POLARITY, POS: snippets("good")}), "its files are not the pinned ones"),
    "dot-dot": (tar_bytes({**POLARITY, "sentence_polarity/../../evil.txt": b"x"}),
                r"the member 'sentence_polarity/../../evil.txt' would land outside the folder"),
    "absolute": (zip_bytes({**POLARITY, "/tmp/evil.txt": b"x"}), "the member '/tmp/evil.txt' would land outside"),
    "tar symlink": (tar_bytes(POLARITY, {"sentence_polarity/link": "/etc/passwd"}),
                    "the member 'sentence_polarity/link' is a link or a device"),
    "zip symlink": (zip_bytes(POLARITY, {"sentence_polarity/link": "/etc/passwd"}),
                    "the member 'sentence_polarity/link' is a symbolic link"),
    "twice": (zip_bytes({**POLARITY, "other/rt-polarity.pos": POLARITY[POS]}),
              "the member 'rt-polarity.pos' is there twice"),
}


@pytest.mark.parametrize("kind", BAD_ARCHIVES)
def test_a_bad_archive_is_refused_and_nothing_is_written(served, tmp_path, kind):
    archive, message = BAD_ARCHIVES[kind]
    served[CORPORA["sentence_polarity"].url] = archive
    with pytest.raises(ValueError, match=f"did not give sentence_polarity.zip: {message}.*nothing was written"):
        downloads.download_task_data("polarity", tmp_path / "data", progress_bar=False)
    assert list(tmp_path.iterdir()) == []


def test_unknown_corpora_and_originals_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown corpus 'wikitext'; choose one of sentence_polarity, movie_reviews"):
        downloads.download_corpus("wikitext", tmp_path)
    with pytest.raises(ValueError, match="unknown corpus 'state_union'; choose one of sentence_polarity, movie_"):
        downloads.download_corpus("state_union", tmp_path, original=True)
    assert archives.check_member_name("./a//b.txt") == "a/b.txt" and archives.check_member_name("./") == "."


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs the copies in ../shared/datasets")
@pytest.mark.parametrize("name", list(CORPORA))
def test_the_pins_are_those_of_the_copies_the_course_was_built_from(name):
    corpus = CORPORA[name]
    corpus.check(corpus.read_folder(SHARED / name))  # counts, lines and the byte pin
