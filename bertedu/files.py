"""Writing files so that nothing is lost: atomic replacement, and one run per folder.

Reading: ``read_utf8`` gives a text file's contents or an error that names the file and the line
of a byte that is not UTF-8. ``gzip_bytes`` compresses data the same way every time (no timestamp).

A checkpoint can be hours of work. A crash, a full disk or a second run writing into the same
folder must never leave a half-written file where a whole one was, nor a config.json that belongs to
other weights. Every file bertedu writes goes through ``write_files``:

1. each file is first written in full to a temporary file beside its target (same folder, so the
   rename below stays on one file system), created with mode 0o666 so that the process umask gives
   it the usual permissions;
2. only when *every* temporary is complete (flushed to disk) are they renamed over their targets.
   A rename replaces a symbolic link itself, never the file it points to.

So a failure while writing (disk full, an exception in a writer, Ctrl-C) leaves all targets as they
were, and a checkpoint's config.json and weights are replaced together. ``run_folder`` holds an
exclusive lock on an output folder for a whole run (``fcntl.flock``), so two runs cannot interleave
their files, and removes the temporaries a killed run left behind.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Union

TEMPORARY_SUFFIX = ".bertedu-tmp"
LOCK_NAME = ".bertedu.lock"

# What a file holds: text, bytes, or a function that writes into the open binary file.
Content = Union[str, bytes, Callable[[IO[bytes]], None]]


def _temporary_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}{TEMPORARY_SUFFIX}")


def _write_one(path: Path, content: Content) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    with os.fdopen(fd, "wb") as file:
        if isinstance(content, str):
            file.write(content.encode("utf-8"))
        elif isinstance(content, bytes):
            file.write(content)
        else:
            content(file)
        file.flush()
        os.fsync(file.fileno())


def write_files(contents: Mapping[str | os.PathLike, Content]) -> list[Path]:
    """Write every file to a temporary beside it, then rename all of them into place.

    Either every target is replaced or (on any error before the renames) none is. Returns the paths.
    """
    targets = {Path(path): content for path, content in contents.items()}
    temporaries: dict[Path, Path] = {}
    try:
        for target, content in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporaries[target] = _temporary_for(target)
            _write_one(temporaries[target], content)
        for target, temporary in temporaries.items():
            os.replace(temporary, target)
    except BaseException:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        raise
    return list(targets)


def write_file(path: str | os.PathLike, content: Content) -> Path:
    """Atomically replace one file (see ``write_files``)."""
    return write_files({path: content})[0]


def read_utf8(path: str | os.PathLike, what: str = "file") -> str:
    """The text of a UTF-8 file (newlines as ``\\n``); an error names the file, and the line of a
    byte that is not UTF-8. A ``.gz`` file is read decompressed."""
    path = Path(path)
    if path.is_dir():
        suffixes = sorted({child.suffix for child in path.iterdir() if child.is_file() and child.suffix}) or [".txt"]
        example = ", ".join(str(path / ("*" + suffix)) for suffix in suffixes[:3])
        raise IsADirectoryError(f"{what} {path} is a folder; pass the files in it (e.g. {example})")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} not found")
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return decode_utf8(data, f"{what} {path}")


def decode_utf8(data: bytes, name: str) -> str:
    """``data`` as text, universal newlines as ``open`` reads them; ``name`` is the file in errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(f"{name}, line {line}: byte 0x{data[error.start]:02x} is not UTF-8; save the "
                         "file as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzip-compressed without a timestamp or a file name in the header, so that the same data
    always give the same bytes (with the same zlib): shipped ``.gz`` files rebuild byte for byte."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9, filename="") as file:
        file.write(data)
    return buffer.getvalue()


def read_json(path: str | os.PathLike, what: str = "file"):
    """A JSON file's value; an error names the file and where the JSON breaks."""
    try:
        return json.loads(read_utf8(path, what))
    except json.JSONDecodeError as error:
        raise ValueError(f"{what} {path} is not valid JSON ({error.msg} at line {error.lineno}, column "
                         f"{error.colno})") from None


def json_text(values) -> str:
    """The JSON text bertedu writes (indented, one trailing newline)."""
    return json.dumps(values, indent=2) + "\n"


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporaries that a killed write left in ``folder`` and its subfolders (call it
    while holding the folder's lock)."""
    removed = []
    for path in Path(folder).rglob(f".*{TEMPORARY_SUFFIX}"):  # checkpoint/ included
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@contextlib.contextmanager
def run_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` for the duration of a run (POSIX; a no-op elsewhere).

    A second run on the same folder fails at once with a clear error instead of interleaving its
    files with the first one's. The lock dies with the process, so a killed run never blocks the next.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one run per folder is then the user's care
        yield folder
        return
    with open(folder / LOCK_NAME, "a+b") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlockingIOError(f"{folder} is in use by another run (it holds {folder / LOCK_NAME}); "
                               "wait for it to finish or choose another --output") from None
        try:
            remove_stale_temporaries(folder)
            yield folder
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
