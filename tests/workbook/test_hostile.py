"""Hostile and foreign files (SPEC §13): every package a third-party reader would stumble on is
refused with exit 2 at its part, sheet or table, by every command that reads the plan, and the
file stays byte for byte as it was; a file that is not an .xlsx says what it is; an encrypted
plan opens with its password from the environment and stays encrypted.

The packages are built here from the example plan: zip members rewritten with DTDs and entity
bombs, cut short, with a wrong CRC, stored twice; tables without a name or a range.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
import zlib
from pathlib import Path

import olefile
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from tests.rawzip import raw_zip
from xl_addin.cli import main
from xl_addin.workbook import example_company, init

START = example_company.PERIOD_START
PASSWORD = "Plan-Secret-2026"
HEADER = "salesplan: 1 problem in the input; nothing was changed."
RESAVE = "open it in Excel, save it (File ▸ Save As ▸ Excel Workbook) and run again"
DTD = "this part declares a DTD (entity declarations: an XML bomb can hide there), which Excel never writes: the workbook is refused for safety"
NOT_XML = "this part is not well-formed XML ({}), so the workbook is not one Excel writes and is refused for safety"
DAMAGED = "this part is damaged in the zip package ({}): the workbook is refused for safety"
# the classic entity-expansion bomb: a billion "lol"s from a few hundred bytes
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
REPS_SHEET, REPS_TABLE = "xl/worksheets/sheet4.xml", "xl/tables/table3.xml"  # as init writes


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The English example with only the 13 weeks of history its baseline reads (fast)."""

    def short_history(locale: str) -> dict[str, pd.DataFrame]:
        tables = example_company.example_tables(locale)
        h = tables["history"]
        tables["history"] = h[h["period"] >= pd.Timestamp(START) - pd.Timedelta(weeks=13)]
        return tables

    path = tmp_path_factory.mktemp("example") / "plan.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(init, "example_tables", short_history)
        init.write_plan(path, example=True, locale="en")
    with zipfile.ZipFile(path) as z:  # the parts this module rewrites are where it expects
        assert 'name="tblReps"' in z.read(REPS_TABLE).decode()
        assert z.read("xl/worksheets/_rels/sheet4.xml.rels").decode().count("table3.xml") == 1
    return path


# -- building packages ---------------------------------------------------------------------
def members(path) -> list[list]:
    """[name, data, method, crc, raw]: crc and raw None mean "as the data says"."""
    with zipfile.ZipFile(path) as z:
        return [[i.filename, z.read(i), zipfile.ZIP_DEFLATED, None, None] for i in z.infolist()]


def deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def package(items: list[list]) -> bytes:
    """The members as a zip written field by field (tests/rawzip.py)."""
    return raw_zip(items, lambda _, data: deflated(data))


def edit(part: str, change):
    def mutate(items):
        item = next(i for i in items if i[0] == part)
        item[1] = change(item[1])
        return items

    return mutate


def with_dtd(data: bytes) -> bytes:
    """The part behind a billion-laughs DTD, the bomb used in its first text or value."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    for tag in (b"<t>", b"<v>", b'<t xml:space="preserve">'):
        if tag in body:
            body = body.replace(tag, tag + b"&lol9;", 1)
            break
    return BOMB + body


def cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def raw_cut(part: str):
    """The part's deflate stream cut in half (its sizes and CRC those of the whole part)."""

    def mutate(items):
        item = next(i for i in items if i[0] == part)
        item[4] = cut(deflated(item[1]))
        return items

    return mutate


def bad_crc(part: str, stored: bool = False):
    """One digit of the part changed, its CRC still the original's: only the CRC tells."""

    def mutate(items):
        item = next(i for i in items if i[0] == part)
        item[3] = zlib.crc32(item[1])
        item[1] = re.sub(
            rb"<v>(\d)", lambda m: b"<v>" + bytes([48 + (m[1][0] - 47) % 10]), item[1], count=1
        )
        item[2] = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        return items

    return mutate


def twice(part: str):
    def mutate(items):
        k = next(n for n, i in enumerate(items) if i[0] == part)
        items.insert(
            k + 1, [part, items[k][1].replace(b"S001", b"S999"), zipfile.ZIP_DEFLATED, None, None]
        )
        return items

    return mutate


