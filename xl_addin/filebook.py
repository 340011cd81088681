"""A planning workbook on disk: tables read through openpyxl, output sheets written atomically.

Reading finds the tables in the package itself and reads their cells with calamine (a Rust
reader, twenty times faster than openpyxl on a long history, and immune to XML entity bombs). Writing loads the workbook, replaces only salesplan's own sheets, and saves
through a temporary file and a rename, keeping a `.bak` of the previous version.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries
from python_calamine import CalamineWorkbook

from engine.problems import PlanError, Problem
from xl_addin.package import check_package, find_tables
from xl_addin.render import render_sheet
from xl_addin.tablesource import RawTable


class FileBook:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise PlanError([Problem(str(self.path), "", "file not found", "check the path")])
        check_package(str(self.path))
        self._tables = {t.name.casefold(): t for t in find_tables(str(self.path))}
        self._values = None

    def table_names(self) -> list[str]:
        return [t.name for t in self._tables.values()]

    def table(self, name: str) -> RawTable | None:
        ref = self._tables.get(name.casefold())
        if ref is None:
            return None
        if self._values is None:
            self._values = CalamineWorkbook.from_path(str(self.path))
        min_col, min_row, max_col, max_row = range_boundaries(ref.ref)
        grid = self._values.get_sheet_by_name(ref.sheet).to_python(skip_empty_area=False)
        width = max_col - min_col + 1
        rows = [tuple(r[min_col - 1 : max_col]) for r in grid[min_row - 1 : max_row]]
        rows = [r + (None,) * (width - len(r)) for r in rows] or [(None,) * width]
        return RawTable(ref.name, ref.sheet, min_row, min_col, list(rows[0]), rows[1:])

    def close(self) -> None:
        if self._values is not None:
            self._values.close()
            self._values = None

    def write_sheets(self, sheets) -> None:
        """Replace salesplan's output sheets (and only those) in one atomic save."""
        self.close()
        check_writable(self.path)
        wb = openpyxl.load_workbook(
            self.path, keep_vba=self.path.suffix.lower() == ".xlsm", keep_links=True
        )
        for sheet in sheets:
            index = None
            if sheet.name in wb.sheetnames:
                index = wb.sheetnames.index(sheet.name)
                del wb[sheet.name]
            ws = wb.create_sheet(sheet.name, index)
            render_sheet(ws, sheet)
        atomic_save(wb, self.path)


def check_writable(path: Path) -> None:
    """Excel keeps `~$name` beside a workbook it has open; writing then would lose work."""
    owner = path.with_name("~$" + path.name)
    if owner.exists() or not os.access(path, os.W_OK):
        raise PlanError(
            [
                Problem(
                    path.name,
                    "",
                    "the workbook is open in Excel or read-only",
                    "close it (or make it writable) and run again",
                )
            ]
        )


def atomic_save(wb, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".~salesplan-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except PermissionError:
        raise PlanError(
            [
                Problem(
                    path.name,
                    "",
                    "the workbook cannot be replaced (open in another program?)",
                    "close it and run again",
                )
            ]
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
