"""Output sheets spliced into a user's workbook: the user's parts stay byte for byte (SPEC §1.2, §13).

Every workbook here is built by a fixture (XlsxWriter or openpyxl); nothing binary is stored.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from engine.problems import PlanError
from tests.builders import words
from tests.libreoffice import opens_cleanly, recalculate_many
from xl_addin.sheets.description import Block, Col, OutputSheet
from xl_addin.sheets.render import render
from xl_addin.workbook import package
from xl_addin.workbook.package import find_tables, formulas_over
from xl_addin.workbook.splice import full_calc_on_load, replace_sheets
from xl_addin.workbook.styles import merge_styles

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
MONEY = "#,##0"
VBA = b"salesplan test stand-in for a vbaProject.bin (not a real VBA project)"

# ---------------------------------------------------------------------------------------
# What salesplan writes: two sheets, one with two blocks, a status column, user text that
# looks like formulas, and Chinese.

TARGETS = pd.DataFrame(
    {
        "rep_id": ["R001", "R002", "R003", "R004"],
        "name": ["=SUM(A1)", "+86 138 0000 0000", "@home", "张三（华东）"],
        "target": [120000, 95000.5, 0, 250000],
        "capability": [1.2, 1.0, 0.8, 1.1],
    }
)
REGIONS = pd.DataFrame(
    {"region": ["North", "南区"], "target": [300000, 165000.5], "gap": [0, -5000]}
)
RECONCILIATION = pd.DataFrame(
    {
        "check": ["team = Σ regions", "-5 units left", "区域合计"],
        "expected": [465000.5, 1, None],
        "difference": [0, 1, 0],
    }
)


def description() -> list[OutputSheet]:
    targets = Block(
        "tblTargets",
        (
            Col("rep_id", "RepID"),
            Col("name", "Name"),
            Col("target", "Target", MONEY),
            Col("capability", "Capability", "0.00"),
        ),
        TARGETS,
    )
    regions = Block(
        "tblRegionTargets",
        (Col("region", "Region"), Col("target", "Target", MONEY), Col("gap", "Gap", MONEY)),
        REGIONS,
        title="Regions 区域",
        status="gap",
    )
    reconciliation = Block(
        "tblReconciliation",
        (
            Col("check", "Check"),
            Col("expected", "Expected", MONEY),
            Col("difference", "Difference", MONEY),
        ),
        RECONCILIATION,
        status="difference",
    )
    return [
        OutputSheet("Targets", "Targets", (targets, regions), freeze_cols=2),
        OutputSheet("Reconciliation", "Reconciliation", (reconciliation,), freeze_cols=0),
    ]


# Where each block lands: (table, first row of the header, Excel ref).
EXPECTED_TABLES = {
    "Targets": [("tblTargets", 1, "A1:D5"), ("tblRegionTargets", 8, "A8:C10")],
    "Reconciliation": [("tblReconciliation", 1, "A1:C4")],
}


# ---------------------------------------------------------------------------------------
# The user's workbooks.


def tiny_png() -> bytes:
    """A 1×1 red PNG, built by hand (no Pillow)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def xlsxwriter_book(path: Path, vba: bytes | None = None) -> Path:
    """Inputs (the user's: table, formulas, comment, chart, image, validation, name),
    an old Targets sheet salesplan wrote earlier, and the user's Notes after it."""
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": dt.datetime(2026, 1, 5)})
    inputs = wb.add_worksheet("Inputs")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    inputs.add_table(
        "A1:C4",
        {
            "name": "tblHistory",
            "columns": [{"header": "Period"}, {"header": "Amount"}, {"header": "Region"}],
        },
    )
    for i, (amount, region) in enumerate([(10, "North"), (20, "South"), (30, "North")], start=1):
        inputs.write_datetime(i, 0, dt.datetime(2026, 1, i), date)
        inputs.write_number(i, 1, amount)
        inputs.write_string(i, 2, region)
    inputs.write_string("E1", "Total")
    inputs.write_formula("F1", "=SUM(B2:B4)")
    inputs.write_string("E2", "Top target")
    inputs.write_formula("F2", "=Targets!C2")  # the user's formula over salesplan's output
    inputs.write_comment("A1", "Paste the CRM export here")
    inputs.data_validation("C2:C20", {"validate": "list", "source": ["North", "South"]})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Inputs!$B$2:$B$4", "categories": "=Inputs!$C$2:$C$4"})
    inputs.insert_chart("H2", chart)
    inputs.insert_image("H20", "dot.png", {"image_data": io.BytesIO(tiny_png())})
    wb.define_name("HistoryTotal", "=Inputs!$F$1")

    old = wb.add_worksheet("Targets")
    old.write_row(0, 0, ["RepID", "Target"])
    old.write_row(1, 0, ["R001", 1])
    old.autofilter("A1:B2")
    old.write_comment("B2", "stale")

    notes = wb.add_worksheet("Notes")
    notes.write_string("A1", "my own notes — 我的备注")
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    wb.close()
    return path


