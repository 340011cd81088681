"""Password encryption of issued workbooks (SPEC §8): Excel's agile encryption, proven by a
round trip, by the file's structure and by LibreOffice opening it with the password."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import secrets
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from engine.problems import PlanError
from tests import builders as b
from tests.libreoffice import LibreOfficeError, soffice
from tests.workbook.test_atomic import posix_only
from xl_addin.repbook.encrypt import (
    ALPHABET,
    DIGITS,
    LOWER,
    UPPER,
    decrypt,
    encrypt,
    new_password,
    passwords_for,
    write_password_list,
)

PASSWORD = "Plan-2026-Secret"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
CELLS = {"A1": "销售目标", "B1": 1234567, "A2": "张伟", "B2": 0.35}


def _workbook(*, stored: bool = False) -> bytes:
    """A small .xlsx: Chinese text and numbers. `stored`: without compression, so its text
    can be found in the bytes (to prove that encryption hides it)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("目标")
    for cell, value in CELLS.items():
        sheet.write(cell, value)
    book.close()
    if not stored:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item), zipfile.ZIP_STORED)
    return out.getvalue()


def _values(data: bytes) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return {cell: sheet[cell].value for cell in CELLS}


@pytest.fixture(scope="module")
def plain() -> bytes:
    return _workbook()


@pytest.fixture(scope="module")
def encrypted(plain) -> bytes:
    return encrypt(plain, PASSWORD)


# --- encrypt / decrypt --------------------------------------------------------------------


def test_decrypting_with_the_password_gives_back_the_same_bytes(plain, encrypted):
    assert decrypt(encrypted, PASSWORD) == plain


def test_the_decrypted_workbook_opens_with_the_same_values(encrypted):
    assert _values(decrypt(encrypted, PASSWORD)) == CELLS


def test_an_encrypted_workbook_is_an_ole_file_marked_encrypted_not_a_zip(encrypted):
    assert encrypted[:8] == OLE_MAGIC
    assert not zipfile.is_zipfile(io.BytesIO(encrypted))
    # a second reading path in msoffcrypto: format detection, not the OOXML class used above
    office = msoffcrypto.OfficeFile(io.BytesIO(encrypted))
    assert office.is_encrypted()
    assert office.type == "agile"  # what Excel 2010+ writes (AES-256, SHA-512)


def test_an_encrypted_workbook_holds_neither_the_password_nor_the_text():
    plain = _workbook(stored=True)
    secrets_in_it = [
        "销售目标".encode(),
        "张伟".encode(),
        b"xl/worksheets/sheet1.xml",  # a part name, plain in any zip
        "目标".encode(),  # the sheet's name
    ]
    assert all(s in plain for s in secrets_in_it)  # so their absence below means something
    assert _values(plain) == CELLS
    encrypted = encrypt(plain, PASSWORD)
    for s in [*secrets_in_it, PASSWORD.encode("utf-8"), PASSWORD.encode("utf-16-le")]:
        assert s not in encrypted, s
    assert decrypt(encrypted, PASSWORD) == plain


def test_a_wrong_password_is_refused(encrypted):
    for wrong in (PASSWORD + "x", PASSWORD.lower(), "", "Plan-2026-Secre"):
        with pytest.raises(ValueError, match="^wrong password$"):
            decrypt(encrypted, wrong)


def test_each_encryption_is_salted_afresh(plain, encrypted):
    again = encrypt(plain, PASSWORD)
    assert again != encrypted
    assert decrypt(again, PASSWORD) == plain


def test_decrypting_an_altered_file_is_refused(encrypted):
    # flip one byte of the encrypted package (the last stream of the file): the HMAC that
    # the agile format stores over it no longer matches
    altered = bytearray(encrypted)
    ole = msoffcrypto.OfficeFile(io.BytesIO(encrypted)).file
    offset = encrypted.index(ole.openstream("EncryptedPackage").read()[:64]) + 40
    altered[offset] ^= 0xFF
    with pytest.raises(ValueError, match="damaged or was altered"):
        decrypt(bytes(altered), PASSWORD)


def test_what_cannot_be_encrypted_or_decrypted_is_a_value_error(plain, encrypted):
    with pytest.raises(ValueError, match="empty password"):
        encrypt(plain, "")
    with pytest.raises(ValueError, match="cannot encrypt"):
        encrypt(b"not a workbook", PASSWORD)
    with pytest.raises(ValueError, match="cannot encrypt"):
        encrypt(encrypted, PASSWORD)
    with pytest.raises(ValueError, match="not encrypted"):
        decrypt(plain, PASSWORD)


