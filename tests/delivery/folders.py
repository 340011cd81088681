"""Synthetic output folders for `salesplan send`: a manifest and small files with true SHA-256s,
so delivery can be tested on hundreds of reps without rendering workbooks."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

from xl_addin.repbook.issue import MANIFEST, MANIFEST_COLUMNS

SURNAMES = "王李张刘陈杨黄赵吴周"
PERIOD = "2026-10-05"


def rep_id(i: int) -> str:
    return f"R{i:04d}"


def address(i: int) -> str:
    return f"{rep_id(i).lower()}@example.com"


def make_folder(
    folder: Path,
    reps: int,
    size: int = 2048,
    locale: str = "zh-CN",
    version: int = 1,
    change: dict[int, dict] | None = None,
) -> Path:
    """`reps` rows of Kind rep (RepIDs R0001…, Chinese names) with files of `size` bytes;
    `change` overrides columns of rows by number, e.g. {7: {"Email": "wang@"}}."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(1, reps + 1):
        name = f"{SURNAMES[i % len(SURNAMES)]}{i}号"
        file = f"{rep_id(i)}_{name}_{PERIOD}.xlsx"
        data = b"PK\x03\x04" + os.urandom(size)
        (folder / file).write_bytes(data)
        row = {
            "Kind": "rep",
            "RepID": rep_id(i),
            "Name": name,
            "Email": address(i),
            "EmailCell": f"Reps!D{i + 1}",
            "Region": "华北",
            "File": file,
            "SHA256": hashlib.sha256(data).hexdigest(),
            "Period": PERIOD,
            "Version": version,
            "Locale": locale,
            "Unit": 10000 if locale != "en" else 1,
            "Floor": 900_000 + i,
            "Target": 1_000_000 + i,
            "Challenge": 1_150_000 + i,
            "FirstWeeks": "2026-10-05=76923;2026-10-12=76923;2026-10-19=76923;2026-10-26=76923",
        }
        row.update((change or {}).get(i, {}))
        rows.append(row)
    write_manifest(folder, rows)
    return folder


def write_manifest(folder: Path, rows: list[dict]) -> None:
    with (folder / MANIFEST).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def read_rows(folder: Path) -> list[dict]:
    with (folder / MANIFEST).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def reissue(folder: Path, file: str, data: bytes) -> None:
    """What `salesplan issue` does to one workbook: new bytes, and the manifest's SHA-256."""
    (folder / file).write_bytes(data)
    rows = read_rows(folder)
    for row in rows:
        if row["File"] == file:
            row["SHA256"] = hashlib.sha256(data).hexdigest()
    write_manifest(folder, rows)
