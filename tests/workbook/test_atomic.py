"""Atomic writes: a file appears whole or not at all, with the permissions it should have."""

from __future__ import annotations

import os
import stat

import pytest

from xl_addin.cli import main
from xl_addin.workbook import atomic

POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(
    not POSIX and os.environ.get("CI") != "true", reason="file modes are POSIX"
)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic.replacing(path) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_a_write_replaces_the_file_and_makes_a_missing_folder(tmp_path):
    path = tmp_path / "new" / "folder" / "out.eml"
    atomic.write_bytes(path, b"one")
    atomic.write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["out.eml"]


@posix_only
def test_permissions_new_kept_or_private(tmp_path):
    assert POSIX, "file modes are POSIX; CI runs on Linux"
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.xlsx"
        atomic.write_bytes(new, b"x")
        assert mode(new) == 0o644  # an ordinary file, not mkstemp's 0600
        shared = tmp_path / "shared.xlsx"
        shared.write_bytes(b"x")
        shared.chmod(0o664)
        atomic.write_bytes(shared, b"y")
        assert mode(shared) == 0o664  # a workbook keeps its permissions
        secret = tmp_path / "passwords.csv"
        seen = []
        with atomic.replacing(secret, mode=0o600) as temporary:
            seen.append(mode(temporary))  # private before a byte is written
            temporary.write_text("RepID,Password\n")
        assert seen == [0o600] and mode(secret) == 0o600
    finally:
        os.umask(umask)


def test_init_makes_the_folder_of_a_new_plan(tmp_path):
    path = tmp_path / "2027 Q1" / "plan.xlsx"
    assert main(["init", str(path)]) == 0
    assert path.read_bytes()[:2] == b"PK"
