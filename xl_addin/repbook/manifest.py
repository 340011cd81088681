"""The recipients of `salesplan send`: the manifest `salesplan issue` wrote, checked (SPEC §11, §13).

Every problem is collected and reported where it can be fixed: a bad address at the cell it
was typed in (`Reps!D7`), a workbook changed since it was issued by its file name.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.problems import PlanError, Problem, did_you_mean
from xl_addin.repbook.issue import MANIFEST, MANIFEST_COLUMNS

NOT_MAILED = ("manifest.csv", "passwords.csv")  # files that must never become an attachment
TABLE = {"rep": ("tblReps", "Email", "Reps"), "region": ("tblRegions", "ManagerEmail", "Regions")}
ISSUE_AGAIN = "re-run `salesplan issue` to issue the workbooks and the manifest again"
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
EMAIL = re.compile(rf"{_LOCAL}@{_DOMAIN}")


@dataclass(frozen=True)
class Recipient:
    """One row of the manifest: who receives which workbook, and the numbers the e-mail shows."""

    kind: str  # "rep" or "region"
    rep_id: str
    name: str
    email: str
    email_cell: str
    region: str
    file: str
    sha256: str
    period: str
    version: str
    locale: str
    unit: int
    floor: int
    target: int
    challenge: int
    first_weeks: tuple[tuple[str, int], ...]

    @property
    def ident(self) -> str:
        """What `--only` and the journal call this recipient: the RepID, or the region."""
        return self.rep_id if self.kind == "rep" else self.region

    @property
    def who(self) -> str:
        return f"{self.ident} {self.name}".strip()


def is_email(text: str) -> bool:
    return len(text) <= 254 and EMAIL.fullmatch(text) is not None


def read_manifest(folder: Path) -> list[Recipient]:
    """The manifest's rows, or a PlanError listing every row that cannot be mailed as it is."""
    path = folder / MANIFEST
    if not path.is_file():
        raise PlanError(
            [
                Problem(
                    MANIFEST,
                    "",
                    f"not found in {folder}",
                    "run `salesplan issue PLAN.xlsx --out DIR`",
                )
            ]
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as e:
        raise PlanError([Problem(MANIFEST, "", f"cannot be read: {e}", ISSUE_AGAIN)]) from None
    missing = [c for c in MANIFEST_COLUMNS if c not in header]
    if missing:
        raise PlanError(
            [Problem(MANIFEST, "", f"lacks the columns {', '.join(missing)}", ISSUE_AGAIN)]
        )
    problems: list[Problem] = []
    recipients = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        recipient = _recipient(row, line, problems)
        if recipient is not None:
            recipients.append(recipient)
    twice = Counter((r.kind, r.ident) for r in recipients)
    problems += [
        Problem(MANIFEST, "", f'{kind} "{ident}" has {n} workbooks, not one', ISSUE_AGAIN)
        for (kind, ident), n in twice.items()
        if n > 1
    ]
    if problems:
        raise PlanError(problems)
    return recipients


def select(recipients: list[Recipient], only: list[str] | None) -> list[Recipient]:
    """The recipients named by `--only` (RepIDs or regions), every one when it is not given."""
    if not only:
        return recipients
    known = {r.ident for r in recipients}
    unknown = [i for i in only if i not in known]
    if unknown:
        raise PlanError(
            [
                Problem(
                    "--only",
                    "",
                    f'"{i}" is not a RepID or region in {MANIFEST}{did_you_mean(i, known)}',
                    "give RepIDs as in tblReps, or region names for the roll-ups",
                )
                for i in unknown
            ]
        )
    wanted = set(only)
    return [r for r in recipients if r.ident in wanted]


def check_files(folder: Path, recipients: list[Recipient]) -> None:
    """Every workbook is where the manifest says and is the one it describes (SHA-256)."""
    problems = []
    for r in recipients:
        path = folder / r.file
        if not path.is_file():
            problems.append(Problem(r.file, "", f"is not in {folder}", ISSUE_AGAIN))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != r.sha256:
            problems.append(
                Problem(
                    r.file,
                    "",
                    "differs from the manifest (SHA-256) since it was issued",
                    ISSUE_AGAIN,
                )
            )
    if problems:
        raise PlanError(problems)


def _recipient(row: dict, line: int, problems: list[Problem]) -> Recipient | None:
    def bad(message: str) -> None:
        problems.append(Problem(f"{MANIFEST} row {line}", "", message, ISSUE_AGAIN))

    value = {k: (row.get(k) or "").strip() for k in MANIFEST_COLUMNS}
    kind = value["Kind"]
    if kind not in TABLE:
        bad(f'Kind "{kind}" is neither rep nor region')
        return None
    table, header, sheet = TABLE[kind]
    email = value["Email"]
    where, _, cell = (value["EmailCell"] or sheet).partition("!")
    whose = (
        f'rep "{value["RepID"]}"' if kind == "rep" else f'the manager of region "{value["Region"]}"'
    )
    if not email:
        problems.append(
            Problem(where, cell, f"{header} of {whose} is empty", f"type the address in {table}")
        )
    elif not is_email(email):
        problems.append(
            Problem(
                where,
                cell,
                f'{header} "{email}" is not an e-mail address',
                f"correct it in {table}",
            )
        )
    file = value["File"]
    if (
        Path(file).name != file  # nothing outside the folder
        or "\\" in file
        or file.startswith(".")
        or file in NOT_MAILED
        or not file.lower().endswith(".xlsx")
    ):
        bad(f'File "{file}" is not a workbook of this folder')
    if not re.fullmatch(r"[0-9a-f]{64}", value["SHA256"]):
        bad(f'SHA256 "{value["SHA256"]}" is not a SHA-256')
    numbers = {}
    for column in ("Unit", "Floor", "Target", "Challenge"):
        try:
            numbers[column] = int(value[column])
        except ValueError:
            bad(f'{column} "{value[column]}" is not a whole number')
    weeks = []
    for part in filter(None, value["FirstWeeks"].split(";")):
        start, _, amount = part.partition("=")
        try:
            weeks.append((start.strip(), int(amount)))
        except ValueError:
            bad(f'FirstWeeks "{part}" is not week=amount')
    if kind == "rep" and not value["RepID"]:
        bad("a rep's row has no RepID")
    if kind == "region" and not value["Region"]:
        bad("a region's row has no Region")
    if len(numbers) < 4:
        return None
    return Recipient(
        kind=kind,
        rep_id=value["RepID"],
        name=value["Name"],
        email=email,
        email_cell=value["EmailCell"],
        region=value["Region"],
        file=file,
        sha256=value["SHA256"],
        period=value["Period"],
        version=value["Version"],
        locale=value["Locale"] if value["Locale"] == "en" else "zh-CN",
        unit=numbers["Unit"] or 1,
        floor=numbers["Floor"],
        target=numbers["Target"],
        challenge=numbers["Challenge"],
        first_weeks=tuple(weeks),
    )
