"""Password encryption of issued workbooks (SPEC §8 "Optional password encryption").

Workbooks are encrypted as Excel itself does it (ECMA-376 agile encryption, AES-256 with
SHA-512) through msoffcrypto-tool, so Excel and LibreOffice open them with the password.
Passwords are written in one place only, the manager's list (`write_password_list`): never
inside a workbook, an e-mail or an error message.
"""

from __future__ import annotations

import csv
import io
import os
import random
import secrets
import string
from pathlib import Path

import msoffcrypto
import pandas as pd
from msoffcrypto.format.ooxml import OOXMLFile

from engine.problems import PlanError, Problem, at_row, said
from xl_addin.repbook.csvtext import FORMULA_STARTS, neutral
from xl_addin.workbook.atomic import replacing
from xl_addin.workbook.coerce import text

PASSWORD_LENGTH = 14
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 255  # the longest password Excel's Open dialog accepts
LOOK_ALIKES = "0Oo1lI"
UPPER = "".join(c for c in string.ascii_uppercase if c not in LOOK_ALIKES)
LOWER = "".join(c for c in string.ascii_lowercase if c not in LOOK_ALIKES)
DIGITS = "".join(c for c in string.digits if c not in LOOK_ALIKES)
ALPHABET = UPPER + LOWER + DIGITS
PASSWORD_LIST_COLUMNS = ("RepID", "Name", "File", "Password")


def encrypt(data: bytes, password: str) -> bytes:
    """The .xlsx package `data` as an encrypted OLE file that Excel opens with `password`."""
    if not password:
        raise ValueError("cannot encrypt with an empty password")
    out = io.BytesIO()
    try:
        OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    except (msoffcrypto.exceptions.FileFormatError, msoffcrypto.exceptions.EncryptionError) as e:
        raise ValueError(f"cannot encrypt: {e}") from e
    return out.getvalue()


def decrypt(data: bytes, password: str) -> bytes:
    """The .xlsx package inside an encrypted workbook; ValueError("wrong password") if it is."""
    if not password:
        raise ValueError("wrong password")
    try:
        office = OOXMLFile(io.BytesIO(data))
        if not office.is_encrypted():
            raise ValueError("cannot decrypt: the workbook is not encrypted")
        office.load_key(password=password, verify_password=True)
    except msoffcrypto.exceptions.InvalidKeyError as e:
        raise ValueError("wrong password") from e
    except (msoffcrypto.exceptions.FileFormatError, msoffcrypto.exceptions.DecryptionError) as e:
        raise ValueError(f"cannot decrypt: {e}") from e
    out = io.BytesIO()
    try:  # the password is right: a failed check here means the bytes were changed
        office.decrypt(out, verify_integrity=True)
    except msoffcrypto.exceptions.DecryptionError as e:
        raise ValueError(f"cannot decrypt, the file is damaged or was altered: {e}") from e
    return out.getvalue()


def new_password(rng: secrets.SystemRandom | random.Random | None = None) -> str:
    """A password that reads unambiguously on paper; pass a seeded Random only in tests."""
    rng = secrets.SystemRandom() if rng is None else rng
    while True:  # redraw rather than force positions: every valid password stays equally likely
        password = "".join(rng.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))
        if all(any(c in chars for c in password) for chars in (UPPER, LOWER, DIGITS)):
            return password


def passwords_for(reps: pd.DataFrame, rng: random.Random | None = None) -> pd.Series:
    """One password per row of tblReps (a rep's workbook) or tblRegions (a region's roll-up):
    the one typed in its Password column, else a new one.

    Typed passwords that are too short, or that Excel would read as a formula in the
    manager's list, are reported together as one PlanError, each at its cell.
    """
    if "password" in reps:
        given, _ = text(reps["password"].reset_index(drop=True))
    else:
        given = pd.Series(None, index=range(len(reps)), dtype=object)
    blank = given.isna()
    typed = given[~blank].astype(str)
    short = typed.str.len() < MIN_PASSWORD_LENGTH
    long = typed.str.len() > MAX_PASSWORD_LENGTH
    formula = typed.str.startswith(FORMULA_STARTS)
    problems = []
    for position in typed.index[short | long | formula]:  # positions: the index was reset
        sheet, cell = at_row(reps, position, "password", "Reps")
        whose = (
            said("of_rep", rep_id=reps["rep_id"].iloc[position])
            if "rep_id" in reps
            else said("of_region", region=reps["region"].iloc[position])
            if "region" in reps
            else ""
        )
        value = typed[position]
        if short[position]:
            message = said("password_short", whose=whose, n=len(value), least=MIN_PASSWORD_LENGTH)
            hint = said("password_short_hint")
        elif long[position]:  # it would encrypt, but nobody could type it into Excel
            message = said("password_long", whose=whose, n=len(value), most=MAX_PASSWORD_LENGTH)
            hint = said("password_long_hint")
        else:
            message = said("password_formula", whose=whose, first=value[0])
            hint = said("password_formula_hint")
        problems.append(Problem(sheet, cell, message, hint))
    if problems:
        raise PlanError(problems)
    out = given.astype(object)
    out[blank] = [new_password(rng) for _ in range(int(blank.sum()))]
    out.index = reps.index
    return out.rename("password")


def write_password_list(path: str | os.PathLike[str], rows: list[dict]) -> None:
    """The manager's list of passwords: a CSV file that Excel opens, readable by its owner only.

    Written to a temporary file beside `path` and moved into place, so a reader never sees a
    half-written list and a failure leaves any earlier list as it was.
    """
    path = Path(path)
    for row in rows:
        password = str(row.get("Password", ""))
        if not password or password.startswith(FORMULA_STARTS):
            raise ValueError(f"no usable password for rep {row.get('RepID')!r} in the list")
    with replacing(path, mode=0o600) as temporary:
        with temporary.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=PASSWORD_LIST_COLUMNS)
            writer.writeheader()
            writer.writerows(
                {k: v if k == "Password" else neutral(v) for k, v in row.items()} for row in rows
            )
