"""What `salesplan send` refuses before sending anything (exit 2), and what needs --resend."""

from __future__ import annotations

import csv
import email
import io
import os
from email import policy

import pytest

from engine.problems import PlanError
from tests.builders import words
from tests.delivery.folders import make_folder, read_rows, reissue, write_manifest
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.delivery.journal import JOURNAL, Journal
from xl_addin.delivery.send import send
from xl_addin.repbook.manifest import manifest_locale, read_manifest


def problems_of(folder, locale="en", **kwargs) -> list[str]:
    with pytest.raises(PlanError) as caught:
        send(folder, out=io.StringIO(), **{"env": {}, **kwargs})
    assert not (folder / JOURNAL).exists() and not (folder / "outbox").exists()  # nothing sent
    return [words(p, locale) for p in caught.value.problems]


def test_a_malformed_email_is_reported_at_the_cell_it_was_typed_in(tmp_path):
    folder = make_folder(tmp_path / "books", 8, change={6: {"Email": "wang@"}})
    assert problems_of(folder) == [
        'Reps!D7: Email "wang@" is not an e-mail address — correct it in tblReps'
    ]
    assert problems_of(folder, "zh-CN") == [
        "Reps!D7: Email“wang@”不是有效的邮箱地址 — 请在 tblReps 中更正"
    ]


def test_every_bad_address_is_reported_together(tmp_path):
    folder = make_folder(
        tmp_path / "books",
        8,
        change={
            2: {"Email": ""},
            4: {"Email": "li ming@example.com"},
            5: {"Email": "zhao@example"},
            8: {"Kind": "region", "RepID": "", "EmailCell": "Regions!E3", "Email": "mgr@@x.com"},
        },
    )
    assert problems_of(folder) == [
        'Reps!D3: Email of rep "R0002" is empty — type the address in tblReps',
        'Reps!D5: Email "li ming@example.com" is not an e-mail address — correct it in tblReps',
        'Reps!D6: Email "zhao@example" is not an e-mail address — correct it in tblReps',
        'Regions!E3: ManagerEmail "mgr@@x.com" is not an e-mail address — correct it in tblRegions',
    ]


def test_a_workbook_changed_after_it_was_issued_is_named(tmp_path):
    folder = make_folder(tmp_path / "books", 3)
    file = read_rows(folder)[1]["File"]
    (folder / file).write_bytes(b"PK\x03\x04 edited by hand")
    (folder / read_rows(folder)[2]["File"]).unlink()
    assert problems_of(folder) == [
        f"{file}: differs from the manifest (SHA-256) since it was issued — re-run "
        "`salesplan issue` to issue the workbooks and the manifest again",
        f"{read_rows(folder)[2]['File']}: is not in {folder} — re-run `salesplan issue` to "
        "issue the workbooks and the manifest again",
    ]