# --- LibreOffice opens it with the password ------------------------------------------------
#
# `soffice --convert-to` cannot be given a password (it answers "source file could not be
# loaded"), so the check goes through UNO: soffice listens on a pipe, and a client run by the
# Python that has LibreOffice's `uno` module opens the file with the MediaDescriptor property
# Password, as an Excel user would type it, and reads the cells back.

_UNO_CLIENT = r"""
import json, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

job = json.load(sys.stdin)
resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
    "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext())
deadline = time.monotonic() + job["timeout"]
while True:
    try:
        ctx = resolver.resolve(job["connect"])
        break
    except NoConnectException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


result = {}
for label, password in job["passwords"].items():
    props = [prop("Hidden", True), prop("ReadOnly", True)]
    if password is not None:
        props.append(prop("Password", password))
    try:
        doc = desktop.loadComponentFromURL(job["url"], "_blank", 0, tuple(props))
    except Exception as e:
        result[label] = {"refused": type(e).__name__ + ": " + str(e)[:200]}
        continue
    if doc is None:
        result[label] = {"refused": "loadComponentFromURL returned nothing"}
        continue
    sheet = doc.Sheets.getByIndex(0)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    rows = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).DataArray
    result[label] = {"sheet": sheet.Name, "rows": [list(r) for r in rows]}
    doc.close(True)
print(json.dumps(result))
try:
    desktop.terminate()
except Exception:
    pass  # soffice quits while answering; the bridge is gone
"""