def openpyxl_book(path: Path) -> Path:
    """Settings (the user's: table, formula, validation, name) and a Targets sheet written by
    the earlier openpyxl renderer, with the same table names salesplan writes now."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Settings"
    ws.append(["Setting", "Value"])
    ws.append(["PeriodStart", dt.date(2026, 1, 5)])
    ws.append(["Unit", 10000])
    ws.add_table(Table(displayName="tblSettings", ref="A1:B3"))
    ws["D1"] = "=B3*2"
    validation = DataValidation(type="whole", operator="greaterThan", formula1="0")
    ws.add_data_validation(validation)
    validation.add("B3")
    wb.defined_names["UnitCell"] = DefinedName("UnitCell", attr_text="Settings!$B$3")
    old = wb.create_sheet("Targets")
    old_targets = description()[0]
    stale = Block(old_targets.blocks[0].table, old_targets.blocks[0].columns, TARGETS.head(2))
    # a Targets sheet as an earlier openpyxl-based salesplan wrote it: two blocks, two tables
    row = 1
    for block in (stale, old_targets.blocks[1]):
        old.append([c.header for c in block.columns])
        for values in zip(*(block.frame[c.key].tolist() for c in block.columns), strict=True):
            old.append([v.item() if hasattr(v, "item") else v for v in values])
        last = row + max(len(block.frame), 1)
        ref = f"A{row}:{get_column_letter(len(block.columns))}{last}"
        old.add_table(Table(displayName=block.table, ref=ref))
        old.append([])
        row = last + 2
    wb.save(path)
    return path


def excel_like_book(path: Path) -> Path:
    """The XlsxWriter book with what Excel writes and the others do not: mc:Ignorable
    extensions, a prefixed main namespace, a calculation chain."""
    xlsxwriter_book(path)
    ignorable = (
        ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15 x14ac"'
        ' xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"'
        ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    )

    def prefixed(xml: bytes) -> bytes:
        text = re.sub(r"<(/?)([A-Za-z])", r"<\1x:\2", xml.decode())
        text = text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"' + ignorable, 1)
        return text.encode()

    def edit(members: dict[str, bytes]) -> None:
        members["xl/workbook.xml"] = prefixed(members["xl/workbook.xml"])
        members["xl/styles.xml"] = prefixed(members["xl/styles.xml"]).replace(
            b"<x:fonts ", b'<x:fonts x14ac:knownFonts="1" ', 1
        )
        members["xl/calcChain.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="{MAIN}">'
            '<c r="F1" i="1"/><c r="F2"/><c r="A2" i="2"/></calcChain>'
        ).encode()
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            f'<Relationship Id="rId99" Type="{DOC_RELS}/calcChain" Target="calcChain.xml"/></Relationships>'.encode(),
        )
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument'
            b'.spreadsheetml.calcChain+xml"/></Types>',
        )

    rewrite(path, edit)
    return path


def rewrite(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    edit(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


BUILDERS = {
    "xlsxwriter": lambda d: xlsxwriter_book(d / "plan.xlsx"),
    "openpyxl": lambda d: openpyxl_book(d / "plan.xlsx"),
    "excel-like": lambda d: excel_like_book(d / "plan.xlsx"),
    "xlsm": lambda d: xlsxwriter_book(d / "plan.xlsm", vba=VBA),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, tuple[Path, Path, Path]]:
    """Per kind of workbook: (the original, after one run, after a second run)."""
    out = {}
    for kind, build in BUILDERS.items():
        folder = tmp_path_factory.mktemp(kind.replace("-", "_"))
        original = build(folder)
        keep = shutil.copy(original, folder / f"original{original.suffix}")
        replace_sheets(original, description())
        once = shutil.copy(original, folder / f"once{original.suffix}")
        replace_sheets(original, description())
        out[kind] = (Path(keep), Path(once), original)
    return out


KINDS = list(BUILDERS)


# ---------------------------------------------------------------------------------------
# Reading packages in the tests (trusted files: the standard library parser is fine).


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def rels(parts: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, resolved target) of a part's relationships."""
    folder, name = part.rsplit("/", 1) if "/" in part else ("", part)
    path = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if path not in parts:
        return {}
    out = {}
    for rel in ET.fromstring(parts[path]).findall(f"{{{PKG_RELS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target")
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else os.path.normpath(f"{folder}/{target}").lstrip("./")
        )
        out[rel.get("Id")] = (rel.get("Type").rsplit("/", 1)[-1], resolved)
    return out


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its part."""
    workbook = ET.fromstring(parts["xl/workbook.xml"])
    wb_rels = rels(parts, "xl/workbook.xml")
    return {
        s.get("name"): wb_rels[s.get(f"{{{DOC_RELS}}}id")][1]
        for s in workbook.iter(f"{{{MAIN}}}sheet")
    }


def owned(parts: dict[str, bytes], part: str) -> set[str]:
    """A part, its rels and everything reached from it."""
    out, todo = set(), [part]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        folder, name = p.rsplit("/", 1)
        out.add(f"{folder}/_rels/{name}.rels")
        todo.extend(target for _, target in rels(parts, p).values())
    return out


ALLOWED = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
    "xl/calcChain.xml",
    "docProps/app.xml",  # its list of sheets and names (HeadingPairs, TitlesOfParts)
}


def changed_allowed(original: dict[str, bytes]) -> set[str]:
    """The parts a run may change: the sheet list, styles, and salesplan's own old sheets."""
    allowed = set(ALLOWED)
    for name, part in sheet_parts(original).items():
        if name in EXPECTED_TABLES:
            allowed |= owned(original, part)
    return allowed


