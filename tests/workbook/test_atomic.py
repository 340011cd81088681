"""Atomic writes: a file appears whole or not at all, with the permissions it should have."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest

from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.workbook import atomic

POSIX = os.name == "posix"
CI = os.environ.get("CI") == "true"  # under CI the tests run, and fail where modes differ
posix_only = pytest.mark.skipif(not (POSIX or CI), reason="file modes are POSIX")


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


def test_a_write_through_a_symbolic_link_replaces_the_file_it_links_to(tmp_path):
    """The link stays a link (relative, through a second link); its target gets the content,
    with the temporary file beside the target and nothing left in either folder."""
    real = tmp_path / "shared" / "plan.xlsx"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o640)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "via.xlsx").symlink_to(Path("..") / "shared" / "plan.xlsx")
    link = mine / "plan.xlsx"
    link.symlink_to("via.xlsx")
    seen = []
    with atomic.replacing(link) as temporary:
        seen.append(temporary.parent)
        temporary.write_bytes(b"new")
    assert seen == [real.parent]
    assert link.is_symlink() and os.readlink(link) == "via.xlsx"
    assert (mine / "via.xlsx").is_symlink()
    assert real.read_bytes() == b"new" and link.read_bytes() == b"new"
    if POSIX:
        assert mode(real) == 0o640  # the target keeps its permissions
    assert sorted(p.name for p in mine.iterdir()) == ["plan.xlsx", "via.xlsx"]
    assert [p.name for p in real.parent.iterdir()] == ["plan.xlsx"]


def test_a_backup_is_kept_beside_the_file_a_link_leads_to(tmp_path):
    real = tmp_path / "shared" / "plan.xlsx"
    real.parent.mkdir()
    real.write_bytes(b"version 1")
    link = tmp_path / "plan.xlsx"
    link.symlink_to(real)
    assert atomic.backup(link) == real.with_name("plan.xlsx.bak")
    assert real.with_name("plan.xlsx.bak").read_bytes() == b"version 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "shared"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["plan.xlsx", "plan.xlsx.bak"]


def test_a_backup_with_a_folder_in_its_way_fails_and_changes_nothing(tmp_path):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"version 1")
    (tmp_path / "plan.xlsx.bak").mkdir()
    (tmp_path / "plan.xlsx.bak" / "notes.txt").write_text("mine")
    with pytest.raises(OSError):
        atomic.backup(plan)
    assert [p.name for p in (tmp_path / "plan.xlsx.bak").iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "plan.xlsx.bak"]


# -- the plan itself, through the command line -----------------------------------------------
@pytest.fixture(scope="module")
def example(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("example") / "plan.xlsx"
    example_plan(path, "en")
    return path.read_bytes()


def sheet_names(path) -> list[str]:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_decomposing_a_plan_that_is_a_link_writes_the_file_it_links_to(example, tmp_path):
    real = tmp_path / "team share" / "plan.xlsx"
    real.parent.mkdir()
    real.write_bytes(example)
    link = tmp_path / "desk" / "plan.xlsx"
    link.parent.mkdir()
    link.symlink_to(real)
    assert main(["decompose", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert "Targets" in sheet_names(real)
    assert real.with_name("plan.xlsx.bak").read_bytes() == example  # beside the real file
    assert sorted(p.name for p in link.parent.iterdir()) == ["plan.xlsx"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["plan.xlsx", "plan.xlsx.bak"]


def test_a_folder_named_like_the_backup_stops_the_run_before_anything_is_written(
    example, tmp_path, capsys
):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(example)
    (tmp_path / "plan.xlsx.bak").mkdir()
    capsys.readouterr()
    assert main(["decompose", str(plan)]) == 2
    err = capsys.readouterr().err
    kept = tmp_path / "plan.xlsx.bak"
    assert (
        f"plan.xlsx: the copy of its previous version cannot be kept as {kept}: a folder of that"
        " name is in the way — move or rename the folder plan.xlsx.bak and run again"
    ) in err
    assert plan.read_bytes() == example
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "plan.xlsx.bak"]
    assert list((tmp_path / "plan.xlsx.bak").iterdir()) == []


@posix_only
def test_a_plan_in_a_folder_that_cannot_be_written_is_refused_unchanged(example, tmp_path):
    """A real read-only folder (for root, who may write anywhere, the command runs in a child
    process that has given up that power)."""
    assert POSIX, "file modes are POSIX; CI runs on Linux"
    folder = tmp_path / "read-only"
    folder.mkdir()
    plan = folder / "plan.xlsx"
    plan.write_bytes(example)
    log = tmp_path / "err.txt"
    folder.chmod(0o555)
    try:
        code = _run_without_override(["decompose", str(plan)], log)
    finally:
        folder.chmod(0o755)
    err = log.read_text(encoding="utf-8")
    assert code == 2, err
    kept = folder / "plan.xlsx.bak"
    assert f"plan.xlsx: the copy of its previous version cannot be kept as {kept} (" in err
    assert f"make the folder {folder} writable" in err
    assert plan.read_bytes() == example
    assert [p.name for p in folder.iterdir()] == ["plan.xlsx"]


def _run_without_override(argv: list[str], log: Path) -> int:
    """`salesplan argv` with its stderr in `log`, unable to write where its user may not: as
    root, in a forked child that dropped CAP_DAC_OVERRIDE (root then obeys file modes)."""
    if os.geteuid() != 0:
        with log.open("w", encoding="utf-8") as fh, contextlib.redirect_stderr(fh):
            return main(argv)
    with log.open("w", encoding="utf-8") as fh:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports only through its exit code
            code = 99
            try:
                _drop_override()
                with contextlib.redirect_stderr(fh), contextlib.redirect_stdout(fh):
                    code = main(argv)
                fh.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


def _drop_override() -> None:
    """Give up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (capset(2), capabilities version 3)."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE 1, CAP_DAC_READ_SEARCH 2
    data[0].effective &= keep
    data[0].permitted &= keep
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
