"""After a recalibration every workbook is issued again, but only those whose numbers changed are
mailed: as a revision (old → new target, the reason, the weeks still ahead); the others are
already sent. A journal written before the numbers were recorded keeps working."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import io
import os
import shutil
import sqlite3
import string
from email import policy
from pathlib import Path

from tests.delivery.folders import make_folder, read_rows, write_manifest
from xl_addin.cli import main
from xl_addin.delivery.journal import JOURNAL, Journal
from xl_addin.delivery.mail import TEMPLATES
from xl_addin.delivery.send import send
from xl_addin.messages import say
from xl_addin.sheets.units import spoken
from xl_addin.workbook.filebook import FileBook

SENT_ON = "2026-09-21"  # the fake clock's day (conftest.START)


def messages(folder: Path) -> dict[str, email.message.EmailMessage]:
    """The outbox's messages by .eml file name."""
    return {
        p.name: email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((folder / "outbox").glob("*.eml"))
    }


def table(path: Path, name: str) -> list[list]:
    """A table's header and rows as the file holds them."""
    raw = FileBook(path).table(name)
    return [list(raw.headers), *(list(r) for r in raw.rows)]


def manifest(folder: Path) -> dict[tuple[str, str], dict]:
    """The manifest's rows by (kind, RepID or region), as the file holds them."""
    return {(r["Kind"], r["RepID"] or r["Region"]): r for r in read_rows(folder)}