# ---------------------------------------------------------------------------------------
# (1) The user's parts are untouched.


@pytest.mark.parametrize("kind", KINDS)
def test_every_part_but_the_sheet_list_styles_and_own_sheets_is_byte_identical(results, kind):
    original_path, once, twice = results[kind]
    original = members(original_path)
    allowed = changed_allowed(original)
    for result in (once, twice):
        after = members(result)
        for name, data in original.items():
            if name not in allowed:
                assert after.get(name) == data, f"{kind}: {name} changed"


def test_the_users_comment_chart_image_and_vba_are_still_there(results):
    original, _, twice = results["xlsm"]
    before, after = members(original), members(twice)
    inputs = owned(before, sheet_parts(before)["Inputs"])
    kept = [
        n
        for n in before
        if n in inputs
        or n.startswith(("xl/media/", "xl/charts/", "xl/vbaProject", "docProps/"))
        and n != "docProps/app.xml"
    ]
    assert (
        any("comments" in n for n in kept)
        and any("chart" in n for n in kept)
        and any("media" in n for n in kept)
    )
    for name in kept:
        assert after[name] == before[name], name
    assert after["xl/vbaProject.bin"] == VBA
    types = after["[Content_Types].xml"].decode()
    assert "sheet.main.macroEnabled" in types or "macroEnabled.main" in types


