"""Send from Excel without freezing it: the mailing runs as its own process (SPEC §11).

Sending through a company's server is throttled (30 messages a minute by default), so a
team of 200 takes minutes; RunPython would hold Excel for all of them. The Send button
therefore checks everything first (in the button, so problems still appear in its message
box), then starts `salesplan send DIR` as a detached process that writes its report to
`DIR/send-report.txt`, and returns once that process holds the folder's send lock. Pressing
Send again while it runs shows how far it is; afterwards, the report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.problems import PlanError, Problem, said
from xl_addin.delivery.journal import LOCK
from xl_addin.delivery.runlock import holder
from xl_addin.delivery.transport import Smtp, Stop, Temporary, settings_from

REPORT = "send-report.txt"
STARTUP_SECONDS = 60.0  # importing pandas on a cold laptop can take a while


@dataclass(frozen=True)
class Started:
    pid: int
    report: Path
    exit_code: int | None  # None: still sending; else it finished before it was seen to start


def running(folder: Path) -> str | None:
    """Who is sending from `folder` now (`process 123 since …`), or None."""
    return holder(folder / LOCK)


def check_server(env: Mapping[str, str] = os.environ) -> None:
    """Open and close one session with the configured server, so that a wrong password, host
    or certificate is said now, in the button's message box, not later in the report."""
    settings, _, secrets = settings_from(env)
    if settings is None:
        return
    session = Smtp(settings, secrets)
    try:
        session.open()
    except (Stop, Temporary) as e:
        raise PlanError([Problem("SMTP", "", e.words, said("nothing_sent"))]) from None
    finally:
        session.close()


def previous_report(folder: Path) -> list[str]:
    """What the last background send wrote, if it did."""
    path = folder / REPORT
    if not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").strip().splitlines()


def start(folder: Path, rate: float, wait: float = STARTUP_SECONDS) -> Started:
    """Start `salesplan send` on `folder` in its own process; return when it holds the lock,
    or has already finished (a few messages can go faster than we look). RuntimeError if it
    gets to neither in `wait` seconds."""
    report = folder / REPORT
    command = [sys.executable, "-m", "xl_addin.cli", "send", str(folder), "--rate", str(rate)]
    with report.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=_environment(),
            **_detached(),
        )
    deadline = time.monotonic() + wait
    while running(folder) is None:
        if process.poll() is not None:
            return Started(process.pid, report, process.returncode)
        if time.monotonic() > deadline:
            raise RuntimeError(f"salesplan send did not start within {wait:.0f} s; see {report}")
        time.sleep(0.05)
    return Started(process.pid, report, None)


def _environment() -> dict[str, str]:
    """This process's environment, and its import path: Excel's RunPython puts salesplan on
    sys.path itself (xlwings.conf PYTHONPATH), which a new process would not inherit."""
    path = os.pathsep.join(p for p in sys.path if p and Path(p).exists())
    return {**os.environ, "PYTHONPATH": path, "PYTHONIOENCODING": "utf-8"}


def _detached() -> dict:
    """Outlive the Python that Excel started, with no console window of its own."""
    if os.name == "nt":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        return {"creationflags": flags, "close_fds": True}
    return {"start_new_session": True, "close_fds": True}
