"""The package checker finds each kind of problem it is there to find (issue 16, acceptance).

One sound package (an empty English plan from `init`: 16 sheets, 15 tables, shared strings,
styles, list validations, app.xml) is broken one rule at a time; the checker must name the
part and the rule. The add-in is broken in its ribbon, against the customUI schema.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest
from lxml import etree

from tests.ooxml.check import MAX_CELL_TEXT, MAX_FORMULA, MC, problems
from xl_addin.cli import main
from xl_addin.excel.vba_projects import build_addin

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REPS_SHEET, REPS_TABLE = "xl/worksheets/sheet4.xml", "xl/tables/table3.xml"  # tblReps, A1:M2
SETTINGS_TABLE = "xl/tables/table1.xml"


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("checker") / "plan.xlsx"
    assert main(["init", str(path), "--locale", "en"]) == 0
    return path.read_bytes()


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> bytes:
    return build_addin(tmp_path_factory.mktemp("addin") / "salesplan.xlam", "en").read_bytes()


def edited(package: bytes, changes: dict[str, Callable[[bytes], bytes] | bytes | None]) -> bytes:
    """The package with parts changed (a function of the old bytes), added (bytes) or removed
    (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            change = changes.get(name, lambda data: data)
            if change is None:
                continue
            dst.writestr(name, change(src.read(name)) if callable(change) else change)
        for name, change in changes.items():
            if name not in src.namelist() and isinstance(change, bytes):
                dst.writestr(name, change)
    return out.getvalue()


def xml(edit: Callable[[etree._Element], None]) -> Callable[[bytes], bytes]:
    """A change of a part made on its parsed tree."""

    def change(data: bytes) -> bytes:
        root = etree.fromstring(data)
        edit(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return change


def text(old: str, new: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        decoded = data.decode("utf-8")
        assert old in decoded, old
        return decoded.replace(old, new, 1).encode("utf-8")

    return change


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, {"m": M})
    assert found is not None, path
    return found


def _set_cell(ref: str, **attributes: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        cell = first(root, f".//m:c[@r='{ref}']")
        for key, value in attributes.items():
            cell.set(key, value)

    return edit


def _formula(root: etree._Element) -> None:
    cell = first(root, ".//m:c[@r='A2']")
    formula = etree.SubElement(cell, f"{{{M}}}f")
    formula.text = "1" + "+1" * ((MAX_FORMULA + 1 - 1) // 2)  # 8,193 characters
    assert len(formula.text) == MAX_FORMULA + 1


def _long_text(root: etree._Element) -> None:
    cell = first(root, ".//m:c[@r='A2']")
    cell.set("t", "inlineStr")
    inline = etree.SubElement(cell, f"{{{M}}}is")
    etree.SubElement(inline, f"{{{M}}}t").text = "x" * (MAX_CELL_TEXT + 1)


def _shared_string_out_of_range(root: etree._Element) -> None:
    first(root, ".//m:c[@r='A1']/m:v").text = "9999"


def _long_list(root: etree._Element) -> None:
    formula = first(root, ".//m:dataValidation[@type='list']/m:formula1")
    formula.text = '"' + ",".join(f"choice{i:04d}" for i in range(24)) + '"'  # 24 × 10 + 23


def _move_sheet_data_last(root: etree._Element) -> None:
    data = first(root, "m:sheetData")
    root.remove(data)
    root.append(data)


def _bogus_child(root: etree._Element) -> None:
    first(root, "m:sheetData").addnext(etree.Element(f"{{{M}}}bogus"))


def _titles_without_last_sheet(root: etree._Element) -> None:
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    titles = root.find(f".//{{{vt}}}vector[@baseType='lpstr']")
    sheets = root.findall(f".//{{{vt}}}i4")[0]
    sheets.text = str(int(sheets.text) - 1)
    titles.remove(titles[int(sheets.text)])  # the last sheet's title
    titles.set("size", str(len(titles)))


def _second_table_over_reps() -> dict:
    """A copy of tblReps (own name and id) on the same cells of the Reps sheet."""

    def rels(data: bytes) -> bytes:
        return data.replace(
            b"</Relationships>",
            b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/table" Target="../tables/table99.xml"/></Relationships>',
        )

    def parts(data: bytes) -> bytes:
        return re.sub(
            rb'<tableParts count="1"><tablePart r:id="rId1"/>',
            b'<tableParts count="2"><tablePart r:id="rId1"/><tablePart r:id="rId9"/>',
            data,
        )

    def types(data: bytes) -> bytes:
        return data.replace(
            b"</Types>",
            b'<Override PartName="/xl/tables/table99.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/></Types>',
        )

    return {
        "xl/worksheets/_rels/sheet4.xml.rels": rels,
        REPS_SHEET: parts,
        "[Content_Types].xml": types,
        "xl/tables/table99.xml": None,  # filled in by the test from tblReps
    }


CASES = {
    "schema-invalid element": ({REPS_SHEET: xml(_bogus_child)}, REPS_SHEET + ": schema"),
    "worksheet children out of schema order": (
        {REPS_SHEET: xml(_move_sheet_data_last)},
        REPS_SHEET + ": schema",
    ),
    "a part without a content type": (
        {"[Content_Types].xml": text('<Default Extension="rels"', '<Default Extension="relz"')},
        "_rels/.rels: content-types: no content type",
    ),
    "a content type for a missing part": (
        {"xl/tables/table15.xml": None, "xl/worksheets/_rels/sheet16.xml.rels": None},
        "[Content_Types].xml: content-types: Override for a missing part /xl/tables/table15.xml",
    ),
    "a dangling relationship": (
        {"xl/worksheets/_rels/sheet4.xml.rels": text("table3.xml", "table33.xml")},
        "relationships: rId1 points at a missing part /xl/tables/table33.xml",
    ),
    "a relationship id used twice": (
        {"xl/_rels/workbook.xml.rels": text('Id="rId2"', 'Id="rId1"')},
        "xl/_rels/workbook.xml.rels: relationships: Id rId1 used twice",
    ),
    "a duplicate table name": (
        {
            REPS_TABLE: text(
                'name="tblReps" displayName="tblReps"',
                'name="tblSettings" displayName="tblSettings"',
            )
        },
        REPS_TABLE + ": table-name: tblSettings also in",
    ),
    "a duplicate table id": (
        {REPS_TABLE: text('id="3"', 'id="1"')},
        REPS_TABLE + ": table-id: id 1 also in " + SETTINGS_TABLE,
    ),
    "a header cell that is not its tableColumn's name": (
        {REPS_TABLE: text('name="Region"', 'name="Area"')},
        REPS_TABLE + ": table-header: C1 holds 'Region', the tableColumn is 'Area'",
    ),
    "a table column named twice": (
        {REPS_TABLE: text('name="Region"', 'name="Name"')},
        REPS_TABLE + ": table-columns: column 'Name' twice",
    ),
    "overlapping tables": (_second_table_over_reps(), "table-overlap: tblReps overlaps tblCopy"),
    "a style index out of range": (
        {REPS_SHEET: xml(_set_cell("A2", s="999"))},
        REPS_SHEET + ": style-index: cell A2: s=999",
    ),
    "a dxf index out of range": (
        {REPS_TABLE: text("<table ", '<table headerRowDxfId="99" ')},
        REPS_TABLE + ": dxf-index: tblReps: dxfId 99",
    ),
    "a shared string index out of range": (
        {REPS_SHEET: xml(_shared_string_out_of_range)},
        REPS_SHEET + ": shared-string: index 9999 of",
    ),
    "a formula of 8,193 characters": (
        {REPS_SHEET: xml(_formula)},
        REPS_SHEET + ": formula-length: A2: 8,193 characters",
    ),
    "cell text of 32,768 characters": (
        {REPS_SHEET: xml(_long_text)},
        REPS_SHEET + ": cell-text: A2: 32,768 characters",
    ),
    "a validation list of 263 characters": (
        {REPS_SHEET: xml(_long_list)},
        REPS_SHEET + ": validation-list:",
    ),
    "a sheet named History": (
        {"xl/workbook.xml": text('name="Settings"', 'name="history"')},
        "xl/workbook.xml: sheet-name: 'history' is reserved by Excel",
    ),
    "app.xml missing a sheet": (
        {"docProps/app.xml": xml(_titles_without_last_sheet)},
        "docProps/app.xml: app-properties: HeadingPairs/TitlesOfParts list 16 sheets, the "
        "workbook has 17 (not listed: ['ScenarioSettings']",
    ),
    "a core property the OPC schema does not allow": (
        {
            "docProps/core.xml": text(
                "</cp:coreProperties>", "<cp:contentType/></cp:coreProperties>"
            )
        },
        "docProps/core.xml: schema: line 2: Element 'cp:contentType': This element is not expected.",
    ),
    "an attribute of an unknown namespace not declared ignorable": (
        {
            REPS_SHEET: text(
                '<row r="1"',
                '<row xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" x14ac:dyDescent="0.25" r="1"',
            )
        },
        REPS_SHEET
        + ": schema: line 2: Element 'row', attribute '{http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac}dyDescent': The attribute",
    ),
}


def test_the_sound_package_has_no_problem(plan, addin):
    assert problems(plan) == []
    assert problems(addin) == []


@pytest.mark.parametrize("case", CASES)
def test_each_broken_rule_is_reported(plan, case):
    changes, expected = CASES[case]
    changes = dict(changes)
    if "xl/tables/table99.xml" in changes:
        with zipfile.ZipFile(io.BytesIO(plan)) as z:
            reps = z.read(REPS_TABLE).decode("utf-8")
        changes["xl/tables/table99.xml"] = (
            reps.replace('id="3"', 'id="99"', 1).replace("tblReps", "tblCopy").encode("utf-8")
        )
    found = problems(edited(plan, changes))
    assert any(expected in line for line in found), found


def test_ignorable_markup_is_set_aside_before_validation(plan):
    """An extension attribute passes once its namespace is declared mc:Ignorable, and an
    mc:AlternateContent whose Choice needs an extension becomes its Fallback (here empty)."""
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    nsmap = {None: M, "r": RELATIONSHIPS, "mc": MC, "x14ac": x14ac}

    def extended(data: bytes) -> bytes:
        old = etree.fromstring(data)
        root = etree.Element(old.tag, nsmap=nsmap)
        root[:] = list(old)
        root.set(f"{{{MC}}}Ignorable", "x14ac")
        first(root, ".//m:row[@r='1']").set(f"{{{x14ac}}}dyDescent", "0.25")
        content = etree.Element(f"{{{MC}}}AlternateContent")
        choice = etree.SubElement(content, f"{{{MC}}}Choice", Requires="x14ac")
        etree.SubElement(choice, f"{{{x14ac}}}anything")
        etree.SubElement(content, f"{{{MC}}}Fallback")
        first(root, "m:sheetData").addnext(content)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    assert problems(edited(plan, {REPS_SHEET: extended})) == []


def test_a_ribbon_is_validated_against_the_customui_schema(addin):
    broken = edited(addin, {"customUI/customUI14.xml": text("<tab ", '<tab size="large" ')})
    found = problems(broken)
    assert any(
        line.startswith("customUI/customUI14.xml: schema:") and "size" in line for line in found
    ), found
