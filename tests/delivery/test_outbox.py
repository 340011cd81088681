"""`salesplan send` without SMTP settings: .eml files in DIR/outbox/ that any mail program reads."""

from __future__ import annotations

import email
import io
import re
import subprocess
import sys
from email import policy
from pathlib import Path

import pandas as pd
import pytest

from engine.problems import PlanError
from tests.builders import english
from tests.delivery.folders import make_folder
from xl_addin.delivery.journal import JOURNAL, LOCK, Journal
from xl_addin.delivery.mail import XLSX, compose, message_id
from xl_addin.delivery.send import send
from xl_addin.messages import columns, say
from xl_addin.repbook.manifest import read_manifest

XLSX_TYPE = "/".join(XLSX)


def outbox(folder: Path) -> dict[str, email.message.EmailMessage]:
    """Every .eml of the outbox parsed with the default policy, by Message-ID."""
    out = {}
    for path in sorted((folder / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        out[str(msg["Message-ID"]).strip()] = msg
    return out


def test_each_rep_and_region_manager_gets_one_message_with_their_workbook(books):
    manifest = pd.read_csv(books / "manifest.csv", encoding="utf-8-sig", dtype=str)
    report = send(books, env={}, out=io.StringIO())
    assert report.exit_code == 0 and report.sent == len(manifest) == 28
    messages = outbox(books)
    assert len(messages) == len(manifest)
    by_file = {next(m.iter_attachments()).get_filename(): m for m in messages.values()}
    for row in manifest.itertuples():
        msg = by_file[row.File]  # the file name decodes to the Chinese name (RFC 2231)
        assert msg["To"].addresses[0].addr_spec == row.Email
        assert msg["To"].addresses[0].display_name == row.Name
        (attachment,) = list(msg.iter_attachments())
        assert attachment.get_content_type() == XLSX_TYPE
        assert attachment.get_content() == (books / row.File).read_bytes()  # byte-identical
        subject = str(msg["Subject"])
        assert subject.startswith("目标责任书：" if row.Kind == "rep" else "区域汇总：")
        assert (row.Name if row.Kind == "rep" else row.Region) in subject
        assert row.Period in subject


def test_the_raw_message_is_7_bit_with_encoded_subject_names_and_file_name(books):
    send(books, env={}, out=io.StringIO())
    raw = next((books / "outbox").glob("S001_*.eml")).read_bytes()
    assert raw.isascii()  # every client and relay can carry it
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "Subject: =?utf-8?" in head  # RFC 2047
    assert "filename*=utf-8''S001_%E5%88%98%E6%B4%8B_2026-10-05.xlsx" in raw.decode()  # RFC 2231
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert str(msg["Subject"]) == "目标责任书：刘洋（2026-10-05 起，计划版本 1）"
    assert next(msg.iter_attachments()).get_filename() == "S001_刘洋_2026-10-05.xlsx"


def test_the_bodies_show_floor_target_challenge_and_first_weeks_in_the_plans_unit(books):
    send(books, env={}, out=io.StringIO())
    msg = email.message_from_bytes(
        next((books / "outbox").glob("S001_*.eml")).read_bytes(), policy=policy.default
    )
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    # manifest: Floor 1529000, Target 1699000, Challenge 1954000; Unit 万. The first phase
    # (4 weeks, 30 % = 509,700) is spread by working days, 3 : 5 : 5 : 5 (National Day is
    # 5–7 October 2026, Saturday the 10th a working day): 84,950, then 141,583.33 a week
    for part in (text, page):
        assert "152.9万元" in part and "169.9万元" in part and "195.4万元" in part
        assert part.count("8.5万元") == 1 and part.count("14.2万元") == 3
        assert "2026-10-26" in part
    assert "<td" in page and "刘洋" in page


def test_html_escapes_every_value_from_the_plan(tmp_path):
    folder = make_folder(
        tmp_path / "books", 1, change={1: {"Name": '<script>alert("x")</script> & Co'}}
    )
    (r,) = read_manifest(folder)
    msg = compose(r, (folder / r.file).read_bytes())
    page = msg.get_body(("html",)).get_content()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert '<script>alert("x")</script> & Co' in msg.get_body(("plain",)).get_content()


def test_english_messages_use_the_english_templates(tmp_path):
    folder = make_folder(tmp_path / "books", 1, locale="en")
    (r,) = read_manifest(folder)
    msg = compose(r, (folder / r.file).read_bytes())
    assert str(msg["Subject"]).startswith("Target responsibility letter: ")
    assert "Target     1,000,001 CNY" in msg.get_body(("plain",)).get_content()


def test_the_message_id_is_fixed_by_recipient_period_version_and_file(tmp_path):
    folder = make_folder(tmp_path / "books", 1)
    (r,) = read_manifest(folder)
    mid = message_id(r)
    assert mid == f"<{r.sha256[:12]}.1.2026-10-05.rep-R0001@salesplan.invalid>"
    assert message_id(r, "corp.example") == mid.replace("salesplan.invalid", "corp.example")
    import dataclasses

    assert message_id(dataclasses.replace(r, version="2")) != mid
    assert message_id(dataclasses.replace(r, sha256="f" * 64)) != mid
    region = dataclasses.replace(r, kind="region", rep_id="", region="华北")
    assert message_id(region).isascii() and ".region-u" in message_id(region)


def test_a_second_run_sends_nothing_and_the_journal_shows_every_message_sent(books):
    first = send(books, env={}, out=io.StringIO())
    out = io.StringIO()
    second = send(books, env={}, out=out)
    assert second.sent == 0 and second.count("already sent") == first.sent
    assert second.exit_code == 0
    with Journal(books / JOURNAL) as journal:
        rows = journal.rows()
    assert len(rows) == first.sent and {r.state for r in rows} == {"sent"}
    assert {r.message_id for r in rows} == set(outbox(books))


def test_only_sends_the_named_reps_and_says_how_many_are_left(books):
    out = io.StringIO()
    report = send(books, only=["S002", "华东"], env={}, out=out)
    assert report.sent == 2 and len(outbox(books)) == 2
    left = "清单中另有 26 份责任书尚未发送（未在 --only 中列出）"  # the example is a Chinese plan
    assert left in out.getvalue()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_report_is_in_the_plans_language_and_its_counts_line_up(tmp_path, locale):
    folder = make_folder(tmp_path / "books", 3, locale=locale)
    send(folder, only=["R0001"], env={}, out=io.StringIO())
    out = io.StringIO()
    send(folder, env={}, out=out)
    head, *counts = out.getvalue().splitlines()
    assert head == say("send_done_outbox", locale, folder=folder / "outbox")
    states = ("sent", "already_sent", "refused", "failed", "pending", "changed")
    assert [line.split()[-1] for line in counts] == ["2", "1", "0", "0", "0", "0"]
    assert [line.strip().rsplit(" ", 1)[0].strip() for line in counts] == [
        say(f"state_{state}", locale) for state in states
    ]
    assert len({columns(line) for line in counts}) == 1  # 已发送 takes six columns, not three
    if locale == "zh-CN":
        assert not re.search("[A-Za-z]", out.getvalue().replace(str(folder / "outbox"), ""))


def test_dry_run_prints_who_gets_what_and_changes_nothing(books):
    out = io.StringIO()
    report = send(books, dry_run=True, env={}, out=out)
    text = out.getvalue()
    assert report.exit_code == 0 and report.count("would send") == 28
    assert "S001 刘洋 <s001@example.com>  S001_刘洋_2026-10-05.xlsx  目标责任书：刘洋" in text
    assert not (books / JOURNAL).exists() and not (books / "outbox").exists()


def test_the_outbox_is_written_atomically(books):
    send(books, env={}, out=io.StringIO())
    assert not [p for p in (books / "outbox").iterdir() if p.name.startswith(".")]


def test_a_second_send_on_the_same_folder_waits_for_the_first(books):
    """Two runs at once would both send what is pending: the second is refused, sends nothing,
    and the lock goes with the process that held it, however it ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(books / LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(PlanError) as refused:
            send(books, env={}, out=io.StringIO())
        (problem,) = refused.value.problems
        assert f"another send is already mailing these workbooks (process {holder.pid} since" in (
            english(problem)
        )
        assert not (books / "outbox").exists()
        assert send(books, env={}, dry_run=True, out=io.StringIO()).count("would send") == 28
    finally:
        holder.kill()
        holder.wait()
    assert send(books, env={}, out=io.StringIO()).sent == 28  # the killed holder left no lock


HOLD_LOCK = """
import sys, time
from pathlib import Path
from xl_addin.delivery.runlock import exclusive
with exclusive(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(60)
"""