def without(part: str):
    return lambda items: [i for i in items if i[0] != part]


def table_attrs(change):
    return edit(REPS_TABLE, lambda d: change(d.decode()).encode())


REPS = f"{REPS_SHEET} (sheet Reps)"
CUT_OUT = (
    "this part is missing, though xl/_rels/workbook.xml.rels names it: it was cut out of the file"
)
CASES = {
    # a DTD, with an entity bomb, in every kind of part salesplan or its readers parse
    "dtd-shared-strings": (edit("xl/sharedStrings.xml", with_dtd), f"xl/sharedStrings.xml: {DTD}"),
    "dtd-sheet": (edit(REPS_SHEET, with_dtd), f"{REPS}: {DTD}"),
    "dtd-workbook": (edit("xl/workbook.xml", with_dtd), f"xl/workbook.xml: {DTD}"),
    "dtd-table": (edit(REPS_TABLE, with_dtd), f"{REPS_TABLE} (sheet Reps): {DTD}"),
    "dtd-content-types": (edit("[Content_Types].xml", with_dtd), f"[Content_Types].xml: {DTD}"),
    "dtd-package-rels": (edit("_rels/.rels", with_dtd), f"_rels/.rels: {DTD}"),
    "dtd-workbook-rels": (
        edit("xl/_rels/workbook.xml.rels", with_dtd),
        f"xl/_rels/workbook.xml.rels: {DTD}",
    ),
    "dtd-sheet-rels": (
        edit("xl/worksheets/_rels/sheet4.xml.rels", with_dtd),
        f"xl/worksheets/_rels/sheet4.xml.rels (sheet Reps): {DTD}",
    ),
    "dtd-core": (edit("docProps/core.xml", with_dtd), f"docProps/core.xml: {DTD}"),
    "dtd-styles": (edit("xl/styles.xml", with_dtd), f"xl/styles.xml: {DTD}"),
    # an entity used with no DTD at all: calamine's "unrecognized entity", located
    "entity-no-dtd": (
        edit("xl/sharedStrings.xml", lambda d: d.replace(b"<t>", b"<t>&i;", 1)),
        "xl/sharedStrings.xml: " + NOT_XML.format("line 2, column {}: undefined entity"),
    ),
    # parts that are not well-formed XML, read by calamine or by defusedxml
    "cut-shared-strings": (
        edit("xl/sharedStrings.xml", cut),
        "xl/sharedStrings.xml: " + NOT_XML.format("line 2, column {}: {}"),
    ),
    "cut-sheet": (edit(REPS_SHEET, cut), f"{REPS}: " + NOT_XML.format("line 2, column {}: {}")),
    "cut-styles": (
        edit("xl/styles.xml", cut),
        "xl/styles.xml: " + NOT_XML.format("line 2, column {}: {}"),
    ),
    "cut-workbook": (
        edit("xl/workbook.xml", cut),
        "xl/workbook.xml: " + NOT_XML.format("line 2, column {}: {}"),
    ),
    "cut-table": (
        edit(REPS_TABLE, cut),
        f"{REPS_TABLE}: " + NOT_XML.format("line 2, column {}: {}"),
    ),
    # the zip layer: a cut deflate stream, a wrong CRC (deflated or stored), a part twice
    "cut-deflate-stream": (
        raw_cut("xl/sharedStrings.xml"),
        "xl/sharedStrings.xml: " + DAMAGED.format("{}"),
    ),
    "crc-deflated": (
        bad_crc(REPS_SHEET),
        f"{REPS}: " + DAMAGED.format(f"Bad CRC-32 for file '{REPS_SHEET}'"),
    ),
    "crc-stored": (
        bad_crc(REPS_SHEET, stored=True),
        f"{REPS}: " + DAMAGED.format(f"Bad CRC-32 for file '{REPS_SHEET}'"),
    ),
    "part-twice": (
        twice(REPS_SHEET),
        f"{REPS}: this part is stored 2 times in the zip package, which Excel never writes: "
        "the workbook is refused for safety",
    ),
    # the package's structure
    "no-workbook-part": (
        without("xl/workbook.xml"),
        "plan.xlsx: not an Excel workbook (no workbook part)",
    ),
    # a part cut out of the package: named, never 15 "table missing" or a reader's words
    "no-workbook-rels": (
        without("xl/_rels/workbook.xml.rels"),
        "xl/_rels/workbook.xml.rels: this part is missing: without it the workbook's sheets "
        "cannot be found",
    ),
    "no-content-types": (
        without("[Content_Types].xml"),
        "[Content_Types].xml: this part is missing: without it no program finds the workbook "
        "in the package",
    ),
    "no-package-rels": (
        without("_rels/.rels"),
        "_rels/.rels: this part is missing: without it no program finds the workbook in the "
        "package",
    ),
    "no-shared-strings": (without("xl/sharedStrings.xml"), "xl/sharedStrings.xml: " + CUT_OUT),
    "no-theme": (without("xl/theme/theme1.xml"), "xl/theme/theme1.xml: " + CUT_OUT),
    "no-sheet": (without(REPS_SHEET), f"{REPS}: " + CUT_OUT),
    "table-bogus-ref": (
        table_attrs(lambda t: re.sub(r' ref="[^"]*"', ' ref="ZZ$$"', t, count=1)),
        'Reps: table tblReps has no valid range (ref "ZZ$$"), which Excel never writes',
    ),
    "table-no-ref": (
        table_attrs(lambda t: re.sub(r' ref="[^"]*"', "", t, count=1)),
        'Reps: table tblReps has no valid range (ref ""), which Excel never writes',
    ),
    "table-no-name": (
        table_attrs(lambda t: re.sub(r' (?:displayName|name)="tblReps"', "", t)),
        f"Reps: the table of {REPS_TABLE} has no name, which Excel never writes",
    ),
}


