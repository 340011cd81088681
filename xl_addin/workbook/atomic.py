"""Every file salesplan writes appears whole or not at all (SPEC §13: atomic writes).

`replacing(path)` gives a temporary file beside `path` to write; when the block ends without
an error the file is flushed to disk and renamed over `path` in one step, otherwise it is
removed and `path` is as it was. A reader never sees a half-written file, and a crash leaves
at most a hidden `.~salesplan-….tmp` file, which no one takes for a workbook or a message.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = ".~salesplan-"


@contextlib.contextmanager
def replacing(path: str | os.PathLike, mode: int | None = None) -> Iterator[Path]:
    """A temporary file to write in place of `path` (its folder is made if missing).

    Permissions: `mode` from the start when given (0o600 for a list of passwords); otherwise
    those of the file replaced, or an ordinary new file's (0o666 less the umask)."""
    path = Path(path)
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


def write_bytes(path: str | os.PathLike, data: bytes, mode: int | None = None) -> None:
    with replacing(path, mode) as temporary:
        temporary.write_bytes(data)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
