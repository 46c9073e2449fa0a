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

Each file is written atomically (``.part`` first, then renamed) and skipped when it is already
there, so a broken connection never leaves a half file that a reader would take for the data.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tqdm.auto import tqdm

SST2_URL = "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip"
SST2_MEMBERS = {"train": "SST-2/train.tsv", "dev": "SST-2/dev.tsv"}  # inside the zip
SQUAD_URL = "https://rajpurkar.github.io/SQuAD-explorer/dataset/"
SQUAD_FILES = {"2.0": {"train": "train-v2.0.json", "dev": "dev-v2.0.json"},
               "1.1": {"train": "train-v1.1.json", "dev": "dev-v1.1.json"}}
CONLL_NOTE = ("CoNLL-2003 cannot be downloaded: its text is Reuters news under a licence agreement "
              "(https://trec.nist.gov/data/reuters/reuters.html), so there is no public copy to fetch. "
              "Get eng.train / eng.testa from the distributor (or a copy you are licensed to use) and "
              "pass the paths: --train eng.train --eval eng.testa")


def download_file(url: str, target: str | os.PathLike, progress_bar: bool = True,
                  timeout: float = 60.0) -> Path:
    """Download ``url`` to ``target`` (skipped if it exists); atomic, with a progress bar."""
    target = Path(target)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as file:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name,
                      disable=not progress_bar) as bar:
                while chunk := response.read(1 << 20):
                    file.write(chunk)
                    bar.update(len(chunk))
        os.replace(partial, target)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise ConnectionError(f"could not download {url} ({error}); without a network, download it "
                              f"yourself and put it at {target}") from None
    return target


def download_sst2(folder: str | os.PathLike, progress_bar: bool = True) -> dict[str, Path]:
    """GLUE's SST-2 train and dev TSVs in ``folder``: {"train": path, "dev": path}."""
    folder = Path(folder)
    paths = {split: folder / Path(member).name for split, member in SST2_MEMBERS.items()}
    if all(path.is_file() for path in paths.values()):
        return paths
    archive = download_file(SST2_URL, folder / "SST-2.zip", progress_bar)
    try:
        with zipfile.ZipFile(archive) as zipped:
            for split, member in SST2_MEMBERS.items():
                partial = paths[split].with_name(paths[split].name + ".part")
                # Copy the named members only: a name inside an archive never chooses where we write.
                with zipped.open(member) as source, open(partial, "wb") as file:
                    shutil.copyfileobj(source, file)
                os.replace(partial, paths[split])
    except (zipfile.BadZipFile, KeyError) as error:
        archive.unlink(missing_ok=True)  # a damaged download: fetch it again next time
        raise ValueError(f"{SST2_URL} did not give GLUE's SST-2 archive ({error}); try again") from None
    return paths


def download_squad(folder: str | os.PathLike, version: str = "2.0",
                   progress_bar: bool = True) -> dict[str, Path]:
    """SQuAD's train and dev JSON files (v2.0 or v1.1) in ``folder``: {"train": path, "dev": path}."""
    if version not in SQUAD_FILES:
        raise ValueError(f"SQuAD version must be one of {', '.join(SQUAD_FILES)}, got {version!r}")
    return {split: download_file(SQUAD_URL + name, Path(folder) / name, progress_bar)
            for split, name in SQUAD_FILES[version].items()}


def download_task_data(task: str, folder: str | os.PathLike, progress_bar: bool = True) -> dict[str, Path]:
    """The full data of a fine-tuning task ("sst2", "squad"): {"train": path, "dev": path}."""
    if task == "sst2":
        return download_sst2(folder, progress_bar)
    if task == "squad":
        return download_squad(folder, progress_bar=progress_bar)
    if task == "conll":
        raise ValueError(CONLL_NOTE)
    raise ValueError(f"unknown task {task!r}; choose sst2, squad or conll")
