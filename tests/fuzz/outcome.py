"""What a mutation did to salesplan: read in-process (the reader and the decompose engine) or
run through a command, and how well each problem it raised says where it is."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.corpus import Mutation

OK, REFUSED, OTHER = "ok", "exit 2", "other"
CELL = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?")
PART = re.compile(r"^(?:\[Content_Types\]\.xml|_rels/|xl/|docProps/|customXml/)")
# How well a place is named, worst first (make fuzz lists the worst messages by it).
NOWHERE, FILE, SHEET, PART_OR_TABLE, CELL_LEVEL = range(5)
LONGEST = 1000  # characters in one problem: a person reads it in a message box
LEVELS = ("nowhere", "the file only", "a sheet", "a part or table", "a sheet and cell")


@dataclass
class Outcome:
    mutation: str
    kind: str
    result: str  # OK, REFUSED or OTHER
    messages: list[str] = field(default_factory=list)  # the problems as a user reads them
    levels: list[int] = field(default_factory=list)  # how well each names its place
    defects: list[str] = field(default_factory=list)  # what broke the rules

    @property
    def worst_level(self) -> int:
        return min(self.levels, default=CELL_LEVEL)


def level(where: str, sheets: set[str], file_names: set[str]) -> int:
    """How well `where` (a Problem's place, or the text before a message's first ': ') names
    a place in the plan."""
    where = where.strip()
    if not where:
        return NOWHERE
    if PART.match(where) or re.search(r"\.(?:xml|rels)\b", where):  # a part, maybe as damaged
        return PART_OR_TABLE
    if where in file_names or Path(where).name in file_names:
        return FILE
    if where.startswith("tbl") or where.startswith("--"):
        return PART_OR_TABLE
    sheet, _, cell = where.rpartition("!")
    sheet = sheet.strip("'")
    if sheet in sheets and CELL.fullmatch(cell):
        return CELL_LEVEL
    if sheet in sheets and re.fullmatch(r"[A-Z]{1,3}|[0-9]{1,7}", cell):  # a column or a row
        return CELL_LEVEL
    if where.strip("'") in sheets:
        return SHEET
    return NOWHERE


def read_in_process(mutation: Mutation, folder: Path, sheets: set[str]) -> Outcome:
    """The mutation read by the reader and decomposed by the engine, nothing written: OK or
    problems (each at a place); any other exception, a changed file or a file left behind is
    a defect."""
    from engine import decompose
    from engine.problems import PlanError
    from xl_addin.messages import problems_text
    from xl_addin.workbook.filebook import plan_book
    from xl_addin.workbook.reader import read_plan

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.xlsx"
    data = mutation.data()
    path.write_bytes(data)
    out = Outcome(mutation.name, mutation.kind, OK)
    try:
        with plan_book(path) as book:
            decompose(read_plan(book))
    except PlanError as exc:
        out.result = REFUSED
        names = {path.name, str(path)}
        for p in exc.problems:
            said = problems_text([p], mutation.locale)
            out.messages.append(said)
            out.levels.append(level(said.split(": ", 1)[0], sheets, names))
        if not exc.problems:
            out.defects.append("a PlanError without problems")
    except Exception as exc:  # noqa: BLE001 - what the fuzz looks for
        out.result = OTHER
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        out.messages.append(f"{type(exc).__name__}: {exc} (at {frame.filename}:{frame.lineno})")
        out.defects.append(out.messages[-1])
    check_levels(out, mutation)
    if path.read_bytes() != data:
        out.defects.append("the file changed")
    left = sorted(p.name for p in folder.iterdir() if p.name != "plan.xlsx")
    if left:
        out.defects.append(f"left behind: {', '.join(left)}")
    path.unlink()
    return out


def check_levels(out: Outcome, mutation: Mutation) -> None:
    """Every problem names a place: a sheet and cell, a sheet, a part or a table; the file
    alone only for a package that is not a workbook at all."""
    least = FILE if mutation.kind == "packages" else SHEET
    for message, lv in zip(out.messages, out.levels, strict=False):
        if lv < least:
            out.defects.append(f"names {LEVELS[lv]}: {message}")
        if len(message) > LONGEST:
            out.defects.append(f"a message of {len(message):,} characters: {message[:200]}…")


def sheet_names(locale: str) -> set[str]:
    import io
    import zipfile

    from tests.fuzz.corpus import base

    with zipfile.ZipFile(io.BytesIO(base(locale).data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
    return set(re.findall(r'<sheet name="([^"]+)"', workbook))
