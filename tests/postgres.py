"""A PostgreSQL server of the tests' own: a fresh cluster in a temporary folder, listening
only on a Unix socket there, stopped and removed afterwards.

PostgreSQL refuses to run as root: as root (CI), the cluster belongs to the `postgres` user
that Debian's package creates. Without PostgreSQL the tests that need it skip, and fail
under CI=true (`make test` installs it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

INSTALL_HINT = "PostgreSQL is not installed: `make postgresql` (Debian's postgresql package)"


def pg_bin() -> Path:
    found = shutil.which("pg_ctl") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            raise AssertionError(INSTALL_HINT + " (required when CI=true)")
        pytest.skip(INSTALL_HINT + " (this skip becomes a failure under CI=true)")
    return Path(os.path.realpath(found)).parent


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server():
    """Yields the folder of the server's socket; the database `postgres`, user `postgres`."""
    bin_dir = pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="salesplan-pg-", dir="/tmp"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    run = lambda *a: subprocess.run(_as_owner([str(x) for x in a]), check=True, capture_output=True)  # noqa: E731
    try:
        run(
            bin_dir / "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = f"-k {folder} -c listen_addresses='' -c fsync=off"
        run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start")
        try:
            yield folder
        finally:
            run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