def pattern(expected: str, plan: Path) -> re.Pattern:
    """The expected line, `{}` standing for a number or words of the reader's own."""
    parts = expected.replace("{plan}", str(plan)).split("{}")
    return re.compile(".+?".join(re.escape(p) for p in parts))


def commands(plan: Path) -> dict[str, list[str]]:
    """Every command that reads a plan, as a user types it."""
    return {
        "decompose": ["decompose", str(plan)],
        "track": ["track", str(plan)],
        "recalibrate": [
            "recalibrate",
            str(plan),
            "--rep",
            "S001",
            "--target",
            "1600000",
            "--reason",
            "x",
        ],
        "issue": ["issue", str(plan), "--out", str(plan.parent / "out")],
        "collect": ["collect", str(plan.parent / "returned"), str(plan)],
    }


def refused(plan: Path, argv: list[str], capsys) -> list[str]:
    """The command exits 2 with its problems, and leaves the folder exactly as it was."""
    before = plan.read_bytes()
    folder = sorted(p.name for p in plan.parent.iterdir())
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv[0], out + err)
    assert "Traceback" not in err and "failed:" not in err, err
    assert plan.read_bytes() == before, argv[0]
    assert sorted(p.name for p in plan.parent.iterdir()) == folder, argv[0]  # no .bak, no .tmp
    return err.splitlines()


# Found only when the reader reaches the part (calamine's failure, explained): the same
# boundary for every command, so two commands suffice (issue reads styles.xml as they do).
FOUND_BY_READING = {"entity-no-dtd", "cut-shared-strings", "cut-sheet", "cut-styles"}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_package_is_refused_at_its_part_by_every_command(case, example, tmp_path, capsys):
    mutate, expected = CASES[case]
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(package(mutate(members(example))))
    (tmp_path / "returned").mkdir()
    for name, argv in commands(plan).items():
        if case in FOUND_BY_READING and name not in ("decompose", "issue"):
            continue
        lines = refused(plan, argv, capsys)
        assert lines[0] == HEADER, (name, lines)
        assert pattern(expected, plan).fullmatch(lines[1].split(" — ")[0]), (name, lines[1])


def test_the_package_writer_itself_changes_nothing(example, tmp_path):
    """The example rewritten member by member by `package` reads as the example does."""
    from xl_addin.workbook.filebook import FileBook

    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(package(members(example)))
    got, want = FileBook(plan), FileBook(example)
    try:
        assert got.table_names() == want.table_names()
        assert all(got.table(t) == want.table(t) for t in want.table_names())
    finally:
        got.close()
        want.close()


