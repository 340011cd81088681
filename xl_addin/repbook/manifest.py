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

from engine.problems import Message, PlanError, Problem, did_you_mean, said
from xl_addin.repbook.csvtext import original
from xl_addin.repbook.issue import MANIFEST, MANIFEST_COLUMNS, PASSWORD_LIST, REVISION_COLUMNS
from xl_addin.workbook.csvencoding import NotText, text_of

NOT_MAILED = (MANIFEST, PASSWORD_LIST)  # files that must never become an attachment
TABLE = {"rep": ("tblReps", "Email", "Reps"), "region": ("tblRegions", "ManagerEmail", "Regions")}
ISSUE_AGAIN = said("manifest_issue_again")
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
    # What a revision says (issue.write_manifest); blank in a manifest written without them.
    numbers: str = ""  # digest of the plan's numbers for this recipient
    old_target: int | None = None  # before the latest recalibration that moved them
    reason: str = ""  # of that recalibration
    change_version: int | None = None  # the plan version it made
    from_week: int | None = None  # the first week still ahead
    weeks_ahead: tuple[tuple[str, int], ...] = ()  # the weekly plan from from_week on

    @property
    def ident(self) -> str:
        """What `--only` and the journal call this recipient: the RepID, or the region."""
        return self.rep_id if self.kind == "rep" else self.region

    @property
    def who(self) -> str:
        return f"{self.ident} {self.name}".strip()


def is_email(text: str) -> bool:
    return len(text) <= 254 and EMAIL.fullmatch(text) is not None


def manifest_locale(folder: Path) -> str:
    """The Locale the folder's workbooks were issued in, which `send` speaks; English when the
    manifest cannot be read (as a Recipient reads it: anything but en is zh-CN)."""
    try:
        row = next(csv.DictReader(text_of(folder / MANIFEST)), None)
    except (OSError, NotText, csv.Error):
        return "en"
    if row is None:
        return "en"
    return "en" if original(row.get("Locale") or "").strip() == "en" else "zh-CN"


def list_rows(path: Path, hint: Message) -> tuple[list[dict], list[str]]:
    """The rows and header of a list `issue` wrote (manifest.csv, passwords.csv), in the
    encoding it was saved in (the director may have edited it in Excel); a PlanError naming
    the file, with `hint`, when it cannot be read."""
    try:
        reader = csv.DictReader(text_of(path))
        return list(reader), list(reader.fieldnames or [])
    except NotText as e:
        message = said(e.key, source=path.name, line=e.line)
    except csv.Error as e:
        message = said("manifest_unreadable", error=str(e))
    raise PlanError([Problem(path.name, "", message, hint)])


def read_manifest(folder: Path) -> list[Recipient]:
    """The manifest's rows, or a PlanError listing every row that cannot be mailed as it is."""
    path = folder / MANIFEST
    if not path.is_file():
        raise PlanError(
            [
                Problem(
                    MANIFEST,
                    "",
                    said("manifest_not_found", folder=str(folder)),
                    said("manifest_not_found_hint"),
                )
            ]
        )
    rows, header = list_rows(path, ISSUE_AGAIN)
    missing = [c for c in MANIFEST_COLUMNS if c not in header and c not in REVISION_COLUMNS]
    if missing:
        raise PlanError(
            [
                Problem(
                    MANIFEST, "", said("manifest_columns", columns=", ".join(missing)), ISSUE_AGAIN
                )
            ]
        )
    problems: list[Problem] = []
    recipients = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        recipient = _recipient(row, line, problems)
        if recipient is not None:
            recipients.append(recipient)
    twice = Counter((r.kind, r.ident) for r in recipients)
    problems += [
        Problem(
            MANIFEST,
            "",
            said(
                "manifest_twice_rep" if kind == "rep" else "manifest_twice_region", ident=ident, n=n
            ),
            ISSUE_AGAIN,
        )
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
                    said(
                        "only_unknown",
                        ident=i,
                        manifest=MANIFEST,
                        suggestion=did_you_mean(i, known),
                    ),
                    said("only_unknown_hint"),
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
            problems.append(
                Problem(r.file, "", said("workbook_not_in_folder", folder=str(folder)), ISSUE_AGAIN)
            )
        elif hashlib.sha256(path.read_bytes()).hexdigest() != r.sha256:
            problems.append(
                Problem(
                    r.file,
                    "",
                    said("workbook_changed"),
                    ISSUE_AGAIN,
                )
            )
    if problems:
        raise PlanError(problems)


def _recipient(row: dict, line: int, problems: list[Problem]) -> Recipient | None:
    def bad(message: Message) -> None:
        where = said("manifest_row", manifest=MANIFEST, line=line)
        problems.append(Problem(where, "", message, ISSUE_AGAIN))

    value = {k: original(row.get(k) or "").strip() for k in MANIFEST_COLUMNS}
    kind = value["Kind"]
    if kind not in TABLE:
        bad(said("manifest_kind", kind=kind))
        return None
    table, header, sheet = TABLE[kind]
    email = value["Email"]
    where, _, cell = (value["EmailCell"] or sheet).partition("!")
    whose = (
        said("whose_rep", rep_id=value["RepID"])
        if kind == "rep"
        else said("whose_region_manager", region=value["Region"])
    )
    if not email:
        problems.append(
            Problem(
                where,
                cell,
                said("email_empty", column=header, whose=whose),
                said("email_empty_hint", table=table),
            )
        )
    elif not is_email(email):
        problems.append(
            Problem(
                where,
                cell,
                said("email_not_an_address", column=header, email=email),
                said("email_not_an_address_hint", table=table),
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
        bad(said("manifest_file", file=file))
    if not re.fullmatch(r"[0-9a-f]{64}", value["SHA256"]):
        bad(said("manifest_sha", value=value["SHA256"]))
    numbers = {}
    for column in ("Unit", "Floor", "Target", "Challenge"):
        try:
            numbers[column] = int(value[column])
        except ValueError:
            bad(said("value_not_whole", column=column, value=value[column]))
    optional = {}
    for column in ("OldTarget", "ChangeVersion", "FromWeek"):
        try:
            optional[column] = int(value[column]) if value[column] else None
        except ValueError:
            bad(said("value_not_whole", column=column, value=value[column]))
    weeks = _weeks(value["FirstWeeks"], "manifest_first_weeks", bad)
    ahead = _weeks(value["WeeksAhead"], "manifest_weeks_ahead", bad)
    numbers_digest = value["Numbers"]
    if numbers_digest and not re.fullmatch(r"[0-9a-f]{64}", numbers_digest):
        bad(said("manifest_numbers", value=numbers_digest))
    if kind == "rep" and not value["RepID"]:
        bad(said("manifest_no_rep_id"))
    if kind == "region" and not value["Region"]:
        bad(said("manifest_no_region"))
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
        first_weeks=weeks,
        numbers=numbers_digest,
        old_target=optional.get("OldTarget"),
        reason=value["Reason"],
        change_version=optional.get("ChangeVersion"),
        from_week=optional.get("FromWeek"),
        weeks_ahead=ahead,
    )


def _weeks(cell: str, problem: str, bad) -> tuple[tuple[str, int], ...]:
    """`2026-10-05=127425;…` as (week start, whole yuan) pairs."""
    weeks = []
    for part in filter(None, cell.split(";")):
        start, _, amount = part.partition("=")
        try:
            weeks.append((start.strip(), int(amount)))
        except ValueError:
            bad(said(problem, value=part))
    return tuple(weeks)
