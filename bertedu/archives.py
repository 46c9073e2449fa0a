"""The public corpora as their archives hold them: where each is, which files the course takes from
it, what those must hold, and unpacking them without trusting the archive.

An archive from the network is untrusted input. ``archive_members`` reads a zip or a tar (plain or
compressed) in memory and refuses the whole archive if a member's name could lead out of a folder
(an absolute path, a ``..`` part, a backslash) or a member is not a plain file or folder (a link,
a device); it never extracts anything itself. A ``CorpusArchive`` then keeps the members whose path
ends in its ``members`` pattern, names each file by what the pattern matched (the archive's other
names never choose where a file lands), and checks them:

- structure: how many files each folder holds, and (``lines``) how many non-empty lines each file has;
- bytes, where pinned (``sha256``): ``files_sha256`` of the files, one SHA-256 over the SHA-256 of
  every file sorted by path; in the corpus folder ``LC_ALL=C sha256sum FILES | sha256sum`` prints it.

The pins are those of the copies the course's ``data/`` was built from, NLTK's (the folders of
``../shared/datasets``); they were not checked against a live download. Cornell's original archives
(``ORIGINALS``) hold other bytes (Windows-1252 text, DOS line ends), so they are checked for
structure only. The tests build their archives in memory; none touches the network.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

NLTK_URL = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/"
CORNELL_URL = "http://www.cs.cornell.edu/people/pabo/movie-review-data/"
SPEECH = r"\d{4}-[\w-]+\.txt"  # 1945-Truman.txt, 1965-Johnson-1.txt


def check_member_name(name: str) -> str:
    """``name`` as a relative POSIX path ("./a//b" -> "a/b"; "./" -> "."); a ``ValueError`` if it
    could lead out of a folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ValueError(f"the member {name!r} would land outside the folder: the archive is refused")
    return path.as_posix()


def _add(members: dict[str, bytes], name: str, data: bytes) -> None:
    if name in members:
        raise ValueError(f"the member {name!r} is there twice: the archive is refused")
    members[name] = data


def archive_members(data: bytes) -> dict[str, bytes]:
    """The plain files in a zip or tar archive (plain, gzip, bzip2 or xz), by their path in it."""
    if data.lstrip()[:1] == b"<":
        raise ValueError("it is an HTML page (an error or login page?), not an archive")
    members: dict[str, bytes] = {}
    try:
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as zipped:
                for info in zipped.infolist():
                    name = check_member_name(info.filename)
                    if stat.S_ISLNK(info.external_attr >> 16):
                        raise ValueError(f"the member {name!r} is a symbolic link: the archive is refused")
                    if not info.is_dir():
                        _add(members, name, zipped.read(info))  # checks the CRC
            return members
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                name = check_member_name(member.name)
                if member.isfile():
                    _add(members, name, tar.extractfile(member).read())
                elif not member.isdir():
                    raise ValueError(f"the member {name!r} is a link or a device: the archive is refused")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as error:
        reason = str(error).splitlines()[0].rstrip(":") or type(error).__name__  # tarfile's run over lines
        raise ValueError(f"it is not a readable zip or tar archive, or it is cut short ({reason})") from None
    return members


def files_sha256(files: dict[str, bytes]) -> str:
    """One SHA-256 for a set of files: that of their ``sha256sum`` listing, sorted by path."""
    listing = "".join(f"{hashlib.sha256(files[path]).hexdigest()}  {path}\n" for path in sorted(files))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} file{'s' * (n != 1)}" + ("" if folder == "." else f" in {folder}/")
                     for folder, n in sorted(counts.items()))