@pytest.mark.parametrize("kind", KINDS)
def test_app_properties_list_the_sheets_the_workbook_has(results, kind):
    """docProps/app.xml, which file browsers show without opening the workbook, lists every
    sheet after the splice, under the workbook's own label, and names only sheets it has."""
    original, _, twice = results[kind]
    before, after = members(original), members(twice)
    if b"TitlesOfParts" not in before.get("docProps/app.xml", b""):  # openpyxl writes none
        assert after.get("docProps/app.xml") == before.get("docProps/app.xml")
        return
    extended = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    sheets = [
        s.get("name") for s in ET.fromstring(after["xl/workbook.xml"]).iter(f"{{{MAIN}}}sheet")
    ]
    assert set(EXPECTED_TABLES) <= set(sheets)

    def listed(data: bytes) -> tuple[list[str], list[int], list[str]]:
        app = ET.fromstring(data)
        pairs = app.find(f"{extended}HeadingPairs")
        labels = [e.text for e in pairs.iter(f"{vt}lpstr")]
        counts = [int(e.text) for e in pairs.iter(f"{vt}i4")]
        return (
            labels,
            counts,
            [e.text for e in app.find(f"{extended}TitlesOfParts").iter(f"{vt}lpstr")],
        )

    old_labels, _, _ = listed(before["docProps/app.xml"])
    labels, counts, titles = listed(after["docProps/app.xml"])
    assert labels[0] == old_labels[0] and counts[0] == len(sheets)
    assert titles[: len(sheets)] == sheets and sum(counts) == len(titles)
    assert all(t.split("!")[0].strip("'") in sheets for t in titles[len(sheets) :] if "!" in t)


@pytest.mark.parametrize("kind", KINDS)
def test_the_package_is_consistent(results, kind):
    """Every part has a content type, every override and relationship points at a part,
    and nothing the old output sheets owned is left behind."""
    original_path, _, twice = results[kind]
    parts = members(twice)
    types = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.findall(f"{{{TYPES}}}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.findall(f"{{{TYPES}}}Override")}
    assert overrides <= set(parts), overrides - set(parts)
    for name in parts:
        if name != "[Content_Types].xml" and not name.endswith("/"):
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)  # well-formed
    reached = owned(parts, "xl/workbook.xml")
    for name in parts:
        if name.endswith(".rels"):
            source = name.replace("_rels/", "").removesuffix(".rels")
            for _, target in rels(parts, source).values():
                assert target in parts, f"{name} points at missing {target}"
    original = members(original_path)
    orphans = {n for n in set(parts) - reached if n.startswith("xl/")} - {
        n for n in original if n not in owned(original, "xl/workbook.xml")
    }
    assert not {n for n in orphans if not n.endswith(".rels")}, orphans
    assert "xl/calcChain.xml" not in parts


# ---------------------------------------------------------------------------------------
# (2) The output sheets read back as described.


def expected_rows(sheet: OutputSheet):
    """(Excel row, values) of every header and data row of a sheet, as described."""
    row = 1
    for block in sheet.blocks:
        if block.title:
            yield row, [block.title]
            row += 1
        yield row, [c.header for c in block.columns]
        for values in zip(*(block.frame[c.key].tolist() for c in block.columns), strict=True):
            row += 1
            yield row, [None if pd.isna(v) else v for v in values]
        row += 2


@pytest.mark.parametrize("kind", KINDS)
def test_openpyxl_reads_every_value_text_as_text_formats_and_tables(results, kind):
    _, _, twice = results[kind]
    wb = openpyxl.load_workbook(twice)
    for sheet in description():
        ws = wb[sheet.name]
        for row, values in expected_rows(sheet):
            cells = ws[row][: len(values)]
            assert [c.value for c in cells] == values, (sheet.name, row)
            for c, v in zip(cells, values, strict=True):
                if isinstance(v, str):
                    assert c.data_type == "s", c.coordinate  # '=SUM(A1)' is text, not a formula
        assert [(t.name, t.ref) for t in ws.tables.values()] == [
            (n, ref) for n, _, ref in EXPECTED_TABLES[sheet.name]
        ]
    targets = wb["Targets"]
    assert targets["C2"].number_format == MONEY and targets["D2"].number_format == "0.00"
    assert targets["B2"].value == "=SUM(A1)" and targets["B2"].data_type == "s"
    assert targets["A7"].font.b and targets["A7"].font.sz == 12
    assert targets.freeze_panes == "C2"
    assert wb["Reconciliation"].freeze_panes == "A2"
    assert wb["Reconciliation"]["B4"].number_format == MONEY  # an empty cell keeps its format
    rules = {str(r.sqref): [x.operator for x in r.rules] for r in targets.conditional_formatting}
    assert rules == {"C9:C10": ["notEqual"]}
    red = next(iter(targets.conditional_formatting)).rules[0].dxf
    assert red.fill.bgColor.rgb.endswith("FFC7CE") and red.font.color.rgb.endswith("9C0006")


