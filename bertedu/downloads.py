"""Fetching the full public fine-tuning datasets where there is a network (Colab, a connected laptop).

The paper fine-tunes on GLUE (section 4.1, SST-2 among its tasks), CoNLL-2003 NER (section 5.3)
and SQuAD v1.1 / v2.0 (sections 4.2 and 4.3). The course ships small samples of each in ``data/``;
these functions download the real files, in their original formats, into a folder of your choice,
so that ``bertedu.finetuning.glue.read_glue_tsv`` and ``bertedu.finetuning.squad.read_squad`` (or ``python -m bertedu
finetune --train ... --eval ...``) read them. Nothing here runs unless you call it: the tests and
the offline lessons never download.

- SST-2 comes from GLUE's zip archive (the train and dev TSVs; the test split has no labels).
- SQuAD comes from its authors' site, v2.0 (with unanswerable questions) or v1.1.
- CoNLL-2003 cannot be downloaded: its text is Reuters news, distributed by NIST under a licence
  agreement, so there is no official public file; get it from its distributor and pass the path.
- Sentence polarity (the ``polarity`` task, shipped in ``data/``), the movie reviews and the
  presidential speeches (the sources of ``data/pretraining/``) come from NLTK's data index, or the
  first two from Cornell's original archives (``original=True``); ``bertedu.archives`` says what
  each must hold and unpacks it safely.

Nothing wrong lands under a data file's name. A download is held in memory until it is complete
(as many bytes as the server's Content-Length, within an overall time limit), parses (JSON, or an
archive whose members read and hold what they should), and matches the published size and SHA-256 of
the known files; only then is it written (``bertedu.files.write_files``: atomic). A file already in the folder is used if
it passes the same checks, and fetched again if it does not.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from .archives import CORPORA, ORIGINALS
from .files import write_files
from .finetuning.glue import parse_glue_tsv
from .finetuning.polarity import read_sentence_polarity, split_polarity, write_polarity_splits

SST2_URL = "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip"
SST2_MEMBERS = {"train": "SST-2/train.tsv", "dev": "SST-2/dev.tsv"}  # inside the zip
SQUAD_URL = "https://rajpurkar.github.io/SQuAD-explorer/dataset/"
SQUAD_FILES = {"2.0": {"train": "train-v2.0.json", "dev": "dev-v2.0.json"},
               "1.1": {"train": "train-v1.1.json", "dev": "dev-v1.1.json"}}
# File name -> (bytes, SHA-256) of the published files, as Hugging Face `datasets` records them in
# the "download_checksums" of github.com/huggingface/datasets, datasets/glue/dataset_infos.json (SST-2)
# and datasets/squad/ and datasets/squad_v2/dataset_infos.json (SQuAD); ParlAI's SQuAD 2.0 build
# script and torchtext-era pipelines pin the same SHA-256 values.
KNOWN_FILES = {
    "SST-2.zip": (7_439_277, "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa"),
    "train-v1.1.json": (30_288_272, "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955"),
    "dev-v1.1.json": (4_854_279, "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"),
    "train-v2.0.json": (42_123_633, "68dcfbb971bd3e96d5b46c7177b16c1a4e7d4bdef19fb204502738552dede002"),
    "dev-v2.0.json": (4_370_528, "80a5225e94905956a6446d296ca1093975c4d3b3260f1d6c8f68bc2ab77182d8"),
}
CONLL_NOTE = ("CoNLL-2003 cannot be downloaded: its text is Reuters news under a licence agreement "
              "(https://trec.nist.gov/data/reuters/reuters.html), so there is no public copy to fetch. "
              "Get eng.train / eng.testa from the distributor (or a copy you are licensed to use) and "
              "pass the paths: --train eng.train --eval eng.testa")


def fetch(url: str, timeout: float = 60.0, time_limit: float = 3600.0, progress_bar: bool = False,
          name: str = "") -> bytes:
    """The bytes at ``url``, all of them: a body shorter than its Content-Length, or a download
    that takes longer than ``time_limit`` seconds in all (``timeout`` bounds each wait for data), is
    a ``ConnectionError``."""
    deadline, chunks, received = time.monotonic() + time_limit, [], 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            expected = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=expected, unit="B", unit_scale=True, desc=name, disable=not progress_bar) as bar:
                while chunk := response.read1(1 << 20):  # what has arrived, so the deadline is checked often
                    chunks.append(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the download took longer than time_limit={time_limit:g} s "
                                           f"({received:,} bytes received)")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise ConnectionError(f"could not download {url} ({error})") from None
    if expected is not None and received != expected:
        raise ConnectionError(f"the download of {url} was cut short: {received:,} of {expected:,} bytes")
    return b"".join(chunks)


def check_known_file(name: str, data: bytes) -> None:
    """A file of ``KNOWN_FILES`` must have its published size and SHA-256 (other names: no check)."""
    if name not in KNOWN_FILES:
        return
    size, sha256 = KNOWN_FILES[name]
    if len(data) != size:
        raise ValueError(f"{len(data):,} bytes where the published {name} has {size:,}")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"its SHA-256 is not the published {name}'s ({sha256})")


def check_json(data: bytes) -> None:
    """A SQuAD file: a JSON object with a 'data' list (an HTML error page is not)."""
    if data.lstrip()[:1] == b"<":
        raise ValueError("it is an HTML page (an error or login page?), not the JSON file")
    try:
        parsed = json.loads(data)
    except ValueError as error:  # also not UTF-8
        raise ValueError(f"it is not JSON ({error})") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), list):
        raise ValueError("it is not a SQuAD file: no 'data' list of articles")


def sst2_members(data: bytes) -> dict[str, bytes]:
    """The train and dev TSVs inside GLUE's SST-2.zip, checked: they are there, intact and parse."""
    if data.lstrip()[:1] == b"<":
        raise ValueError("it is an HTML page (an error or login page?), not the zip archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            # Read the named members only: a name inside an archive never chooses where we write.
            members = {split: zipped.read(member) for split, member in SST2_MEMBERS.items()}
        for member in members.values():
            parse_glue_tsv(member.decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ValueError(f"it is not GLUE's SST-2 archive ({error})") from None
    return members


def download_file(url: str, target: str | os.PathLike, progress_bar: bool = True, timeout: float = 60.0,
                  time_limit: float = 3600.0, check: Callable[[bytes], object] | None = None) -> Path:
    """Download ``url`` to ``target`` unless a good copy is there; return ``target``.

    Good means: complete (``fetch``), accepted by ``check(data)`` (which raises ``ValueError``
    otherwise) and, for a file of ``KNOWN_FILES``, of the published size and SHA-256. A bad download
    is a ``ValueError`` and writes nothing; a failure to write the file is an ``OSError`` that says so.
    """
    target = Path(target)

    def verify(data: bytes) -> None:
        if check is not None:
            check(data)
        check_known_file(target.name, data)

    if target.is_file():
        try:
            verify(target.read_bytes())
            return target
        except ValueError:
            pass  # a damaged or partial copy from before: fetch it again
    try:
        data = fetch(url, timeout, time_limit, progress_bar, target.name)
    except ConnectionError as error:
        raise ConnectionError(f"{error}; nothing was written: try again, or (without a network) download "
                              f"it yourself and put it at {target}") from None
    try:
        verify(data)
    except ValueError as error:
        raise ValueError(f"{url} did not give {target.name}: {error}; nothing was written, try again "
                         f"or download it yourself and put it at {target}") from None
    return _write({target: data})[0]


def _write(contents: dict[Path, bytes]) -> list[Path]:
    """``write_files``, with a failure reported as what it is: a disk error, not a download error."""
    try:
        return write_files(contents)
    except OSError as error:
        folder = next(iter(contents)).parent
        raise OSError(f"downloaded, but could not write to {folder}: {error.strerror or error} (a disk "
                      "error, not a download error: check the free space and permissions there)") from None


def download_sst2(folder: str | os.PathLike, progress_bar: bool = True) -> dict[str, Path]:
    """GLUE's SST-2 train and dev TSVs in ``folder``: {"train": path, "dev": path}."""
    folder = Path(folder)
    paths = {split: folder / Path(member).name for split, member in SST2_MEMBERS.items()}
    try:
        for path in paths.values():
            parse_glue_tsv(path.read_text(encoding="utf-8"))
        return paths
    except (OSError, ValueError):  # missing, partial or damaged: unpack them (again)
        pass
    archive = download_file(SST2_URL, folder / "SST-2.zip", progress_bar, check=sst2_members)
    members = sst2_members(archive.read_bytes())
    _write({paths[split]: member for split, member in members.items()})
    return paths


def download_squad(folder: str | os.PathLike, version: str = "2.0",
                   progress_bar: bool = True) -> dict[str, Path]:
    """SQuAD's train and dev JSON files (v2.0 or v1.1) in ``folder``: {"train": path, "dev": path}."""
    if version not in SQUAD_FILES:
        raise ValueError(f"SQuAD version must be one of {', '.join(SQUAD_FILES)}, got {version!r}")
    return {split: download_file(SQUAD_URL + name, Path(folder) / name, progress_bar, check=check_json)
            for split, name in SQUAD_FILES[version].items()}


def download_corpus(name: str, folder: str | os.PathLike, progress_bar: bool = True,
                    original: bool = False) -> Path:
    """The corpus ``name`` (see ``bertedu.archives.CORPORA``) unpacked in ``folder/name``, its archive
    kept in ``folder``; ``original=True``: from Cornell's archive (``ORIGINALS``). A copy already
    there is used if it passes the same checks."""
    sources = ORIGINALS if original else CORPORA
    if name not in sources:
        raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(sources)}")
    corpus, target = sources[name], Path(folder) / name
    if corpus.is_unpacked_in(target):
        return target
    archive = download_file(corpus.url, Path(folder) / corpus.file_name, progress_bar, check=corpus.unpack)
    _write({target / path: data for path, data in corpus.unpack(archive.read_bytes()).items()})
    return target


def download_sentence_polarity(folder: str | os.PathLike, progress_bar: bool = True,
                               original: bool = False) -> Path:
    """Pang & Lee's 10,662 snippets: ``folder/sentence_polarity/rt-polarity.{neg,pos}``. SST was
    built from them: never pretrain on them a model that is scored on SST-2."""
    return download_corpus("sentence_polarity", folder, progress_bar, original)


def download_movie_reviews(folder: str | os.PathLike, progress_bar: bool = True,
                           original: bool = False) -> Path:
    """Pang & Lee's 2,000 reviews (polarity v2.0): ``folder/movie_reviews/{neg,pos}/cv*.txt``."""
    return download_corpus("movie_reviews", folder, progress_bar, original)


def download_pretraining_corpora(folder: str | os.PathLike, progress_bar: bool = True) -> dict[str, Path]:
    """The sources of ``data/pretraining/``: movie reviews, State of the Union and inaugural addresses
    in ``folder``; ``python data/make_pretraining_corpus.py --datasets FOLDER`` builds the corpus."""
    return {name: download_corpus(name, folder, progress_bar)
            for name in ("movie_reviews", "state_union", "inaugural")}


def download_task_data(task: str, folder: str | os.PathLike, progress_bar: bool = True) -> dict[str, Path]:
    """The full data of a fine-tuning task ("sst2", "squad", "polarity"): {"train": path, "dev": path}
    (polarity: also "test"; the course's split, ``bertedu.finetuning.polarity.split_polarity``)."""
    if task == "sst2":
        return download_sst2(folder, progress_bar)
    if task == "squad":
        return download_squad(folder, progress_bar=progress_bar)
    if task == "polarity":
        examples = read_sentence_polarity(download_sentence_polarity(folder, progress_bar))
        return write_polarity_splits(split_polarity(examples), folder)
    if task == "conll":
        raise ValueError(CONLL_NOTE)
    raise ValueError(f"unknown task {task!r}; choose sst2, squad, polarity or conll")