def test_an_entity_bomb_is_refused_before_it_is_expanded(example, tmp_path, capsys):
    """A billion laughs in sharedStrings costs nothing: the DTD is seen before any entity."""
    import time

    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(package(edit("xl/sharedStrings.xml", with_dtd)(members(example))))
    started = time.perf_counter()
    lines = refused(plan, ["decompose", str(plan)], capsys)
    assert time.perf_counter() - started < 1
    assert lines[1] == f"xl/sharedStrings.xml: {DTD} — {RESAVE}"


def test_a_file_cut_short_is_a_damaged_workbook(example, tmp_path, capsys):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(cut(example.read_bytes()))
    lines = refused(plan, ["decompose", str(plan)], capsys)
    assert lines[1] == (
        f"{plan}: a damaged workbook: its zip package cannot be read (File is not a zip file) "
        "— the file was cut short or changed on its way: take it again from where it came, "
        "or use its backup (.bak)"
    )


def test_two_tables_whose_names_differ_only_in_case_are_both_named(example, tmp_path, capsys):
    """tblCoverage renamed TBLREPS: which would salesplan read as tblReps? Neither, it says."""
    items = members(example)
    coverage = next(i[0] for i in items if b'displayName="tblCoverage"' in i[1])

    def rename(data: bytes) -> bytes:
        return data.replace(b'"tblCoverage"', b'"TBLREPS"')

    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(package(edit(coverage, rename)(items)))
    ref = re.search(rb' ref="([^"]+)"', next(i for i in items if i[0] == coverage)[1])[1].decode()
    lines = refused(plan, ["decompose", str(plan)], capsys)
    assert lines[1:] == [
        f"Coverage!{ref.split(':')[0]}: tables tblReps (Reps!A1:M25) and TBLREPS (Coverage!{ref}) "
        "have the same name ignoring case, which Excel does not allow: salesplan cannot tell "
        "which to read — rename one of them (Table Design ▸ Table Name) or delete it"
    ]


# -- files that are not .xlsx ---------------------------------------------------------------
def ole_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding `streams` (made from an encrypted workbook's container)."""
    from pyopenvba.cfb import CFB

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_minimal_xlsx())).encrypt("x" * 8, out)
    cfb = CFB.from_bytes(out.getvalue())
    for name in ("EncryptionInfo", "EncryptedPackage"):
        cfb.remove_stream(name)
    for name, data in streams.items():
        cfb.add_stream_at((), name, data)
    made = cfb.to_bytes()
    assert sorted(olefile.OleFileIO(io.BytesIO(made)).listdir())[-len(streams) :] == sorted(
        [n] for n in streams
    )
    return made