@pytest.mark.parametrize("kind", KINDS)
def test_the_next_run_finds_the_output_tables_and_calamine_reads_inline_text(results, kind):
    _, _, twice = results[kind]
    found = {(t.name, t.sheet, t.ref) for t in find_tables(str(twice))}
    for sheet, tables in EXPECTED_TABLES.items():
        for name, _, ref in tables:
            assert (name, sheet, ref) in found
    book = CalamineWorkbook.from_path(str(twice))
    grid = book.get_sheet_by_name("Targets").to_python()
    assert grid[1][:3] == ["R001", "=SUM(A1)", 120000]
    assert grid[4][1] == "张三（华东）"


def test_the_users_own_values_are_read_unchanged(results):
    _, _, twice = results["openpyxl"]
    wb = openpyxl.load_workbook(twice)
    settings = wb["Settings"]
    assert settings["D1"].value == "=B3*2"
    assert settings.tables["tblSettings"].ref == "A1:B3"
    assert [str(v.sqref) for v in settings.data_validations.dataValidation] == ["B3"]
    assert "UnitCell" in wb.defined_names


# ---------------------------------------------------------------------------------------
# (3) A second run replaces; it never duplicates.


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_run_gives_the_same_file(results, kind):
    _, once, twice = results[kind]
    assert once.read_bytes() == twice.read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_sheets_are_replaced_in_place_and_new_ones_appended(results, kind):
    original, _, twice = results[kind]
    before = openpyxl.load_workbook(original).sheetnames
    after = openpyxl.load_workbook(twice).sheetnames
    assert after == before + [s.name for s in description() if s.name not in before]
    assert sorted(after) == sorted(set(after))


@pytest.mark.parametrize("kind", KINDS)
def test_table_names_and_ids_are_unique_in_the_workbook(results, kind):
    _, _, twice = results[kind]
    parts = members(twice)
    tables = [ET.fromstring(parts[n]) for n in parts if n.startswith("xl/tables/")]
    names = [t.get("displayName").casefold() for t in tables]
    ids = [t.get("id") for t in tables]
    assert len(names) == len(set(names)) and len(ids) == len(set(ids))


def test_a_replaced_sheet_keeps_its_place_id_and_tables(results):
    original, _, twice = results["openpyxl"]
    before, after = members(original), members(twice)

    def sheet_entry(parts):
        workbook = ET.fromstring(parts["xl/workbook.xml"])
        return [
            (s.get("name"), s.get("sheetId"), s.get(f"{{{DOC_RELS}}}id"))
            for s in workbook.iter(f"{{{MAIN}}}sheet")
        ]

    assert sheet_entry(after)[:2] == sheet_entry(before)
    assert sheet_parts(after)["Targets"] == sheet_parts(before)["Targets"]

    def table_ids(parts):
        return {
            ET.fromstring(parts[n]).get("name"): (n, ET.fromstring(parts[n]).get("id"))
            for n in parts
            if n.startswith("xl/tables/")
        }

    old, new = table_ids(before), table_ids(after)
    assert (
        new["tblTargets"] == old["tblTargets"]
        and new["tblRegionTargets"] == old["tblRegionTargets"]
    )