def test_a_manifest_that_points_outside_the_folder_is_refused(tmp_path):
    folder = make_folder(tmp_path / "books", 2)
    rows = read_rows(folder)
    rows[0]["File"] = "../plan.xlsx"
    rows[1]["File"] = "passwords.csv"
    write_manifest(folder, rows)
    found = problems_of(folder)
    assert found[0].startswith('manifest.csv row 2: File "../plan.xlsx" is not a workbook')
    assert found[1].startswith('manifest.csv row 3: File "passwords.csv" is not a workbook')
    found = problems_of(folder, "zh-CN")
    assert found[0].startswith("manifest.csv 第 2 行: File“../plan.xlsx”不是此文件夹中的工作簿")
    assert found[1].startswith("manifest.csv 第 3 行: File“passwords.csv”不是此文件夹中的工作簿")


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", ["salesplan: 1 problem in the input; nothing was changed.",
                'Reps!D3: Email "wang@" is not an e-mail address — correct it in tblReps']),
        ("zh-CN", ["salesplan: 输入中有 1 个问题；未做任何改动。",
                   "Reps!D3: Email“wang@”不是有效的邮箱地址 — 请在 tblReps 中更正"]),
    ],
    ids=["en", "zh-CN"],
)  # fmt: skip
def test_the_command_line_says_a_folders_problems_in_its_plans_language(
    tmp_path, capsys, monkeypatch, locale, said
):
    for name in [n for n in os.environ if n.startswith("SALESPLAN_")]:
        monkeypatch.delenv(name)
    folder = make_folder(tmp_path / "books", 2, locale=locale, change={2: {"Email": "wang@"}})
    assert main(["send", str(folder)]) == 2
    assert capsys.readouterr().err.splitlines() == said
    (tmp_path / "empty").mkdir()  # no manifest to say which language: English
    assert main(["send", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err.startswith("salesplan: 1 problem in the input")


def test_no_manifest_says_to_run_issue(tmp_path):
    (tmp_path / "empty").mkdir()
    (found,) = problems_of(tmp_path / "empty")
    assert found.startswith("manifest.csv: not found in") and "salesplan issue" in found


def test_only_with_an_unknown_rep_suggests_the_nearest(tmp_path):
    folder = make_folder(tmp_path / "books", 3)
    assert problems_of(folder, only=["R0001", "RO002"]) == [
        '--only: "RO002" is not a RepID or region in manifest.csv (did you mean "R0002"?) — '
        "give RepIDs as in tblReps, or region names for the roll-ups"
    ]
    assert problems_of(folder, "zh-CN", only=["RO002"]) == [
        "--only: “RO002”不是 manifest.csv 中的销售编号或区域（您是否想填“R0002”？） — "
        "请填写 tblReps 中的销售编号，或区域汇总的区域名称"
    ]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SALESPLAN_SMTP_HOST": "mail", "SALESPLAN_SMTP_PORT": "x", "SALESPLAN_MAIL_FROM": "a@b.cn"},
         'SALESPLAN_SMTP_PORT: "x" is not a port number — e.g. 587'),
        ({"SALESPLAN_SMTP_HOST": "mail", "SALESPLAN_SMTP_SECURITY": "tls", "SALESPLAN_MAIL_FROM": "a@b.cn"},
         'SALESPLAN_SMTP_SECURITY: "tls" is not one of starttls, ssl, none'),
        ({"SALESPLAN_SMTP_HOST": "mail"},
         "SALESPLAN_MAIL_FROM: is not set — set it to the address the mail comes from"),
        ({"SALESPLAN_MAIL_FROM": "sales ops"},
         'SALESPLAN_MAIL_FROM: "sales ops" is not an e-mail address — set it to e.g. Sales Ops <sales.ops@example.com>'),
        ({"SALESPLAN_SMTP_HOST": "mail", "SALESPLAN_SMTP_USER": "ops@b.cn"},
         "SALESPLAN_SMTP_PASSWORD: is not set — set both the user and the password, or neither"),
    ],
)  # fmt: skip
def test_bad_smtp_settings_are_input_problems(tmp_path, env, problem):
    folder = make_folder(tmp_path / "books", 1)
    assert problems_of(folder, env=env) == [problem]


@pytest.mark.parametrize(
    ("locale", "changed", "resend"),
    [
        ("en", "changed  R0002 张2号 <r0002@example.com>  {file}  changed since sent on ", "use --resend"),
        ("zh-CN", "已变更  R0002 张2号 <r0002@example.com>  {file}  ", " 发送后已变更；如需再次发送请加 --resend"),
    ],
    ids=["en", "zh-CN"],
)  # fmt: skip
def test_a_workbook_changed_since_it_was_sent_is_sent_again_only_with_resend(
    tmp_path, locale, changed, resend
):
    folder = make_folder(tmp_path / "books", 3, locale=locale)
    assert send(folder, env={}, out=io.StringIO()).sent == 3
    file = read_rows(folder)[1]["File"]
    reissue(folder, file, b"PK\x03\x04 recalibrated")  # `salesplan issue` again, version 2

    out = io.StringIO()
    report = send(folder, env={}, out=out)
    assert report.sent == 0 and report.changed == 1 and report.exit_code == 1
    assert changed.format(file=file) in out.getvalue() and resend in out.getvalue()
    assert len(list((folder / "outbox").glob("*.eml"))) == 3

    again = send(folder, env={}, resend=True, out=io.StringIO())
    assert again.sent == 1 and again.count("already sent") == 2 and again.exit_code == 0
    emls = sorted((folder / "outbox").glob("R0002_*.eml"))
    ids = {
        str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["Message-ID"])
        for p in emls
    }
    assert len(emls) == 2 and len(ids) == 2  # a new Message-ID: it is a new message
    assert send(folder, env={}, out=io.StringIO()).exit_code == 0  # nothing left


