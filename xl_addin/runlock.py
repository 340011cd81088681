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

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
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


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock at `path` for the block, or raise Busy at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise Busy(os.read(fd, 200).decode("utf-8", "replace").strip() or "another process")
        os.ftruncate(fd, 0)
        since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.write(fd, f"process {os.getpid()} since {since}".encode())
        yield
    finally:
        os.close(fd)  # releases the lock
