"""bertedu.files: atomic writes (all or nothing, umask permissions, links replaced not followed),
stale temporaries cleaned up, one run per folder, and the error for a folder passed as a file."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest

from bertedu.files import (
    TEMPORARY_SUFFIX,
    read_json,
    read_utf8,
    remove_stale_temporaries,
    run_folder,
    write_file,
    write_files,
)


def test_write_files_replaces_all_or_none(tmp_path):
    write_files({tmp_path / "a.json": "old a", tmp_path / "b.bin": b"old b"})

    def fails(file):
        file.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_files({tmp_path / "a.json": "new a", tmp_path / "b.bin": fails})
    assert (tmp_path / "a.json").read_text() == "old a" and (tmp_path / "b.bin").read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.bin"]  # no temporaries left
    write_files({tmp_path / "a.json": "new a", tmp_path / "b.bin": lambda file: file.write(b"new b")})
    assert (tmp_path / "a.json").read_text() == "new a" and (tmp_path / "b.bin").read_bytes() == b"new b"


def test_a_symlinked_target_is_replaced_not_written_through(tmp_path):
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me")
    (tmp_path / "vocab.txt").symlink_to(elsewhere)
    write_file(tmp_path / "vocab.txt", "[PAD]\n")
    assert elsewhere.read_text() == "keep me"
    assert not (tmp_path / "vocab.txt").is_symlink() and (tmp_path / "vocab.txt").read_text() == "[PAD]\n"


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_files_get_the_permissions_of_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_file(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == mode


def test_stale_temporaries_are_removed_when_a_run_takes_the_folder(tmp_path):
    stale = tmp_path / f".model.safetensors.123-abc{TEMPORARY_SUFFIX}"
    stale.write_bytes(b"killed half way")
    (tmp_path / "checkpoint").mkdir()
    stale_checkpoint = tmp_path / "checkpoint" / f".checkpoint.pt.9-def{TEMPORARY_SUFFIX}"
    stale_checkpoint.write_bytes(b"killed half way")
    (tmp_path / "keep.txt").write_text("mine")
    with run_folder(tmp_path):
        assert not stale.exists() and not stale_checkpoint.exists() and (tmp_path / "keep.txt").exists()
    assert remove_stale_temporaries(tmp_path) == []


def test_a_second_run_on_a_locked_folder_fails_at_once(tmp_path):
    with run_folder(tmp_path):
        code = ("from bertedu.files import run_folder\n"
                f"with run_folder({str(tmp_path)!r}): pass\n")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert result.returncode != 0 and "is in use by another run" in result.stderr
    with run_folder(tmp_path):  # released: the next run gets it
        pass


def test_a_folder_given_as_a_file_names_the_files_it_holds(tmp_path):
    (tmp_path / "squad").mkdir()
    (tmp_path / "squad" / "dev-v2.0.json").write_text("{}")
    with pytest.raises(IsADirectoryError, match=re.escape(f"SQuAD file {tmp_path / 'squad'} is a folder; pass the "
                                                          f"files in it (e.g. {tmp_path / 'squad' / '*.json'})")):
        read_json(tmp_path / "squad", "SQuAD file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(f"(e.g. {tmp_path / 'empty' / '*.txt'})")):
        read_utf8(tmp_path / "empty")
