"""Weeks without actuals are gaps in every chart, never zeros, whoever saved the file last
(issue 16, item 2).

A chart keeps its own copy of the numbers it draws (numCache): a preview, and Excel before
it reads the cells, draw that copy, and openpyxl keeps it as it is. The tracked plan's
Dashboard and a rep's responsibility workbook, as salesplan writes them, after an openpyxl
load and save, and after a LibreOffice save: every "actual" line has a point for each week up
to the last week with actuals, equal to its cell, and none after it; the cells after it are
empty (the Dashboard) or #N/A (the rep's workbook, where a formula computes them).
"""

from __future__ import annotations

import posixpath
import shutil
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from engine.progress import progress
from tests.examples import example_plan
from tests.libreoffice import convert
from xl_addin.repbook.render import render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.sheets.description import COLOURS
from xl_addin.sheets.labels import label
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """(kind, path, sheet, latest week) for the plan and a rep's workbook, each as written,
    saved by openpyxl and saved by LibreOffice."""
    root = tmp_path_factory.mktemp("gaps")
    plan_path = root / "plan.xlsx"
    example_plan(plan_path, "en", "track")
    plan = read_plan(FileBook(plan_path))
    p = progress(plan)
    week = int(p.tracking["week"].iat[0])
    book = rep_books(p, plan)[0]
    rep_path = root / "rep.xlsx"
    rep_path.write_bytes(render_repbook(book))
    assert 0 < book.standing.latest_week < len(book.weeks)
    written = [
        ("plan", plan_path, "Dashboard", week, "actual"),
        ("rep", rep_path, label("Actuals", "en"), book.standing.latest_week, "actual"),
    ]
    out = []
    for kind, path, sheet, latest, series in written:
        by_openpyxl = root / f"{kind}_openpyxl.xlsx"
        shutil.copy(path, by_openpyxl)
        wb = openpyxl.load_workbook(by_openpyxl)
        wb.save(by_openpyxl)
        out += [
            ("salesplan", path, sheet, latest, series),
            ("openpyxl", by_openpyxl, sheet, latest, series),
        ]
    saved = convert([path for _, path, *_ in written], "xlsx", root / "libreoffice")
    out += [("LibreOffice", s, *w[2:]) for s, w in zip(saved, written, strict=True)]
    return out


def charts_of(path, sheet: str) -> list[ET.Element]:
    """The chart parts drawn on a sheet, parsed."""
    with zipfile.ZipFile(path) as z:

        def rels(part):
            name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part))
            if name + ".rels" not in z.namelist():
                return []
            return [
                (r.get("Type"), resolve(posixpath.dirname(part), r.get("Target")))
                for r in ET.fromstring(z.read(name + ".rels")).findall(f"{{{RELS}}}Relationship")
            ]

        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rid = next(
            s.get(f"{{{DOC_RELS}}}id")
            for s in wb.iter(f"{{{MAIN}}}sheet")
            if s.get("name") == sheet
        )
        part = {
            r.get("Id"): resolve("xl", r.get("Target"))
            for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        }[rid]
        drawings = [t for kind, t in rels(part) if kind.endswith("/drawing")]
        return [
            ET.fromstring(z.read(t))
            for d in drawings
            for kind, t in rels(d)
            if kind.endswith("/chart")
        ]


def resolve(base: str, target: str) -> str:
    """A relationship's target as a part name: relative to its source's folder, or from the
    package root when it starts with / (as openpyxl writes them)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(base, target))


def series_named(chart: ET.Element, word: str):
    for ser in chart.iter(f"{{{C}}}ser"):
        name = "".join(v.text or "" for v in ser.find(f"{{{C}}}tx").iter(f"{{{C}}}v"))
        if word in name:
            yield ser


@pytest.mark.parametrize("saved_by", ["salesplan", "openpyxl", "LibreOffice"])
def test_the_actual_line_stops_at_the_last_week_with_actuals(files, saved_by):
    checked = 0
    for _, path, sheet, latest, word in (f for f in files if f[0] == saved_by):
        values = openpyxl.load_workbook(path, data_only=True)
        for chart in charts_of(path, sheet):
            for ser in series_named(chart, word):
                ref = ser.find(f"{{{C}}}val/{{{C}}}numRef")
                where = ref.find(f"{{{C}}}f").text
                target, cells = where.rsplit("!", 1)
                min_col, min_row, _, max_row = range_boundaries(cells.replace("$", ""))
                ws = values[target.strip("'")]
                column = [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]
                points = {
                    int(pt.get("idx")): float(pt.find(f"{{{C}}}v").text)
                    for pt in ref.iter(f"{{{C}}}pt")
                }
                label_ = f"{saved_by} {path.name} {where}"
                assert sorted(points) == list(range(latest)), f"{label_}: {points}"
                for i, value in points.items():
                    assert value == pytest.approx(column[i], abs=0.005), label_
                assert all(isinstance(v, (int, float)) for v in column[:latest]), label_
                assert all(v in (None, "#N/A") for v in column[latest:]), f"{label_}: {column}"
                checked += 1
    assert checked >= 2  # the team's and at least one region's, or the rep's line


@pytest.mark.parametrize("saved_by", ["salesplan", "openpyxl", "LibreOffice"])
def test_the_status_chart_is_coloured_by_status(files, saved_by):
    """Each bar of the Dashboard's status counts in its status's colour, as its cell is."""
    path = next(f[1] for f in files if f[0] == saved_by and f[2] == "Dashboard")
    charts = [c for c in charts_of(path, "Dashboard") if c.find(f".//{{{C}}}barChart") is not None]
    assert len(charts) == 1
    points = {
        int(pt.find(f"{{{C}}}idx").get("val")): pt.find(f".//{{{A}}}solidFill/{{{A}}}srgbClr")
        .get("val")
        .upper()
        for pt in charts[0].iter(f"{{{C}}}dPt")
    }
    want = [COLOURS[k]["bg_color"].lstrip("#").upper() for k in ("red", "amber", "green", "grey")]
    assert [points.get(i) for i in range(4)] == want, saved_by