def _uno_python() -> str:
    """A Python that can `import uno`: LibreOffice's own, else one on PATH (e.g. Debian's,
    with python3-uno, which libreoffice-common recommends). Skips (fails under CI) if none."""
    program = Path(soffice()).resolve().parent
    candidates = [program / "python", program / "python.exe"]
    candidates += [Path(d) / "python3" for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    env = _clean_env()
    for candidate in dict.fromkeys(candidates):
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        probe = subprocess.run(
            [str(candidate), "-c", "import uno"], env=env, capture_output=True, timeout=60
        )
        if probe.returncode == 0:
            return str(candidate)
    hint = "no Python with LibreOffice's `uno` module (Debian: apt-get install python3-uno)"
    if os.environ.get("CI") == "true":
        raise AssertionError(hint + " (required when CI=true)")
    pytest.skip(hint + " (this skip becomes a failure under CI=true)")


def _clean_env() -> dict[str, str]:
    """This process's environment without what would point another Python at our venv."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@contextlib.contextmanager
def _listening_soffice(profile: Path):
    """A headless soffice with a private profile, accepting UNO on a pipe; always ended."""
    pipe = f"salesplan_encrypt_{os.getpid()}_{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so it can be ended with its children
    )
    try:
        yield f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    finally:
        try:
            proc.wait(timeout=30)  # the client asked it to terminate
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait()


def _open_in_libreoffice(path: Path, passwords: dict, profile: Path) -> dict:
    python = _uno_python()
    job = {"url": path.resolve().as_uri(), "passwords": passwords, "timeout": 120}
    started = time.monotonic()
    with _listening_soffice(profile) as connect:
        run = subprocess.run(
            [python, "-c", _UNO_CLIENT],
            input=json.dumps({**job, "connect": connect}),  # passwords not on a command line
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=240,
        )
    if run.returncode != 0:
        raise LibreOfficeError(
            f"the UNO client failed after {time.monotonic() - started:.0f} s (exit "
            f"{run.returncode}) opening {path}\nstdout: {run.stdout}\nstderr: {run.stderr}"
        )
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_libreoffice_opens_the_encrypted_workbook_with_the_password_only(tmp_path, encrypted):
    path = tmp_path / "R001_张伟_2026-01-05.xlsx"
    path.write_bytes(encrypted)
    opened = _open_in_libreoffice(
        path,
        {"right": PASSWORD, "wrong": PASSWORD + "x", "none": None},
        tmp_path / "profile",
    )
    assert opened["right"] == {
        "sheet": "目标",
        "rows": [["销售目标", 1234567.0], ["张伟", 0.35]],
    }, opened
    assert "refused" in opened["wrong"], opened
    assert "refused" in opened["none"], opened


# --- new_password ---------------------------------------------------------------------------


def test_a_new_password_has_14_characters_without_look_alikes():
    for _ in range(200):
        password = new_password()
        assert len(password) == 14
        assert set(password) <= set(ALPHABET)
        assert not set(password) & set("0Oo1lI")


def test_the_alphabet_is_letters_and_digits_without_look_alikes():
    assert len(UPPER) == len(LOWER) == 24 and DIGITS == "23456789"
    assert not set(ALPHABET) & set("0Oo1lI")


def test_a_new_password_has_an_upper_case_letter_a_lower_case_letter_and_a_digit():
    rng = random.Random(2026)
    for _ in range(1000):  # about one draw in nine lacks a class and is drawn again
        password = new_password(rng)
        assert set(password) & set(UPPER)
        assert set(password) & set(LOWER)
        assert set(password) & set(DIGITS)


def test_a_thousand_new_passwords_are_distinct_and_use_the_whole_alphabet():
    drawn = [new_password() for _ in range(1000)]
    assert len(set(drawn)) == 1000
    assert set("".join(drawn)) == set(ALPHABET)


def test_a_seeded_random_draws_the_same_password_every_time():
    first = new_password(random.Random(7))
    assert [new_password(random.Random(7)) for _ in range(3)] == [first] * 3
    assert new_password(random.Random(8)) != first


def test_without_a_random_the_password_is_drawn_by_secrets(monkeypatch):
    made = []

    def system_random():  # stands in for secrets.SystemRandom, seeded to be checkable
        made.append(random.Random(5))
        return made[-1]

    monkeypatch.setattr(secrets, "SystemRandom", system_random)
    assert new_password() == new_password(random.Random(5))
    assert len(made) == 1


# --- passwords_for --------------------------------------------------------------------------


def _reps_table(passwords: list) -> pd.DataFrame:
    """tblReps as the reader hands it over: rows 2.. of sheet Reps, Password in column M."""
    frame = b.reps(len(passwords), password=passwords)
    frame.index = [f"k{i}" for i in range(len(passwords))]  # not a RangeIndex
    frame["_row"] = range(2, 2 + len(passwords))
    frame.attrs["sheet"] = "Reps"
    frame.attrs["columns"] = {"rep_id": "A", "name": "B", "region": "C", "password": "M"}
    return frame


def test_typed_passwords_are_kept_stripped_and_blank_ones_generated():
    reps = _reps_table(["  Summer-Plan-2026 ", None, "   ", 12345678.0, "\u3000春季计划2026\u3000"])
    passwords = passwords_for(reps)
    assert list(passwords.index) == list(reps.index)
    assert passwords["k0"] == "Summer-Plan-2026"
    assert passwords["k3"] == "12345678"  # typed as a number in Excel
    assert passwords["k4"] == "春季计划2026"
    generated = passwords[["k1", "k2"]]
    assert all(len(p) == 14 and set(p) <= set(ALPHABET) for p in generated)
    assert generated.nunique() == 2


def test_generated_passwords_are_reproducible_with_a_seeded_random():
    reps = _reps_table([None, None, None])
    first = passwords_for(reps, rng=random.Random(3))
    assert first.equals(passwords_for(reps, rng=random.Random(3)))
    assert first.nunique() == 3


def test_a_table_without_a_password_column_gets_a_new_password_for_every_rep():
    reps = b.reps(3).drop(columns="password")
    passwords = passwords_for(reps)
    assert len(passwords) == 3 and passwords.map(len).eq(14).all()


def test_a_password_shorter_than_8_characters_is_reported_at_its_cell():
    reps = _reps_table(["Summer-Plan-2026", None, "abcde"])
    with pytest.raises(PlanError) as caught:
        passwords_for(reps)
    assert b.english(caught.value) == (
        'Reps!M4: Password of rep "R003" has 5 characters, fewer than 8'
        " — type a longer one, or leave the cell blank to have one generated"
    )
    assert b.words(caught.value, "zh-CN") == (
        "Reps!M4: 销售“R003”的密码只有 5 个字符，少于 8 个 — 请填写更长的密码，或留空以自动生成"
    )
    assert "abcde" not in b.english(caught.value)  # a password never appears in a message


def test_a_password_longer_than_excel_opens_is_reported_at_its_cell():
    """Excel's Open dialog takes at most 255 characters: 255 is used, 256 is refused."""
    reps = _reps_table(["a" * 255, "b" * 256, "c" * 40_000])
    with pytest.raises(PlanError) as caught:
        passwords_for(reps)
    assert b.english(caught.value).splitlines() == [
        'Reps!M3: Password of rep "R002" has 256 characters; Excel opens a workbook with a'
        " password of at most 255 — type a shorter one, or leave the cell blank to have one"
        " generated",
        'Reps!M4: Password of rep "R003" has 40,000 characters; Excel opens a workbook with a'
        " password of at most 255 — type a shorter one, or leave the cell blank to have one"
        " generated",
    ]
    assert "销售“R002”的密码有 256 个字符" in b.words(caught.value, "zh-CN")
    assert passwords_for(_reps_table(["a" * 255])).iloc[0] == "a" * 255


def test_a_region_rollups_password_is_its_own_and_a_short_one_is_reported_at_its_cell():
    regions = pd.DataFrame(
        {"region": ["North", "East", "West"], "password": ["North-Plan-26", None, "1234"]}
    )
    regions["_row"] = range(2, 5)
    regions.attrs["sheet"] = "Regions"
    regions.attrs["columns"] = {"region": "A", "password": "F"}
    with pytest.raises(PlanError) as caught:
        passwords_for(regions)
    assert b.english(caught.value).startswith(
        'Regions!F4: Password of region "West"\'s roll-up has 4 characters, fewer than 8'
    )
    assert b.words(caught.value, "zh-CN").startswith(
        "Regions!F4: 区域“West”汇总表的密码只有 4 个字符"
    )
    regions.loc[2, "password"] = None
    given = passwords_for(regions, rng=random.Random(5))
    assert given.iloc[0] == "North-Plan-26" and len(given.iloc[1]) == len(given.iloc[2]) == 14


def test_every_unusable_password_is_reported_in_one_error():
    reps = _reps_table(["short", "Long-enough-1", " 1234567 ", "=HYPERLINK(1)", "-minus-first"])
    with pytest.raises(PlanError) as caught:
        passwords_for(reps)
    problems = caught.value.problems
    assert [f"{p.sheet}!{p.cell}" for p in problems] == ["Reps!M2", "Reps!M4", "Reps!M5", "Reps!M6"]
    assert b.english(problems[2]) == (
        'Reps!M5: Password of rep "R004" starts with "=", which Excel reads as a formula'
        " — start it with a letter or a digit, or leave the cell blank"
    )


# --- write_password_list --------------------------------------------------------------------

ROWS = [
    {"RepID": "R001", "Name": "张伟", "File": "R001_张伟_2026-01-05.xlsx", "Password": "Ab3dEf5hJk7mNp"},
    {"RepID": "R002", "Name": "Li Na", "File": "R002_Li Na_2026-01-05.xlsx", "Password": "x, \"y\" z 2026"},
]  # fmt: skip


def _read_list(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_the_password_list_is_a_csv_with_a_bom_for_excel(tmp_path):
    path = tmp_path / "passwords.csv"
    write_password_list(path, ROWS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfRepID,Name,File,Password\r\n")
    assert _read_list(path) == [
        ["RepID", "Name", "File", "Password"],
        ["R001", "张伟", "R001_张伟_2026-01-05.xlsx", "Ab3dEf5hJk7mNp"],
        ["R002", "Li Na", "R002_Li Na_2026-01-05.xlsx", 'x, "y" z 2026'],
    ]


@posix_only
def test_the_password_list_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "passwords.csv"
    path.write_text("an older list")
    path.chmod(0o644)
    write_password_list(path, ROWS)
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_password_list_replaces_an_older_one_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "passwords.csv"
    path.write_text("an older list\n")
    write_password_list(path, ROWS[:1])
    assert len(_read_list(path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["passwords.csv"]


def test_a_failed_write_leaves_the_older_list_as_it_was(tmp_path):
    path = tmp_path / "passwords.csv"
    path.write_text("an older list\n")
    with pytest.raises(ValueError):  # a column the list does not have
        write_password_list(path, [*ROWS, {**ROWS[0], "Email": "a@example.com"}])
    assert path.read_text() == "an older list\n"
    assert [p.name for p in tmp_path.iterdir()] == ["passwords.csv"]


def test_names_from_user_data_are_written_as_text_not_formulas(tmp_path):
    path = tmp_path / "passwords.csv"
    row = {**ROWS[0], "Name": '=HYPERLINK("http://x")', "RepID": "@R1"}
    write_password_list(path, [row])
    assert _read_list(path)[1][:2] == ["'@R1", '\'=HYPERLINK("http://x")']


def test_a_password_excel_would_read_as_a_formula_is_not_written(tmp_path):
    path = tmp_path / "passwords.csv"
    with pytest.raises(ValueError, match="R001"):
        write_password_list(path, [{**ROWS[0], "Password": "=1+1abcdefgh"}])
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