def test_the_old_autofilter_name_of_a_replaced_sheet_is_dropped_and_user_names_kept(results):
    original, _, twice = results["xlsxwriter"]
    before = members(original)["xl/workbook.xml"].decode()
    after = members(twice)["xl/workbook.xml"].decode()
    assert "_xlnm._FilterDatabase" in before and "_xlnm._FilterDatabase" not in after
    assert re.search(r'<definedName name="HistoryTotal">Inputs!\$F\$1</definedName>', after)


def test_styles_do_not_grow_and_number_format_ids_do_not_clash(results):
    _, once, twice = results["excel-like"]
    styles = members(twice)["xl/styles.xml"]
    assert members(once)["xl/styles.xml"] == styles
    root = ET.fromstring(styles)
    ids = [n.get("numFmtId") for n in root.iter(f"{{{MAIN}}}numFmt")]
    assert len(ids) == len(set(ids)) and all(int(i) >= 164 for i in ids)
    for name in ("fonts", "fills", "borders", "cellXfs", "dxfs"):
        collection = root.find(f"{{{MAIN}}}{name}")
        assert int(collection.get("count")) == len(collection), name


def test_excel_markup_the_splice_does_not_know_survives(results):
    _, _, twice = results["excel-like"]
    parts = members(twice)
    workbook, styles = parts["xl/workbook.xml"].decode(), parts["xl/styles.xml"].decode()
    assert 'mc:Ignorable="x15 x14ac"' in workbook and 'x14ac:knownFonts="1"' in styles
    assert '<x:sheet name="Reconciliation" sheetId="4" r:id="' in workbook
    assert "<x:dxfs " in styles
    assert (
        "calcChain"
        not in parts["[Content_Types].xml"].decode() + parts["xl/_rels/workbook.xml.rels"].decode()
    )


# ---------------------------------------------------------------------------------------
# (4) LibreOffice opens the result, and the user's formulas still compute.


def test_libreoffice_opens_every_result(results):
    opens_cleanly(*(results[kind][2] for kind in KINDS))  # one soffice call for all


def test_libreoffice_recomputes_the_users_formulas(results):
    excel_like, by_openpyxl = results["excel-like"][2], results["openpyxl"][2]
    computed = recalculate_many([excel_like, by_openpyxl])  # one soffice call for both
    wb = computed[excel_like]
    assert wb["Inputs"]["F1"].value == 60
    assert wb["Inputs"]["F2"].value == 120000  # reads salesplan's new Targets sheet
    assert wb["Targets"]["B2"].value == "=SUM(A1)"
    assert wb["Reconciliation"]["A3"].value == "-5 units left"
    settings = computed[by_openpyxl]["Settings"]
    assert settings["D1"].value == 20000


@pytest.mark.parametrize("kind", KINDS)
def test_excel_is_asked_to_recalculate_the_users_formulas_on_opening(results, kind):
    """A formula of the user's over salesplan's sheets keeps its old result in the file; the
    spliced workbook asks Excel to recalculate everything when it opens it (calcPr)."""
    original, once, twice = results[kind]
    before = members(original)["xl/workbook.xml"]
    for result in (once, twice):
        xml = members(result)["xl/workbook.xml"]
        calc = ET.fromstring(xml).findall(f"{{{MAIN}}}calcPr")
        assert len(calc) == 1 and calc[0].get("fullCalcOnLoad") == "1", kind
        kept = ET.fromstring(before).find(f"{{{MAIN}}}calcPr")
        if kept is not None:  # the user's own calculation settings stay
            for name, value in kept.attrib.items():
                if name != "fullCalcOnLoad":
                    assert calc[0].get(name) == value, (kind, name)
    assert members(once)["xl/workbook.xml"] == members(twice)["xl/workbook.xml"]


