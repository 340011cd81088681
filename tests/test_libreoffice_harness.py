"""The LibreOffice harness really recalculates (SPEC §8), converts in batches, and fails loudly."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests import libreoffice
from tests.libreoffice import (
    LibreOfficeError,
    convert,
    opens_cleanly,
    recalculate_many,
    recalculated,
    soffice,
)

# cell -> (formula as given to XlsxWriter, value hand-computed from the data below)
FORMULAS = {
    "D1": ("=SUM(A1:A3)", 6),
    "D2": ("=ROUND(C1*1.5,2)", 1.85),  # 1.2345 * 1.5 = 1.85175
    "D3": ('=IF(A1>=2,"yes","no")', "no"),
    "D4": ('=IF(A2>=2,"yes","no")', "yes"),
    "D5": ('=INDEX(B1:B3,MATCH("South",E1:E3,0))', 20),
    "D6": ("=SUMPRODUCT(A1:A3,B1:B3)", 1 * 10 + 2 * 20 + 3 * 30),
    "D7": ('=IFS(A3>5,"big",A3>=2,"medium",TRUE,"small")', "medium"),
    "D8": ('=SUMIFS(B1:B3,E1:E3,"<>South")', 40),
    "D9": ("=MIN(B1:B3)+MAX(A1:A3)", 13),
    "D10": ("=Data!A1*2", 14),
}
STALE = {"D1": 999}  # an explicit wrong cached value; the others get XlsxWriter's 0


def write_workbook(path: Path, scale: int = 1) -> Path:
    """A workbook whose formula cells carry wrong cached results (0, or STALE)."""
    wb = xlsxwriter.Workbook(str(path), {"use_future_functions": True})
    ws = wb.add_worksheet("Plan")
    for row, (a, b, region) in enumerate([(1, 10, "North"), (2, 20, "South"), (3, 30, "West")]):
        ws.write_number(row, 0, a * scale)
        ws.write_number(row, 1, b)
        ws.write_string(row, 4, region)
    ws.write_number("C1", 1.2345)
    for cell, (formula, _) in FORMULAS.items():
        ws.write_formula(cell, formula, None, STALE.get(cell, 0))
    ws.write_array_formula("D11:D11", "{=SUM(A1:A3*B1:B3)}")  # CSE array formula
    wb.add_worksheet("Data").write_number("A1", 7)
    wb.close()
    return path


def expected(scale: int = 1) -> dict[str, object]:
    values = {cell: value for cell, (_, value) in FORMULAS.items()}
    if scale != 1:
        a = [1 * scale, 2 * scale, 3 * scale]
        values.update(
            D1=sum(a),
            D3="yes" if a[0] >= 2 else "no",
            D6=a[0] * 10 + a[1] * 20 + a[2] * 30,
            D7="big" if a[2] > 5 else "medium",
            D9=10 + a[2],
        )
    values["D11"] = values["D6"]
    return values


def assert_values(got: dict[str, object], want: dict[str, object]) -> None:
    assert got.keys() == want.keys()
    for cell, value in want.items():
        formula = FORMULAS[cell][0] if cell in FORMULAS else "{=SUM(A1:A3*B1:B3)}"
        if isinstance(value, float):
            assert got[cell] == pytest.approx(value), f"{cell} {formula}"
        else:
            assert got[cell] == value, f"{cell} {formula}"


def values_of(wb: openpyxl.Workbook) -> dict[str, object]:
    ws = wb["Plan"]
    return {cell: ws[cell].value for cell in expected()}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "plan.xlsx")


def test_the_written_file_carries_stale_results(workbook: Path) -> None:
    """Precondition: without recalculation every formula cell reads back wrong."""
    cached = values_of(openpyxl.load_workbook(workbook, data_only=True))
    assert cached["D1"] == 999
    assert all(cached[cell] == 0 for cell in expected() if cell != "D1")
    with zipfile.ZipFile(workbook) as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>_xlfn.IFS(" in sheet  # XlsxWriter prefixed it (use_future_functions)
    assert 't="array"' in sheet


def test_recalculated_matches_hand_computed_values(workbook: Path) -> None:
    assert_values(values_of(recalculated(workbook)), expected())


def test_plain_conversion_keeps_the_stale_cache(workbook: Path, tmp_path: Path) -> None:
    """Why the forcing matters: LibreOffice's default profile trusts cached results."""
    (out,) = convert([workbook], "xlsx", tmp_path / "plain", recalc=False)
    got = values_of(openpyxl.load_workbook(out, data_only=True))
    assert got["D1"] == 999  # the explicit wrong cached value survives
    assert got["D6"] == 0 and got["D7"] == 0  # XlsxWriter's cached 0 survives


def test_batch_of_three_is_one_soffice_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = {s: write_workbook(tmp_path / f"plan{s}.xlsx", scale=s) for s in (1, 2, 5)}
    calls = []
    real_popen = subprocess.Popen

    def counting_popen(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_popen(cmd, *args, **kwargs)

    monkeypatch.setattr(libreoffice.subprocess, "Popen", counting_popen)
    books = recalculate_many(paths.values())
    assert len(calls) == 1
    assert set(books) == set(paths.values())
    for scale, path in paths.items():
        assert_values(values_of(books[path]), expected(scale))


def test_convert_returns_outputs_in_input_order(tmp_path: Path) -> None:
    paths = [write_workbook(tmp_path / f"{name}.xlsx") for name in ("b", "a", "c")]
    outs = convert(paths, "csv", tmp_path / "csv")
    assert [p.name for p in outs] == ["b.csv", "a.csv", "c.csv"]
    first_row = outs[0].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert first_row[3] == "6"  # D1 recalculated (cached 999) in the CSV too


def test_opens_cleanly(workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several files in one soffice call, two of one name too (one file: the tests below and
    every module that opens a plan)."""
    twin = tmp_path / "twin" / workbook.name
    twin.parent.mkdir()
    shutil.copyfile(workbook, twin)
    calls = []
    real_popen = subprocess.Popen

    def counting_popen(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_popen(cmd, *args, **kwargs)

    monkeypatch.setattr(libreoffice.subprocess, "Popen", counting_popen)
    opens_cleanly(workbook, twin)
    assert len(calls) == 1


@pytest.mark.parametrize("content", [b"garbage\x00\x01 not a zip", b"PK\x03\x04truncated"])
def test_opens_cleanly_fails_on_a_broken_file(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(content)
    with pytest.raises(AssertionError, match="broken.xlsx"):
        opens_cleanly(broken)


def test_a_failure_in_a_batch_names_the_failed_file(workbook: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(LibreOfficeError) as err:
        convert([workbook, broken], "pdf", tmp_path / "pdf")
    assert "broken.xlsx" in str(err.value)
    assert "plan.xlsx" not in str(err.value).splitlines()[0]
    assert (tmp_path / "pdf" / "plan.pdf").is_file()  # the good one still converted


def test_convert_refuses_colliding_or_clobbering_outputs(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    one = write_workbook(tmp_path / "x" / "plan.xlsx")
    two = write_workbook(tmp_path / "y" / "plan.xlsx")
    with pytest.raises(ValueError, match="collide"):
        convert([one, two], "pdf", tmp_path / "out")
    with pytest.raises(ValueError, match="overwrite"):
        convert([one], "xlsx", tmp_path / "x")
    books = recalculate_many([one, two])  # recalculate_many copes with equal names
    assert values_of(books[one]) == values_of(books[two])


def test_missing_soffice_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(AssertionError, match="make libreoffice"):
        soffice()


def test_missing_soffice_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make libreoffice"):  # skips only outside CI
        soffice()
