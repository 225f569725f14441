"""Atomic file writes: the whole file or the old one, private unless shared, no temporary file left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop.files import write_atomically


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_private_file_is_for_the_user_only_and_a_shared_one_follows_the_umask(tmp_path: Path) -> None:
    private, shared = tmp_path / "settings.json", tmp_path / "report.html"
    write_atomically(private, b"{}\n")
    write_atomically(shared, b"<html>", shared=True)
    umask = os.umask(0)
    os.umask(umask)
    assert private.read_bytes() == b"{}\n" and mode(private) == 0o600
    assert shared.read_bytes() == b"<html>" and mode(shared) == 0o666 & ~umask


def test_replaces_the_old_content_and_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "file.txt"
    write_atomically(target, b"one")
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.txt"]


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    target = folder / "taken"
    target.mkdir(parents=True)  # a folder where the file should go: the rename fails
    (target / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomically(target, b"data")
    assert os.listdir(folder) == ["taken"]
    assert (target / "inside").read_text() == "kept"
