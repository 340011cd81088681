"""Every file salesplan writes appears whole or not at all (SPEC §13: atomic writes).

`replacing(path)` gives a temporary file beside `path` to write; when the block ends without
an error the file is flushed to disk and renamed over `path` in one step, otherwise it is
removed and `path` is as it was. A reader never sees a half-written file, and a crash leaves
at most a hidden `.~salesplan-….tmp` file, which no one takes for a workbook or a message.

A `path` that is a symbolic link is written through: the file it points to gets the new
content (the temporary file beside that file, renamed over it) and the link stays a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engine.problems import PlanError, Problem, said

PREFIX = ".~salesplan-"


@contextlib.contextmanager
def replacing(path: str | os.PathLike, mode: int | None = None) -> Iterator[Path]:
    """A temporary file to write in place of `path` (its folder is made if missing), or in
    place of the file `path` links to.

    Permissions: `mode` from the start when given (0o600 for a list of passwords); otherwise
    those of the file replaced, or an ordinary new file's (0o666 less the umask)."""
    path = target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=PREFIX, suffix=f"{path.suffix}.tmp", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        if mode is not None:
            os.chmod(temporary, mode)
        yield temporary
        with temporary.open("rb+") as fh:
            os.fsync(fh.fileno())
        if mode is None and path.exists():
            shutil.copymode(path, temporary)
        elif mode is None:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def target(path: str | os.PathLike) -> Path:
    """The file written in place of `path`: `path` itself, or the file its symbolic links lead
    to (which may not exist yet); a relative link is followed from its own folder."""
    path = Path(path)
    return path.resolve() if path.is_symlink() else path


def backup_copy(path: str | os.PathLike) -> Path:
    """A copy of the file at `path` (or of the file it links to), made now in a temporary file
    beside it, for `keep_backup` to keep once the new version is ready; the caller removes it
    when it is not kept. OSError when it cannot be made or kept: a folder of the backup's name
    in the way, a folder that cannot be written to."""
    source = target(path)
    kept = backup_name(source)
    if kept.is_dir() and not kept.is_symlink():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(kept))
    fd, name = tempfile.mkstemp(prefix=PREFIX, suffix=".bak.tmp", dir=source.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        shutil.copyfile(source, temporary)
        with temporary.open("rb+") as fh:
            os.fsync(fh.fileno())
        shutil.copystat(source, temporary)  # the permissions and times of the version kept
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def keep_backup(copy: Path, path: str | os.PathLike) -> Path:
    """The copy made by `backup_copy(path)` becomes `<name>.bak` beside the file, in one step."""
    kept = backup_name(path)
    os.replace(copy, kept)
    return kept


@contextlib.contextmanager
def replacing_kept(path: str | os.PathLike) -> Iterator[Path]:
    """`replacing(path)`, keeping the previous version as `<name>.bak`: copied before anything
    is written (a copy that cannot be made is a problem at the file: a folder in the way, a
    folder that cannot be written to), kept once the new version is ready. A file another
    program holds is a problem at the file too."""
    path = Path(path)
    try:
        copy = backup_copy(path)
    except OSError as exc:
        kept = backup_name(path)
        if kept.is_dir() and not kept.is_symlink():
            message = said("backup_in_the_way", backup=str(kept))
            hint = said("backup_in_the_way_hint", backup=kept.name)
        else:
            message = said("backup_not_written", backup=str(kept), error=exc.strerror or str(exc))
            hint = said("backup_not_written_hint", folder=str(kept.parent))
        raise PlanError([Problem(path.name, "", message, hint)]) from None
    try:
        with replacing(path) as temporary:
            yield temporary
            keep_backup(copy, path)
    except PermissionError:
        message, hint = said("cannot_replace"), said("close_and_run_again")
        raise PlanError([Problem(path.name, "", message, hint)]) from None
    finally:
        copy.unlink(missing_ok=True)


def backup(path: str | os.PathLike) -> Path:
    """Keep a copy of the file at `path` (or of the file it links to) as `<name>.bak` beside
    it, whole or not at all (OSError as `backup_copy` says, any earlier `.bak` as it was)."""
    copy = backup_copy(path)
    try:
        return keep_backup(copy, path)
    finally:
        copy.unlink(missing_ok=True)


def backup_name(path: str | os.PathLike) -> Path:
    """Where `backup(path)` keeps its copy."""
    source = target(path)
    return source.with_name(source.name + ".bak")


def write_bytes(path: str | os.PathLike, data: bytes, mode: int | None = None) -> None:
    with replacing(path, mode) as temporary:
        temporary.write_bytes(data)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
