"""Safe reading of an .xlsx/.xlsm package: size limits, XML-bomb protection, table discovery."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass

from defusedxml.ElementTree import fromstring

from engine.problems import PlanError, Problem, said

MAX_UNPACKED = 1 << 31  # 2 GiB of XML is far beyond any real plan
MAX_RATIO = 200  # a part that inflates more than this is a zip bomb

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
REL_ID = f"{{{NS['r']}}}id"


@dataclass(frozen=True)
class TableRef:
    name: str
    sheet: str
    ref: str  # e.g. A1:D20
    part: str = ""  # the table part, e.g. xl/tables/table3.xml
    sheet_part: str = ""  # its sheet's part, e.g. xl/worksheets/sheet2.xml


def check_package(path: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise PlanError(
            [
                Problem(
                    str(path),
                    "",
                    said("not_a_workbook", error=str(exc)),
                    said("save_as_xlsx"),
                )
            ]
        ) from None
    total = sum(i.file_size for i in infos)
    bomb = any(
        i.compress_size and i.file_size / i.compress_size > MAX_RATIO and i.file_size > 1 << 24
        for i in infos
    )
    if total > MAX_UNPACKED or bomb:
        raise PlanError(
            [
                Problem(
                    str(path),
                    "",
                    said("implausible_size"),
                    said("implausible_size_hint"),
                )
            ]
        )


TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"


def _rels(z: zipfile.ZipFile, part: str, kind: str | None = None) -> dict[str, str]:
    """A part's relationships (id -> target part), optionally only those of one type."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return {}
    root = fromstring(z.read(rels))
    out = {}
    for rel in root.findall("pr:Relationship", NS):
        if kind and rel.get("Type") != kind:
            continue
        target = rel.get("Target", "")
        out[rel.get("Id")] = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
    return out


def find_tables(path: str) -> list[TableRef]:
    """Every Excel table in the workbook, with its sheet and range.

    Read from the relationships of each sheet, never from the sheet XML itself, so a sheet
    of a million history rows costs nothing here.
    """
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        wb = fromstring(z.read("xl/workbook.xml"))
        wb_rels = _rels(z, "xl/workbook.xml")
        out = []
        for sheet in wb.findall("m:sheets/m:sheet", NS):
            part = wb_rels.get(sheet.get(REL_ID))
            if not part or part not in names:
                continue
            for tpart in _rels(z, part, TABLE_REL).values():
                if tpart in names:
                    t = fromstring(z.read(tpart))
                    out.append(
                        TableRef(
                            t.get("displayName") or t.get("name"),
                            sheet.get("name"),
                            t.get("ref"),
                            tpart,
                            part,
                        )
                    )
        return out


def sheet_names(path: str) -> list[str]:
    """The workbook's sheets by name, in their order."""
    with zipfile.ZipFile(path) as z:
        wb = fromstring(z.read("xl/workbook.xml"))
    return [s.get("name") or "" for s in wb.findall("m:sheets/m:sheet", NS)]


FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]+)</(?:\w+:)?f>")


def formulas_over(path: str, names: list[str]) -> list[str]:
    """The sheets, other than `names`, with a formula that refers to one of the sheets `names`
    (`Targets!B3`, `'目标 Q4'!B3`): the user's own formulas over salesplan's sheets."""
    refs = [
        re.escape(n.replace("'", "''").replace("&", "&amp;").encode()).replace(rb"\ ", b" ")
        for n in names
    ]
    if not refs:
        return []
    alternatives = b"|".join(refs)
    mention = re.compile(rb"(?:'(?:%s)'|(?<![\w.])(?:%s))!" % (alternatives, alternatives), re.I)
    skip = {n.casefold() for n in names}
    out = []
    with zipfile.ZipFile(path) as z:
        wb = fromstring(z.read("xl/workbook.xml"))
        wb_rels = _rels(z, "xl/workbook.xml")
        for sheet in wb.findall("m:sheets/m:sheet", NS):
            name, part = sheet.get("name") or "", wb_rels.get(sheet.get(REL_ID))
            if name.casefold() in skip or not part or part not in z.namelist():
                continue
            data = z.read(part)
            if b"</f>" in data and any(mention.search(m) for m in FORMULA.findall(data)):
                out.append(name)
    return out