@pytest.mark.parametrize(
    ("xml", "want"),
    [
        ("<workbook><sheets/></workbook>", '<workbook><sheets/><calcPr fullCalcOnLoad="1"/></workbook>'),
        (
            "<x:workbook><x:sheets/><x:definedNames/><x:extLst/></x:workbook>",
            '<x:workbook><x:sheets/><x:definedNames/><x:calcPr fullCalcOnLoad="1"/><x:extLst/></x:workbook>',
        ),
        (
            '<workbook><calcPr calcId="191029" fullCalcOnLoad=\'0\' iterate="1"></calcPr></workbook>',
            '<workbook><calcPr calcId="191029" iterate="1" fullCalcOnLoad="1"></calcPr></workbook>',
        ),
        ('<workbook><calcPr/><oleSize ref="A1"/></workbook>', '<workbook><calcPr fullCalcOnLoad="1"/><oleSize ref="A1"/></workbook>'),
    ],
)  # fmt: skip
def test_full_calc_on_load_goes_where_the_schema_puts_it(xml, want):
    p = "x:" if xml.startswith("<x:") else ""
    assert full_calc_on_load(xml, p) == want


def test_the_users_formulas_over_output_sheets_are_found(results):
    """So the summary can say how LibreOffice refreshes them (it honours no setting for it)."""
    names = [sheet.name for sheet in description()]
    for kind in ("excel-like", "xlsxwriter"):  # Inputs!F2 is =Targets!C2
        assert formulas_over(str(results[kind][2]), names) == ["Inputs"]
        assert formulas_over(str(results[kind][2]), ["Nothing", "Target"]) == []
    assert formulas_over(str(results["openpyxl"][2]), names) == []  # its formulas are its own


def test_a_formula_over_an_output_sheet_is_found_wherever_the_pieces_read_fall(
    results, monkeypatch
):
    """The sheets are read a piece at a time (a Breakdown is a hundred megabytes of XML): a
    formula cut between two pieces, at any byte, is found all the same."""
    names = [sheet.name for sheet in description()]
    path = str(results["excel-like"][2])
    for size in (3, 7, 16, 37, 64, 101, 4096):
        monkeypatch.setattr(package, "CHUNK", size)
        assert formulas_over(path, names) == ["Inputs"], size


def test_formulas_over_output_sheets_are_found_in_a_sheet_of_prefixed_elements(tmp_path):
    """<x:f>Targets!B3</x:f>, as some writers spell SpreadsheetML."""
    path = tmp_path / "prefixed.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Mine"
    wb.active["A1"] = "=Targets!B3*2"
    wb.create_sheet("Targets")
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    root = re.match(r"<\?xml[^>]*\?>\s*<worksheet ", xml) or re.match(r"<worksheet ", xml)
    xml = xml[: root.end()] + f'xmlns:x="{MAIN}" ' + xml[root.end() :]
    xml = re.sub(r"<(/?)(c|f|v|row|sheetData)([ >/])", r"<\1x:\2\3", xml)
    assert "<x:f>Targets!B3*2</x:f>" in xml
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert openpyxl.load_workbook(path)["Mine"]["A1"].value == "=Targets!B3*2"  # well formed
    assert formulas_over(str(path), ["Targets"]) == ["Mine"]


# ---------------------------------------------------------------------------------------
# (5) Deterministic; (6) atomic.


@pytest.mark.parametrize("kind", KINDS)
def test_two_runs_on_copies_give_byte_identical_files(tmp_path, kind):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = BUILDERS[kind](a)
    second = b / first.name
    shutil.copy(first, second)
    replace_sheets(first, description())
    replace_sheets(second, description())
    assert first.read_bytes() == second.read_bytes()


def test_a_failed_rename_leaves_the_workbook_untouched_and_no_temporary_file(tmp_path, monkeypatch):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    before = path.read_bytes()

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        replace_sheets(path, description())
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~salesplan-")]


def test_a_locked_workbook_is_a_plan_error_and_left_untouched(tmp_path, monkeypatch):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    before = path.read_bytes()

    def locked(src, dst):
        raise PermissionError("in use")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(PlanError) as refused:
        replace_sheets(path, description())
    assert words(refused.value, "en") == (
        "plan.xlsx: the workbook cannot be replaced (open in another program?) "
        "— close it and run again"
    )
    assert words(refused.value, "zh-CN") == (
        "plan.xlsx: 无法替换工作簿（是否在其他程序中打开？） — 请关闭它后再运行"
    )
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~salesplan-")]


