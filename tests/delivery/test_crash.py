"""`salesplan send` killed with SIGKILL in the middle of 200 messages, then run again: every
rep has exactly one message, but for the one in flight, re-sent with the same Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery.folders import address, make_folder
from tests.delivery.smtp_server import mail_server
from xl_addin.delivery.journal import JOURNAL, Journal
from xl_addin.messages import say

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

REPO = Path(__file__).resolve().parents[2]
REPS = 200
KILL_AT = 80


def sender(folder: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.run_send", str(folder), "--rate", "inf"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_run_killed_mid_way_is_finished_by_the_next_with_one_message_each(tmp_path):
    folder = make_folder(tmp_path / "books", REPS, size=512)
    running: dict[str, int] = {}

    def kill_before_answering(count: int) -> None:
        # the server has the 80th message but the sender never hears "250": the worst moment
        if count == KILL_AT:
            os.kill(running["pid"], signal.SIGKILL)

    with mail_server(tmp_path / "tls", on_message=kill_before_answering) as server:
        env = {**os.environ, **server.env}
        first = sender(folder, env)
        running["pid"] = first.pid
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        assert len(server.mailbox.received) == KILL_AT
        with Journal(folder / JOURNAL) as journal:
            states = [row.state for row in journal.rows()]
        assert states.count("sent") == KILL_AT - 1 and states.count("sending") == 1

        second = sender(folder, env)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        by_id = server.mailbox.count_by_message_id()
        by_rep = server.mailbox.count_by_recipient()

    assert len(by_id) == REPS and set(by_rep) == {address(i) for i in range(1, REPS + 1)}
    twice = [mid for mid, n in by_id.items() if n > 1]
    assert len(twice) == 1 and by_id[twice[0]] == 2  # at most one, and here exactly the 80th
    (again,) = [to for to, n in by_rep.items() if n > 1]
    assert again == address(KILL_AT)
    in_flight = say("send_in_flight", "zh-CN")  # the folder is a Chinese plan's
    assert in_flight in out
    assert f"R{KILL_AT:04d}" in out.split(in_flight)[1] and twice[0] in out
    with Journal(folder / JOURNAL) as journal:
        assert {row.state for row in journal.rows()} == {"sent"}
