"""`salesplan send` against a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS, AUTH) that
refuses, defers and drops: each rep ends with exactly one message, counted at the server."""

from __future__ import annotations

import copy
import io
import logging
import math
import sys

import pytest

from tests.builders import english
from tests.delivery.folders import address, make_folder, rep_id
from tests.delivery.smtp_server import PASSWORD, USER, mail_server
from xl_addin.delivery.journal import JOURNAL, Journal
from xl_addin.delivery.send import send
from xl_addin.delivery.transport import Secrets

pytestmark = [  # aiosmtpd's own warnings about itself
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

REPS = 24


def run(folder, server, fake_time, env=None, **options):
    out = io.StringIO()
    report = send(
        folder,
        env=env or server.env,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        out=out,
        **options,
    )
    return report, out.getvalue()


def journal_rows(folder) -> dict:
    with Journal(folder / JOURNAL) as journal:
        return {row.recipient: row for row in journal.rows()}


def assert_one_message_each(server, reps=REPS):
    by_id = server.mailbox.count_by_message_id()
    by_rep = server.mailbox.count_by_recipient()
    assert set(by_rep) == {address(i) for i in range(1, reps + 1)}
    assert set(by_rep.values()) == {1} and set(by_id.values()) == {1}


CASES = {
    "refuse 550": {"refuse": {address(3)}},
    "451 once": {"busy_once": {address(5)}},
    "drop after 5": {"drop_after": 5},
    "all three": {"refuse": {address(3)}, "busy_once": {address(5), address(9)}, "drop_after": 7},
}


@pytest.mark.parametrize("case", CASES)
def test_each_rep_receives_exactly_one_message(tmp_path, fake_time, case):
    folder = make_folder(tmp_path / "books", REPS)
    how = copy.deepcopy(CASES[case])  # the server changes its sets
    refused = set(how.get("refuse", ()))
    with mail_server(tmp_path / "tls", **how) as server:
        report, out = run(folder, server, fake_time)
        assert report.sent == REPS - len(refused) and report.refused == len(refused)
        assert report.exit_code == (1 if refused else 0)
        for to in refused:
            assert f"被拒收  {rep_id(3)} 刘3号 <{to}>" in out and f"550 5.1.1 <{to}>" in out
            assert journal_rows(folder)[rep_id(3)].state == "refused"
        if how.get("busy_once"):
            assert 2.0 in fake_time.sleeps  # backed off before the second attempt
            assert journal_rows(folder)[rep_id(5)].attempts == 2
        if how.get("drop_after"):  # reconnected, and reused each connection until it dropped
            assert server.mailbox.logins == math.ceil(REPS / how["drop_after"])
        else:
            assert server.mailbox.logins == 1
        before = len(server.mailbox.received)

        again, out = run(folder, server, fake_time)  # sends only what was left
        assert again.sent == 0 and again.count("already sent") == REPS - len(refused)
        assert again.refused == len(refused) and len(server.mailbox.received) == before

        server.mailbox.refuse.clear()  # the address was corrected
        last, _ = run(folder, server, fake_time)
        assert last.sent == len(refused) and last.exit_code == 0
        assert_one_message_each(server)
    assert {row.state for row in journal_rows(folder).values()} == {"sent"}


def test_the_message_at_the_server_is_the_one_composed(tmp_path, fake_time):
    import email
    from email import policy

    folder = make_folder(tmp_path / "books", 2)
    with mail_server(tmp_path / "tls") as server:
        run(folder, server, fake_time)
        mid, to, raw = server.mailbox.received[0]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["From"].addresses[0].addr_spec == USER and msg["To"].addresses[0].addr_spec == to
    assert mid == journal_rows(folder)[rep_id(1)].message_id
    assert mid.endswith("@example.com>")  # the domain of SALESPLAN_MAIL_FROM
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content() == (folder / attachment.get_filename()).read_bytes()


def test_implicit_tls_on_the_ssl_port_works_too(tmp_path, fake_time):
    folder = make_folder(tmp_path / "books", 3)
    with mail_server(tmp_path / "tls", security="ssl") as server:
        report, _ = run(folder, server, fake_time)
        assert report.exit_code == 0
        assert_one_message_each(server, 3)


def test_a_refused_login_stops_at_once_and_marks_nothing_sent(tmp_path, fake_time):
    folder = make_folder(tmp_path / "books", 5)
    with mail_server(tmp_path / "tls") as server:
        env = dict(server.env, SALESPLAN_SMTP_PASSWORD="not-the-password")
        report, out = run(folder, server, fake_time, env=env)
        assert report.exit_code == 1 and report.sent == 0 and report.pending == 5
        stopped = english(report.stopped)
        assert "refused the login: 535 5.7.8 Authentication credentials invalid" in stopped
        assert "拒绝登录：535 5.7.8" in out  # the plan's language; the server's reply as it came
        assert "请检查 SALESPLAN_SMTP_USER 和 SALESPLAN_SMTP_PASSWORD" in out
        assert fake_time.sleeps == []  # no retrying a wrong password
        assert not server.mailbox.received
        assert {row.state for row in journal_rows(folder).values()} == {"pending"}

        report, _ = run(folder, server, fake_time)  # the password is corrected
        assert report.sent == 5
        assert_one_message_each(server, 5)


def test_a_refused_sender_stops_the_run_and_leaves_the_rest_pending(tmp_path, fake_time):
    folder = make_folder(tmp_path / "books", 3)
    with mail_server(tmp_path / "tls", refuse_sender=True) as server:
        report, out = run(folder, server, fake_time)
        assert not server.mailbox.received
    assert report.exit_code == 1 and [o.state for o in report.outcomes] == [
        "failed",
        "pending",
        "pending",
    ]
    assert f"refused the sender {USER}: 553 5.7.1" in english(report.stopped)
    assert f"服务器拒绝发件人 {USER}：553 5.7.1" in out and "SALESPLAN_MAIL_FROM" in out
    rows = journal_rows(folder)
    assert rows[rep_id(1)].state == "failed" and "553 5.7.1" in rows[rep_id(1)].reply
    assert {rows[rep_id(2)].state, rows[rep_id(3)].state} == {"pending"}


def test_an_untrusted_certificate_stops_with_a_hint(tmp_path, fake_time):
    folder = make_folder(tmp_path / "books", 2)
    with mail_server(tmp_path / "tls") as server:
        env = {k: v for k, v in server.env.items() if k != "SALESPLAN_SMTP_CAFILE"}
        report, out = run(folder, server, fake_time, env=env)
    assert report.exit_code == 1 and report.pending == 2
    assert "is not trusted" in english(report.stopped) and "SALESPLAN_SMTP_CAFILE" in out
    assert "的证书不受信任" in out


def test_a_server_that_cannot_be_reached_is_tried_with_backoff_then_reported(tmp_path, fake_time):
    from tests.delivery.smtp_server import free_port

    folder = make_folder(tmp_path / "books", 2)
    env = {
        "SALESPLAN_SMTP_HOST": "127.0.0.1",
        "SALESPLAN_SMTP_PORT": str(free_port()),  # nothing listens there
        "SALESPLAN_SMTP_SECURITY": "none",
        "SALESPLAN_MAIL_FROM": USER,
    }
    out = io.StringIO()
    report = send(folder, env=env, clock=fake_time.clock, sleep=fake_time.sleep, out=out)
    assert report.exit_code == 1 and report.pending == 2
    assert fake_time.sleeps == [2.0, 4.0, 8.0, 16.0]
    stopped = english(report.stopped)
    assert "cannot talk to 127.0.0.1" in stopped and "(after 5 attempts)" in stopped
    assert "无法连接 127.0.0.1" in out.getvalue() and "（已尝试 5 次）" in out.getvalue()


def test_thirty_a_minute_makes_the_31st_message_wait_until_60_seconds(tmp_path, fake_time):
    folder = make_folder(tmp_path / "books", 35, size=64)
    with mail_server(tmp_path / "tls") as server:
        report, _ = run(folder, server, fake_time, rate=30)
        assert report.sent == 35
    assert fake_time.sleeps == [60.0]  # the injected clock: no test waits
    sent = sorted(row.sent for row in journal_rows(folder).values())
    assert sent[:30] == [sent[0]] * 30 and sent[30][:19] == "2026-09-21T14:14:20"
    assert sent[0][:19] == "2026-09-21T14:13:20"  # 60 s before the 31st


def test_the_password_is_in_no_file_output_log_or_report(tmp_path, fake_time, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    folder = make_folder(tmp_path / "books", 6)
    reports = []
    with mail_server(
        tmp_path / "tls", refuse={address(2)}, busy_once={address(3)}, drop_after=2
    ) as server:
        wrong = dict(server.env, SALESPLAN_SMTP_PASSWORD=PASSWORD + "x")  # contains the password
        reports.append(run(folder, server, fake_time, env=wrong))
        reports.append(run(folder, server, fake_time, dry_run=True))
        reports.append(run(folder, server, fake_time))
        received = [raw for _, _, raw in server.mailbox.received]
    secrets = Secrets.of(USER, PASSWORD).words + Secrets.of(USER, PASSWORD + "x").words
    assert PASSWORD in secrets
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == JOURNAL for p in files) and len(received) == 5
    captured = capfd.readouterr()
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    for secret in secrets:
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
        for report, out in reports:
            assert secret not in out and secret not in repr(report)
        assert secret not in captured.out and secret not in captured.err
        assert not any(secret in line for line in ours)
        assert not any(secret.encode() in raw for raw in received)


@pytest.mark.parametrize("ci", ["true", None])
def test_a_missing_smtp_server_package_fails_under_ci_and_skips_elsewhere(monkeypatch, ci):
    from tests.delivery.smtp_server import need

    monkeypatch.setitem(sys.modules, "aiosmtpd.controller", None)  # import raises ImportError
    if ci:
        monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
            need("aiosmtpd.controller")
    else:
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match="becomes a failure under CI=true"):
            need("aiosmtpd.controller")