def test_the_previous_version_is_kept_as_bak(tmp_path):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    before = path.read_bytes()
    replace_sheets(path, description())
    assert (tmp_path / "plan.xlsx.bak").read_bytes() == before


def test_a_user_table_with_an_output_table_name_is_reported_and_nothing_written(tmp_path):
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Mine"
    wb.active.append(["RepID"])
    wb.active.append(["R001"])
    wb.active.add_table(Table(displayName="tblTargets", ref="A1:A2"))
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(PlanError, match="tblTargets already exists") as error:
        replace_sheets(path, description())
    assert error.value.problems[0].sheet == "Mine"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_an_empty_block_still_gets_a_table(tmp_path):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    empty = Block("tblNotes", (Col("note", "Note"),), pd.DataFrame({"note": []}), title="Notes")
    replace_sheets(path, [OutputSheet("Dashboard", "Dashboard", (empty,))])
    ws = openpyxl.load_workbook(path)["Dashboard"]
    assert ws["A1"].value == "Notes" and ws["A2"].value == "Note"
    assert ws.tables["tblNotes"].ref == "A2:A3"


def test_a_sheet_named_in_other_case_is_replaced_and_the_active_one_stays_selected(tmp_path):
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Mine"
    wb.create_sheet("targets")["A1"] = "old"
    wb.active = wb["targets"]
    wb.save(path)
    replace_sheets(path, description())
    assert openpyxl.load_workbook(path).sheetnames == ["Mine", "Targets", "Reconciliation"]
    parts = members(path)
    selected = {
        name for name, part in sheet_parts(parts).items() if b'tabSelected="1"' in parts[part]
    }
    assert "Targets" in selected and "Reconciliation" not in selected


MINIMAL_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/>\
<charset val="134"/><scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>\
</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>\
<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>\
</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><tableStyles count="0"/></styleSheet>"""


def test_missing_style_collections_are_created_in_schema_order_in_the_users_font():
    wan = Block(
        "tblWan",
        (Col("amount", "万元", "0\\.0,"),),
        pd.DataFrame({"amount": [123456]}),
        title="万元",
        status="amount",
    )
    with zipfile.ZipFile(io.BytesIO(render([OutputSheet("Wan", "Wan", (wan,))]))) as z:
        made = z.read("xl/styles.xml")
    merged, xf, dxf = merge_styles(MINIMAL_STYLES.encode(), made)
    root = ET.fromstring(merged)
    order = [child.tag.split("}")[1] for child in root]
    assert order == [
        "numFmts",
        "fonts",
        "fills",
        "borders",
        "cellStyleXfs",
        "cellXfs",
        "cellStyles",
        "dxfs",
        "tableStyles",
    ]
    assert [(n.get("numFmtId"), n.get("formatCode")) for n in root.iter(f"{{{MAIN}}}numFmt")] == [
        ("164", "0\\.0,")
    ]
    title = root.find(f"{{{MAIN}}}fonts")[1]
    assert (
        title.find(f"{{{MAIN}}}b") is not None
        and title.find(f"{{{MAIN}}}name").get("val") == "等线"
    )
    assert max(xf.values()) < len(root.find(f"{{{MAIN}}}cellXfs")) and list(dxf.values()) == [0]
    again, _, _ = merge_styles(merged, made)
    assert again == merged  # a second run finds everything it needs already there


def test_a_workbook_without_styles_gets_the_rendered_ones(tmp_path):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")

    def drop_styles(parts: dict[str, bytes]) -> None:
        del parts["xl/styles.xml"]
        for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            parts[name] = re.sub(rb"<(Relationship|Override)[^>]*styles[^>]*/>", b"", parts[name])

    rewrite(path, drop_styles)
    replace_sheets(path, description())
    wb = openpyxl.load_workbook(path)
    assert wb["Targets"]["C2"].number_format == MONEY and wb["Targets"]["A7"].font.b