@pytest.mark.parametrize(
    ("locale", "in_flight"),
    [
        ("en", "In flight when an earlier run stopped, so sent again with the same Message-ID"),
        ("zh-CN", "上次运行中断时正在发送，因此以相同的 Message-ID 再次发送"),
    ],
    ids=["en", "zh-CN"],
)
def test_a_message_in_flight_when_a_run_died_is_sent_again_with_its_message_id(
    tmp_path, locale, in_flight
):
    folder = make_folder(tmp_path / "books", 3, locale=locale)
    send(folder, only=["R0001"], env={}, out=io.StringIO())
    with Journal(folder / JOURNAL) as journal:  # what a run killed mid-transaction leaves
        (row,) = journal.rows()
        journal.db.execute("UPDATE messages SET state='sending'")
    out = io.StringIO()
    report = send(folder, env={}, out=out)
    assert report.sent == 3 and [o.recipient.rep_id for o in report.in_flight] == ["R0001"]
    assert in_flight in out.getvalue()
    assert f"R0001 李1号 <r0001@example.com>  {row.file}  {row.message_id}" in out.getvalue()


def test_encrypted_workbooks_are_mailed_without_their_passwords(tmp_path):
    example_plan(tmp_path / "plan.xlsx", "zh-CN")
    assert (
        main(["issue", str(tmp_path / "plan.xlsx"), "--out", str(tmp_path / "b"), "--encrypt"]) == 0
    )
    folder = tmp_path / "b"
    with (folder / "passwords.csv").open(encoding="utf-8-sig") as fh:
        passwords = {row["File"]: row["Password"] for row in csv.DictReader(fh)}
    assert send(folder, env={}, out=io.StringIO()).exit_code == 0
    for path in (folder / "outbox").glob("*.eml"):
        raw = path.read_bytes()
        msg = email.message_from_bytes(raw, policy=policy.default)
        words = [
            msg.get_body(("plain",)).get_content(),
            msg.get_body(("html",)).get_content(),
            str(msg["Subject"]),
        ]
        (attachment,) = list(msg.iter_attachments())
        assert attachment.get_filename() != "passwords.csv"
        for password in passwords.values():
            assert password.encode() not in raw and not any(password in w for w in words)
        if attachment.get_filename() in passwords:  # reps' books are encrypted, roll-ups are not
            assert "密码由主管另行告知" in words[0]


def test_a_manifest_saved_again_by_excel_in_gbk_is_read_as_it_was_written(tmp_path):
    """The director opens manifest.csv in Excel on a Chinese Windows, corrects nothing, saves:
    Excel writes it in GBK. The same recipients are read (Chinese names and files included)."""
    folder = make_folder(tmp_path / "books", 5)
    before = [(r.rep_id, r.name, r.file, r.email) for r in read_manifest(folder)]
    text = (folder / "manifest.csv").read_text(encoding="utf-8-sig")
    (folder / "manifest.csv").write_bytes(text.encode("gbk"))
    assert [(r.rep_id, r.name, r.file, r.email) for r in read_manifest(folder)] == before
    assert manifest_locale(folder) == "zh-CN"
    (folder / "manifest.csv").write_bytes(text.encode("gbk") + b"R9,\x80\xff\n")
    (found,) = problems_of(folder)
    assert found.startswith("manifest.csv: manifest.csv is text in none of UTF-8, UTF-16 and ")
    assert f"line {len(text.splitlines()) + 1} " in found