def test_after_recalibrating_one_rep_only_that_rep_and_their_region_get_a_revision(
    issued_example, books, tmp_path, fake_time
):
    plan = tmp_path / "plan.xlsx"
    shutil.copy(issued_example.parent / "plan.xlsx", plan)
    first = send(books, env={}, clock=fake_time.clock, sleep=fake_time.sleep, out=io.StringIO())
    assert first.sent == 28
    before = manifest(books)
    rep = before[("rep", "S001")]
    old, region = int(rep["Target"]), rep["Region"]
    new = (old * 11 // 10) // 1000 * 1000  # +10 %, within FlexReserve: no approver needed
    reason = "-10% 价格调整后重新核定"  # starts as a formula would: kept as text throughout
    assert main(["recalibrate", str(plan), "--rep", "S001", "--target", str(new), "--reason", reason]) == 0  # fmt: skip
    assert main(["issue", str(plan), "--out", str(books)]) == 0
    after = manifest(books)
    assert after[("rep", "S001")]["Reason"] == "'" + reason  # safe to open in a spreadsheet

    # Only S001's target moves (SPEC §7), so its region's total moves by the same amount and
    # the roll-up is a revision too; every other region's total is what was sent.
    totals = {
        g: sum(int(r["Target"]) for (k, _), r in before.items() if k == "rep" and r["Region"] == g)
        for g in {r["Region"] for r in before.values()}
    }
    assert int(after[("region", region)]["Target"]) == totals[region] - old + new
    assert all(int(after[("region", g)]["Target"]) == t for g, t in totals.items() if g != region)
    revised = {("rep", "S001"), ("region", region)}
    assert {k for k in after if after[k]["SHA256"] != before[k]["SHA256"]} > revised  # re-issued

    out = io.StringIO()
    second = send(books, env={}, clock=fake_time.clock, sleep=fake_time.sleep, out=out)
    assert second.exit_code == 0 and second.sent == 2
    assert {(o.recipient.kind, o.recipient.ident) for o in second.outcomes if o.state == "sent"} == revised  # fmt: skip
    assert all(o.state == "already sent" for o in second.outcomes if o.state != "sent")
    reissued = {k for k in after if k not in revised and after[k]["SHA256"] != before[k]["SHA256"]}
    same = {(o.recipient.kind, o.recipient.ident) for o in second.outcomes if o.same_numbers}
    assert same == reissued
    s002 = after[("rep", "S002")]
    assert (
        f"{s002['File']}  数据与 {SENT_ON} 发送的相同（版本 1）：版本 2 无需重新发送"
        in out.getvalue()
    )

    new_mail = {n: m for n, m in messages(books).items() if "修订" in str(m["Subject"])}
    assert len(messages(books)) == 30 and len(new_mail) == 2
    (letter,) = [m for n, m in new_mail.items() if n.startswith("S001_")]
    assert (
        str(letter["Subject"]) == f"【修订·计划版本 2】目标责任书：{rep['Name']}（2026-10-05 起）"
    )
    body = letter.get_body(("plain",)).get_content().replace("\r\n", "\n")
    page = letter.get_body(("html",)).get_content()
    # the example plans in 万元 (Unit 10,000): amounts to one decimal, as the first mail has them
    assert f"目标　{spoken(old, 10000, 'zh-CN')} → {spoken(new, 10000, 'zh-CN')}" in body
    assert f"原因　{reason}" in body and reason in page
    assert f"取代 {SENT_ON} 发送的版本 1" in body

    # the weeks still ahead: from the change log's FromWeek, as the Phasing sheet plans them
    # (the Chinese plan's headers: tblChangeLog's 原因 Reason and 生效周 FromWeek; W1…W13)
    header, *log = table(plan, "tblChangeLog")
    from_week = int(log[-1][header.index("生效周")])
    assert log[-1][header.index("原因")] == reason
    header, *phasing = table(plan, "tblPhasing")
    weekly = next(r for r in phasing if r[0] == "S001")
    plan_weeks = [int(weekly[header.index(f"W{w}")]) for w in range(1, 14)]
    assert sum(plan_weeks) == new  # the re-phased plan still adds up to the new target
    start = dt.date(2026, 10, 5)
    for w in range(1, 14):
        day = f"{start + dt.timedelta(weeks=w - 1):%Y-%m-%d}"
        line = f"  {day}  {spoken(plan_weeks[w - 1], 10000, 'zh-CN')}"
        cell = f'<td style="padding: 2px 16px 2px 0;">{day}</td>'
        if w >= from_week:
            assert line in body and cell in page
        else:  # weeks past are not in a revision
            assert f"  {day}  " not in body and cell not in page
    assert f"自第 {from_week} 周起" in body

    (rollup,) = [m for n, m in new_mail.items() if not n.startswith("S001_")]
    assert str(rollup["Subject"]).startswith("【修订·计划版本 2】区域汇总：")
    was, now = totals[region], totals[region] - old + new
    assert f"{spoken(was, 10000, 'zh-CN')} → {spoken(now, 10000, 'zh-CN')}" in (
        rollup.get_body(("plain",)).get_content()
    )

    third = send(books, env={}, clock=fake_time.clock, sleep=fake_time.sleep, out=io.StringIO())
    assert third.sent == 0 and third.exit_code == 0 and len(messages(books)) == 30


def reissue(folder: Path, changes: dict[str, dict], version: int) -> None:
    """What `salesplan issue` does after a recalibration: every workbook written anew (new
    bytes, new SHA-256), the version raised, and `changes` to the rows of these RepIDs."""
    rows = read_rows(folder)
    for row in rows:
        data = b"PK\x03\x04" + os.urandom(64)
        (folder / row["File"]).write_bytes(data)
        row.update(SHA256=hashlib.sha256(data).hexdigest(), Version=version)
        row.update(changes.get(row["RepID"], {}))
    write_manifest(folder, rows)


def test_a_revision_in_english_shows_the_target_last_mailed_and_resend_sends_the_same_numbers(
    tmp_path, fake_time
):
    digests = {i: {"Numbers": f"{i:x}" * 64} for i in range(1, 4)}
    folder = make_folder(tmp_path / "books", 3, locale="en", change=digests)
    clock = {"env": {}, "clock": fake_time.clock, "sleep": fake_time.sleep}
    assert send(folder, **clock, out=io.StringIO()).sent == 3
    # R0001 was moved twice (1,000,001 → 1,050,001 → 1,100,001) but mailed only before both:
    # the revision says what changed since the target the rep was last sent
    revised = {
        "Numbers": "d" * 64, "Target": 1_100_001, "OldTarget": 1_050_001, "ChangeVersion": 3,
        "Reason": "=won the Acme account", "FromWeek": 12,
        "WeeksAhead": "2026-12-21=90000;2026-12-28=110001",
    }  # fmt: skip
    reissue(folder, {"R0001": revised}, version=3)
    out = io.StringIO()
    report = send(folder, **clock, out=out)
    assert report.sent == 1 and report.count("already sent") == 2 and report.exit_code == 0
    (eml,) = [m for n, m in messages(folder).items() if n.startswith("R0001_") and "Rev" in str(m["Subject"])]  # fmt: skip
    assert str(eml["Subject"]) == (
        "Revision, plan version 3 — Target responsibility letter: 李1号 (period from 2026-10-05)"
    )
    body = eml.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "  Target     1,000,001 CNY → 1,100,001 CNY\n  Reason     =won the Acme account" in body
    assert "from week 12:\n  2026-12-21  90,000 CNY\n  2026-12-28  110,001 CNY\n" in body
    assert "replaces the one sent on 2026-09-21 (version 1)" in body
    assert "2026-10-12" not in body  # the first weeks, long past, are not repeated
    text = out.getvalue()
    assert (
        "same numbers as sent on 2026-09-21 (version 1): nothing new to send for version 3" in text
    )
    assert say("send_revisions", "en", n=1) in text and "1,000,001 CNY → 1,100,001 CNY" in text

    again = send(folder, **clock, resend=True, out=io.StringIO())
    assert again.sent == 2 and again.count("already sent") == 1
    plain = [m for m in messages(folder).values() if "Revision" not in str(m["Subject"])]
    assert len(plain) == 5  # 3 first mails and the 2 resent: not revisions, nothing changed


OLD_SCHEMA = """
CREATE TABLE messages (
    kind TEXT NOT NULL, recipient TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL,
    period TEXT NOT NULL, version TEXT NOT NULL, email TEXT NOT NULL, message_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'refused', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0, reply TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    updated TEXT NOT NULL, sent TEXT, PRIMARY KEY (kind, recipient, file, sha256)
)
"""  # the journal as salesplan wrote it before it recorded the numbers sent


def test_a_journal_without_the_numbers_column_is_read_migrated_and_still_asks_for_resend(
    tmp_path, fake_time
):
    folder = make_folder(tmp_path / "books", 2, locale="en")
    db = sqlite3.connect(folder / JOURNAL)
    db.execute(OLD_SCHEMA)
    at = f"{SENT_ON}T08:00:00.000+00:00"
    for row in read_rows(folder):
        db.execute(
            "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,'sent',1,'250 OK',?,?,?)",
            ("rep", row["RepID"], row["File"], row["SHA256"], row["Period"], "1", row["Email"],
             f"<old.{row['RepID']}@x>", at, at, at),
        )  # fmt: skip
    db.commit()
    db.close()

    dry = send(folder, env={}, dry_run=True, out=io.StringIO())  # reads it as it is
    assert dry.count("already sent") == 2 and dry.count("would send") == 0
    with Journal.open_existing(folder) as journal:
        assert [(e.numbers, e.target) for e in journal.rows()] == [("", None), ("", None)]

    clock = {"env": {}, "clock": fake_time.clock, "sleep": fake_time.sleep}
    report = send(folder, **clock, out=io.StringIO())
    assert report.sent == 0 and report.count("already sent") == 2
    db = sqlite3.connect(folder / JOURNAL)
    columns = [c[1] for c in db.execute("PRAGMA table_info(messages)")]
    kept = db.execute("SELECT recipient, message_id, state, sent FROM messages").fetchall()
    db.close()
    assert columns[-2:] == ["numbers", "target"]
    assert kept == [("R0001", "<old.R0001@x>", "sent", at), ("R0002", "<old.R0002@x>", "sent", at)]

    # what the old messages held is not known: a workbook issued since needs --resend, as before
    reissue(folder, {"R0002": {"Numbers": "e" * 64}}, version=2)
    report = send(folder, **clock, only=["R0002"], out=io.StringIO())
    assert report.changed == 1 and report.sent == 0 and report.exit_code == 1
    report = send(folder, **clock, only=["R0002"], resend=True, out=io.StringIO())
    assert report.sent == 1
    with Journal(folder / JOURNAL) as journal:
        (latest,) = [e for e in journal.rows() if e.state == "sent" and e.version == "2"]
    assert (latest.numbers, latest.target) == ("e" * 64, 1_000_002)  # now recorded


def test_every_mail_template_exists_in_both_locales_with_the_same_fields():
    en, zh = TEMPLATES / "en", TEMPLATES / "zh-CN"
    names = sorted(p.name for p in en.iterdir())
    assert {"subject_revision.txt", "body_revision.txt", "body_revision.html"} <= set(names)
    assert names == sorted(p.name for p in zh.iterdir())
    for name in names:
        fields = [
            {m[1] or m[2] for m in string.Template.pattern.findall(f.read_text("utf-8"))}
            for f in (en / name, zh / name)
        ]
        assert fields[0] == fields[1], name