def _minimal_xlsx() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def ods() -> bytes:
    """An OpenDocument spreadsheet as the format starts one: `mimetype` first, stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
        z.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


SAVE_AS = "open it in Excel and save it as Excel Workbook (.xlsx)"
FOREIGN = {
    "plan.xlsx": (
        b"",
        "an empty file (0 bytes), not an Excel workbook — it was not saved completely: take the workbook again from where it came, or use its backup (.bak)",
    ),
    "sheet.xlsx": (
        lambda: ole_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 4096}),
        f"an Excel 97-2003 workbook (.xls), not an Excel 2007-365 workbook (.xlsx) — {SAVE_AS}",
    ),
    "plan.xlsm": (
        ods,
        "an OpenDocument spreadsheet (.ods), not an Excel workbook — open it in LibreOffice or "
        "Excel and save it as Excel 2007-365 (.xlsx)",
    ),
    "export.xlsx": (
        "RepID,Name,Region\nS001,王芳,North\n".encode("gbk"),
        "a text or CSV file, not an Excel workbook — open it in Excel and save it as Excel "
        "Workbook (.xlsx); a CSV export of history or actuals can also be named in tblSources",
    ),
    "web.xlsx": (
        b"<html><body><table><tr><td>S001</td></tr></table></body></html>",
        f"a web page (HTML), not an Excel workbook — {SAVE_AS}",
    ),
    "letter.xlsx": (
        lambda: ole_file({"WordDocument": b"\xec\xa5" + b"\x00" * 4096}),
        f"a Word document, not an Excel workbook — {SAVE_AS}",
    ),
}


@pytest.mark.parametrize("name", list(FOREIGN))
def test_a_file_that_is_not_an_xlsx_says_what_it_is(name, tmp_path, capsys):
    content, expected = FOREIGN[name]
    plan = tmp_path / name
    plan.write_bytes(content() if callable(content) else content)
    for argv in (["decompose", str(plan)], ["issue", str(plan), "--out", str(tmp_path / "o")]):
        assert refused(plan, argv, capsys)[1:] == [f"{plan}: {expected}"]


# -- an encrypted plan -----------------------------------------------------------------------
@pytest.fixture
def encrypted(example, tmp_path) -> Path:
    plan = tmp_path / "plan.xlsx"
    sealed = io.BytesIO()
    OOXMLFile(io.BytesIO(example.read_bytes())).encrypt(PASSWORD, sealed)
    plan.write_bytes(sealed.getvalue())
    return plan


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Where the decrypted copy goes: watched, so that nothing of it may stay."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def opened(path: Path, password: str = PASSWORD) -> zipfile.ZipFile:
    office = OOXMLFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=password, verify_password=True)
    plain = io.BytesIO()
    office.decrypt(plain, verify_integrity=True)
    return zipfile.ZipFile(plain)


def test_an_encrypted_plan_decomposes_with_its_password_and_stays_encrypted(
    encrypted, example, private_tmp, tmp_path, monkeypatch, capsys
):
    original = encrypted.read_bytes()
    monkeypatch.setenv("PLAN_PASSWORD", PASSWORD)
    assert main(["decompose", str(encrypted), "--password-env", "PLAN_PASSWORD"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and PASSWORD not in out
    assert out.startswith("Decomposed ") and "team target" in out
    # the same sheets as the plain plan gets
    plain = tmp_path / "plain" / "plan.xlsx"
    plain.parent.mkdir()
    plain.write_bytes(example.read_bytes())
    assert main(["decompose", str(plain)]) == 0
    capsys.readouterr()
    assert encrypted.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # still OLE
    with opened(encrypted) as got, zipfile.ZipFile(plain) as want:
        assert got.namelist() == want.namelist()
        sheets = [n for n in want.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) > 16  # the output sheets are there
        assert all(got.read(n) == want.read(n) for n in sheets)
    # the previous version is kept, encrypted as it was; nothing decrypted is left anywhere
    assert (tmp_path / "plan.xlsx.bak").read_bytes() == original
    assert list(private_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "plain",
        "plan.xlsx",
        "plan.xlsx.bak",
        "tmp",
    ]


def test_issue_reads_an_encrypted_plan_and_leaves_it_untouched(
    encrypted, private_tmp, tmp_path, monkeypatch, capsys
):
    original = encrypted.read_bytes()
    monkeypatch.setenv("PLAN_PASSWORD", PASSWORD)
    out_folder = tmp_path / "out"
    argv = ["issue", str(encrypted), "--out", str(out_folder), "--password-env", "PLAN_PASSWORD"]
    assert main(argv) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("Issued 24 responsibility workbooks")
    assert encrypted.read_bytes() == original
    assert len(list(out_folder.glob("S0*.xlsx"))) == 24
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    "env, option, expected",
    [
        (
            {},
            [],
            "{plan}: the workbook is encrypted with a password — put its password in an "
            "environment variable and name the variable: --password-env VARIABLE (never the "
            "password itself on the command line)",
        ),
        (
            {},
            ["--password-env", "PLAN_PASSWORD"],
            "--password-env: the environment variable PLAN_PASSWORD is not set or is empty — "
            "set it to the workbook's password and run again",
        ),
        (
            {"PLAN_PASSWORD": "not-the-password"},
            ["--password-env", "PLAN_PASSWORD"],
            "{plan}: the password in PLAN_PASSWORD does not open the workbook — put the "
            "workbook's password in PLAN_PASSWORD and run again",
        ),
    ],
    ids=["no-password", "unset-variable", "wrong-password"],
)
def test_an_encrypted_plan_without_its_password_is_refused(
    env, option, expected, encrypted, private_tmp, tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("PLAN_PASSWORD", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "returned").mkdir()
    for name, argv in commands(encrypted).items():
        if env and name not in ("decompose", "issue"):  # each a key derivation: 0.5 s
            continue
        lines = refused(encrypted, argv + option, capsys)
        assert lines[1:] == [expected.replace("{plan}", str(encrypted))], argv[0]
        assert "not-the-password" not in "\n".join(lines)
    assert list(private_tmp.iterdir()) == []


def test_a_hostile_package_inside_an_encrypted_plan_is_named_as_the_plan(
    example, private_tmp, tmp_path, monkeypatch, capsys
):
    """The decrypted copy is private: problems name the plan's parts, never the copy's path."""
    plan = tmp_path / "plan.xlsx"
    sealed = io.BytesIO()
    hostile = package(edit("xl/sharedStrings.xml", cut)(members(example)))
    OOXMLFile(io.BytesIO(hostile)).encrypt(PASSWORD, sealed)
    plan.write_bytes(sealed.getvalue())
    monkeypatch.setenv("PLAN_PASSWORD", PASSWORD)
    lines = refused(plan, ["decompose", str(plan), "--password-env", "PLAN_PASSWORD"], capsys)
    assert lines[1].startswith("xl/sharedStrings.xml: this part is not well-formed XML (line 2")
    assert str(private_tmp) not in "\n".join(lines)
    assert list(private_tmp.iterdir()) == []
    assert os.access(plan, os.R_OK)


def test_a_returned_workbook_that_is_not_well_formed_is_refused_by_name(example, tmp_path, capsys):
    """collect reads the reps' files too: one whose marker part is broken is refused by name,
    and the plan is not blamed for it."""
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(example.read_bytes())
    returned = tmp_path / "returned"
    returned.mkdir()
    custom = "docProps/custom.xml"
    for name, marker in (("S001_cut.xlsx", b"<Properties><property"), ("S002_dtd.xlsx", BOMB)):
        items = members(io.BytesIO(_minimal_xlsx()))
        (returned / name).write_bytes(package([*items, [custom, marker + b"<x/>", 8, None, None]]))
    before = plan.read_bytes()
    assert main(["collect", str(returned), str(plan)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out.splitlines()
    assert (
        "  refused S001_cut.xlsx: not a responsibility workbook issued by salesplan "
        "(it has no readable marker)" in out
    ), out
    # the package check names the part and what is wrong with it
    assert f"  refused S002_dtd.xlsx: its sheets cannot be read ({custom}: {DTD})" in out, out
    assert plan.read_bytes() == before


def test_a_chinese_plan_hears_it_in_chinese(example, tmp_path, capsys):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(package(edit("xl/styles.xml", with_dtd)(members(example))))
    lines = refused(
        plan, ["issue", str(plan), "--out", str(tmp_path / "o"), "--lang", "zh-CN"], capsys
    )
    assert lines == [
        "salesplan: 输入中有 1 个问题；未做任何改动。",
        "xl/styles.xml: 此部件声明了 DTD（实体声明：可能藏有 XML 炸弹），Excel 从不这样写："
        "为安全起见拒绝读取该工作簿 — 请在 Excel 中打开并保存（文件 ▸ 另存为 ▸ Excel 工作簿）后再运行",
    ]


def test_a_part_that_is_not_utf8_is_named_when_the_splice_reads_it(example, tmp_path, capsys):
    """docProps/app.xml is read only to be rewritten; a byte that is no UTF-8 there is found
    then (after the engine's work, before anything is written), and named."""
    plan = tmp_path / "plan.xlsx"
    broken = edit(
        "docProps/app.xml", lambda d: d.replace(b"<Application>", b"<Application>\xcd", 1)
    )
    plan.write_bytes(package(broken(members(example))))
    lines = refused(plan, ["decompose", str(plan)], capsys)
    assert pattern(
        "docProps/app.xml: "
        + NOT_XML.format("line {}, column {}: not well-formed (invalid token)"),
        plan,
    ).fullmatch(lines[1].split(" — ")[0]), lines
