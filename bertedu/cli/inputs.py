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

from safetensors import SafetensorError, safe_open

from ..config import BertConfig
from ..corpus import decode_utf8

JSON_FILES = ("config.json", "tokenizer_config.json", "tokenizer.json")  # in a checkpoint folder


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
    """A checkpoint folder's JSON files are JSON objects (config.json of valid BertConfig values),
    its vocab.txt is UTF-8 text and its model.safetensors opens; each failure names the file."""
    folder = Path(folder)
    for path in (folder / name for name in JSON_FILES):
        if path.is_file():
            with reading(option, path):
                values = json.loads(path.read_bytes())
                if not isinstance(values, dict):
                    raise ValueError("must hold a JSON object ({...}) of named settings")
                if path.name == "config.json":
                    BertConfig.from_dict(values, warn_unknown=False)
    if (folder / "vocab.txt").is_file():
        decode_utf8((folder / "vocab.txt").read_bytes(), f"{option} {folder / 'vocab.txt'}")
    weights = folder / "model.safetensors"
    if weights.is_file():
        try:
            with safe_open(weights, "pt"):
                pass
        except SafetensorError as error:
            raise ValueError(f"{option} {weights} is damaged or not a safetensors file ({error}); "
                             "download or copy it again") from None
