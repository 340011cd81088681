"""One run at a time on a folder: an exclusive lock held by the operating system.

The lock belongs to the open file, so it goes when the process ends, however it ends: a run
killed half-way never leaves a stale lock behind, and the next run recovers from the journal.
The file names who holds it (process and start time), for the message to the one who waits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

if os.name == "nt":
    import msvcrt

    LOCKED_BYTE = 4096  # beyond the text, which others must still be able to read

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, LOCKED_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


class Busy(Exception):
    """Another process holds the lock; its text says who, as the lock file records it."""


def holder(path: Path) -> str | None:
    """Who holds the lock at `path` now, or None when nobody does."""
    if not path.exists():
        return None
    try:
        with exclusive(path, record=False):
            return None
    except Busy as busy:
        return str(busy)


@contextlib.contextmanager
def exclusive(path: Path, record: bool = True) -> Iterator[None]:
    """Hold the lock at `path` for the block, or raise Busy at once; `record` writes who
    holds it into the file."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise Busy(_read(path) or "another process")
        if record:
            since = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            os.ftruncate(fd, 0)
            os.write(fd, f"process {os.getpid()} since {since}".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
