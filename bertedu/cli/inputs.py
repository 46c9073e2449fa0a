"""The files a learner passes on the command line: an error in one names it (and its line or key)
and says what is allowed, in one line, so that ``python -m bertedu`` prints it without a traceback.

Only the errors of reading files are translated (bad text, bad JSON, a folder for a file, a damaged
safetensors file); any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .. import hf
from ..corpus import decode_utf8
from ..tokenizer.vocab import load_vocab


@contextlib.contextmanager
def reading(option: str, path: str | os.PathLike) -> Iterator[None]:
    """Re-raise what goes wrong while reading ``path`` (passed as ``option``) as an error naming it."""
    name = f"{option} {path}"
    try:
        yield
    except UnicodeDecodeError as error:
        if Path(path).is_file():
            decode_utf8(Path(path).read_bytes(), name)  # raises the error that names the line
        raise ValueError(f"{name}: a file there is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}: not valid JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{name} is a folder; pass a file") from None
    except (ValueError, KeyError, OSError) as error:
        message = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        if str(path) in message:
            raise
        raise (type(error) if isinstance(error, OSError) else ValueError)(f"{name}: {message}") from None


def check_checkpoint_folder(folder: str | os.PathLike, option: str = "--model") -> None:
    """Read the checkpoint's config, vocabulary and weights before any work is done, so that a
    damaged file is reported at once (``bertedu.hf`` and ``load_vocab`` name the file and the fault)."""
    folder = Path(folder)
    hf.load_config(folder)
    if (folder / "vocab.txt").is_file():
        load_vocab(folder / "vocab.txt")
    hf.read_state_dict(folder)