@dataclass(frozen=True)
class CorpusArchive:
    """A corpus in an archive at ``url``: its files are the members whose path ends in the pattern
    ``members`` (after a "/"), named by that part; ``counts`` gives the files each folder of the
    corpus holds ("." is its top); ``lines``, if set, the non-empty lines every file has; ``sha256``,
    if set, the pin of the files (``files_sha256``)."""

    url: str
    members: str
    counts: dict[str, int] = field(hash=False)
    lines: int | None = None
    sha256: str | None = None

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def select(self, members: dict[str, bytes]) -> dict[str, bytes]:
        """The corpus's files among an archive's members, by their path in the corpus folder."""
        pattern, files = re.compile(rf"(?:^|/)({self.members})$"), {}
        for name, data in members.items():
            match = pattern.search(name)
            if match:
                _add(files, match[1], data)
        return files

    def check(self, files: dict[str, bytes]) -> None:
        """A ``ValueError`` that says what is wrong unless ``files`` are what the corpus holds."""
        counts = dict(Counter(str(PurePosixPath(path).parent) for path in files))
        if counts != self.counts:
            raise ValueError(f"it holds {describe(counts) or 'no file'} of the corpus where "
                             f"{describe(self.counts)} were expected")
        if self.lines is not None:
            for path, data in sorted(files.items()):
                lines = sum(1 for line in data.split(b"\n") if line.strip())  # any encoding, \n or \r\n
                if lines != self.lines:
                    raise ValueError(f"{path} has {lines:,} non-empty lines where {self.lines:,} were expected")
        if self.sha256 is not None and files_sha256(files) != self.sha256:
            raise ValueError(f"its files are not the pinned ones (files_sha256 is not {self.sha256}): "
                             "damaged, or changed since bertedu pinned them")

    def unpack(self, data: bytes) -> dict[str, bytes]:
        """The corpus's files in the archive ``data``, checked."""
        files = self.select(archive_members(data))
        self.check(files)
        return files

    def read_folder(self, folder: str | os.PathLike) -> dict[str, bytes]:
        """The corpus's files in an unpacked copy (to ``check`` it), by their path in ``folder``."""
        folder = Path(folder)
        paths = sorted(path for path in folder.rglob("*") if path.is_file() and not path.is_symlink())
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in paths
                if re.fullmatch(self.members, path.relative_to(folder).as_posix())}

    def is_unpacked_in(self, folder: str | os.PathLike) -> bool:
        """Whether ``folder`` holds the corpus's files and they pass ``check``."""
        try:
            self.check(self.read_folder(folder))
        except ValueError:  # missing, partial or damaged
            return False
        return True


PINS = {  # files_sha256 of NLTK's copies, which the course's data/ was built from
    "sentence_polarity": "3f8074211d6e65b28ade61b46f27c162d522ca8684e3a8ec99c1b70f83294e14",
    "movie_reviews": "ec027a1aca6869cbd47c215bb590d072a988eab62c5f12262659c57a1a9f2cdb",
    "state_union": "cc54f8b40e374036a1ec6a3534b86829886f6e1687eebcd43ed0363b6b88b508",
    "inaugural": "d92a6b2b2490002d4a5564ceeec821f91d09ed5552d76012c7e783f463350fb9",
}
CORPORA = {  # from NLTK's data index, byte-pinned
    "sentence_polarity": CorpusArchive(NLTK_URL + "sentence_polarity.zip", r"rt-polarity\.(?:neg|pos)",
                                       {".": 2}, lines=5_331, sha256=PINS["sentence_polarity"]),
    "movie_reviews": CorpusArchive(NLTK_URL + "movie_reviews.zip", r"(?:neg|pos)/cv\d{3}_\d+\.txt",
                                   {"neg": 1_000, "pos": 1_000}, sha256=PINS["movie_reviews"]),
    "state_union": CorpusArchive(NLTK_URL + "state_union.zip", SPEECH, {".": 65}, sha256=PINS["state_union"]),
    "inaugural": CorpusArchive(NLTK_URL + "inaugural.zip", SPEECH, {".": 59}, sha256=PINS["inaugural"]),
}
ORIGINALS = {  # Pang & Lee's own archives at Cornell: the same snippets and reviews in other bytes
    "sentence_polarity": replace(CORPORA["sentence_polarity"], url=CORNELL_URL + "rt-polaritydata.tar.gz",
                                 sha256=None),
    "movie_reviews": replace(CORPORA["movie_reviews"], url=CORNELL_URL + "review_polarity.tar.gz", sha256=None),
}
