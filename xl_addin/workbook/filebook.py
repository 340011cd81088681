"""A planning workbook on disk: tables read fast, output sheets written atomically.

Reading finds the tables in the package itself and reads their cells with calamine (a Rust
reader, twenty times faster than openpyxl on a long history, and immune to XML entity
bombs). Writing splices only salesplan's own sheets into the package (splice.py), through a
temporary file and a rename, keeping a `.bak` of the previous version.
"""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl.utils import range_boundaries
from python_calamine import CalamineWorkbook

from engine.problems import PlanError, Problem, said
from xl_addin.workbook.package import (
    TableRef,
    check_package,
    find_tables,
    formulas_over,
    sheet_names,
)
from xl_addin.workbook.placement import check_new_sheets, check_not_input
from xl_addin.workbook.reader import plan_locale
from xl_addin.workbook.splice import replace_sheets
from xl_addin.workbook.tablesource import RawTable
from xl_addin.workbook.tablewrite import TableEdits, edited_parts


class FileBook:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise PlanError(
                [Problem(str(self.path), "", said("file_not_found"), said("file_not_found_hint"))]
            )
        check_package(str(self.path))
        self._tables = {t.name.casefold(): t for t in find_tables(str(self.path))}
        self._values = None
        # the user's sheets whose formulas read the sheets written last (write_sheets)
        self.formulas_over: list[str] = []

    @property
    def folder(self) -> Path:
        """Where the plan is: tblSources' file paths are relative to it."""
        return self.path.resolve().parent

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

    def write_sheets(self, sheets, edits: TableEdits | None = None) -> None:
        """Replace salesplan's output sheets (and only those), and make `edits` in the user's
        tables (appended change-log rows, the Version, a change log the plan lacks), all in
        one atomic write."""
        check_writable(self.path)
        try:
            self.check_not_input(sheets)  # may read the plan's Locale, to say why not
        finally:
            self.close()
        created = edits.creates if edits else []
        check_new_sheets(sheet_names(str(self.path)), created)
        edited = edited_parts(self.path, self._tables, edits) if edits else {}
        replace_sheets(self.path, sheets, edited, created)
        self.formulas_over = formulas_over(str(self.path), [s.name for s in sheets])

    def table_ref(self, name: str) -> TableRef | None:
        return self._tables.get(name.casefold())

    def check_not_input(self, sheets) -> None:
        """An output sheet may only replace a sheet that holds nothing but salesplan's tables."""
        check_not_input(
            self._tables.values(), sheets, lambda t: t.ref.split(":")[0], lambda: plan_locale(self)
        )


def check_writable(path: Path) -> None:
    """Excel keeps `~$name` beside a workbook it has open; writing then would lose work."""
    owner = path.with_name("~$" + path.name)
    if owner.exists() or not os.access(path, os.W_OK):
        raise PlanError(
            [
                Problem(
                    path.name,
                    "",
                    said("workbook_locked"),
                    said("workbook_locked_hint"),
                )
            ]
        )
