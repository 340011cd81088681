"""`salesplan recalibrate` on the example company's workbook, read back as a user would.

The example has 6 weeks of actuals, so a change re-phases weeks 7–13 only. Targets are
multiples of RoundTo 1,000; the percentages below are computed from each rep's original
target, rounded to RoundTo on the side that keeps them on the intended side of a limit.
"""

import functools
import math
import zipfile

import openpyxl
import pytest

from engine import decompose
from tests.examples import example_plan
from tests.libreoffice import opens_cleanly
from xl_addin.cli import main
from xl_addin.sheets.units import without_unit
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    example_plan(path, "en", "decompose")
    return path


@pytest.fixture
def plan_path(example, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(example.read_bytes())
    return path


def original(path, rep="S001"):
    d = decompose(read_plan(FileBook(path)), with_changes=False)
    return int(d.targets.set_index("rep_id").at[rep, "target"])


def by(first: int, pct: float, up: bool) -> int:
    """first × (1 + pct) to a multiple of 1,000, rounded towards (up=False) or away from it."""
    raw = first * (1 + pct) / 1000
    return (math.ceil(raw) if up else math.floor(raw)) * 1000


def rows_of(path, table):
    """A table's rows as the file holds them now (the workbook read once per version)."""
    st = path.stat()  # every write replaces the file: a new inode
    wb = _loaded(path, st.st_ino, st.st_mtime_ns, st.st_size)
    for ws in wb.worksheets:
        if table in ws.tables:
            cells = ws[ws.tables[table].ref]
            return [[c.value for c in row] for row in cells]
    raise AssertionError(f"{table} not found")


@functools.lru_cache(maxsize=2)
def _loaded(path, inode: int, mtime_ns: int, size: int):
    return openpyxl.load_workbook(path)


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def recal(path, *args):
    return main(["recalibrate", str(path), *args, "--reason", "lost key account"])


def test_an_accepted_change_is_logged_versioned_and_every_identity_still_holds(plan_path, capsys):
    first = original(plan_path)
    target = by(first, 0.199, up=False)
    before = parts(plan_path)
    assert recal(plan_path, "--rep", "S001", "--target", str(target), "--approver", "Wang") == 0
    out = capsys.readouterr().out
    assert f"S001: {first:,} → {target:,}" in out and "weeks 7–13 re-phased" in out

    header, *log = rows_of(plan_path, "tblChangeLog")
    assert header == ["Timestamp", "RepID", "Field", "Old", "New", "Reason", "Approver", "Version", "FromWeek"]  # fmt: skip
    assert [r[1:] for r in log] == [
        ["S001", "Target", first, target, "lost key account", "Wang", 2, 7]
    ]
    settings = {r[0]: r[1:] for r in rows_of(plan_path, "tblSettings")[1:]}
    assert settings["Version"] == [
        2,  # described as init describes the other settings
        "the plan's version, raised by salesplan on each accepted recalibration; not typed by hand",
    ]

    header, *targets = rows_of(plan_path, "tblTargets")
    header = [without_unit(h) for h in header]  # Target (CNY) is Target
    row = dict(zip(header, next(r for r in targets if r[0] == "S001"), strict=True))
    assert (row["Target"], row["OriginalTarget"]) == (target, first)
    header, *phasing = rows_of(plan_path, "tblPhasing")
    weeks = dict(zip(header, next(r for r in phasing if r[0] == "S001"), strict=True))
    assert sum(weeks[f"W{w}"] for w in range(1, 14)) == target
    plan_before = decompose(read_plan(FileBook(_copy(before, plan_path.with_name("b.xlsx")))))
    was = plan_before.weekly.iloc[0].tolist()
    assert [weeks[f"W{w}"] for w in range(1, 7)] == was[:6]  # the weeks past keep their plan
    recon = rows_of(plan_path, "tblReconciliation")[1:]
    assert recon and all(r[4] == 0 for r in recon)

    after = parts(plan_path)
    changed = {n for n in after if before.get(n) != after[n]}
    # only salesplan's own sheets, the two tables it records in, and the package's lists
    user_sheets = {n for n in changed if n.startswith("xl/worksheets/sheet")}
    assert len(user_sheets - _output_sheet_parts(plan_path)) == 2  # ChangeLog and Settings
    opens_cleanly(plan_path)


def _copy(data: dict, path):
    with zipfile.ZipFile(path, "w") as z:
        for n, b in data.items():
            z.writestr(n, b)
    return path


def _output_sheet_parts(path) -> set[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    names = wb.sheetnames
    wb.close()
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        book = z.read("xl/workbook.xml").decode()
    import re

    ids = dict(re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book))
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels)) | {
        i: t for t, i in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)
    }
    outputs = {"Targets", "Breakdown", "Phasing", "Reconciliation", "Tracking", "Commission", "Dashboard"}  # fmt: skip
    return {
        "xl/" + targets[ids[n]].lstrip("/").removeprefix("xl/")
        for n in names
        if n in outputs and n in ids
    }


@pytest.mark.parametrize(
    "pct, approver, why",
    [
        (0.201, "Wang", "--target: S001's target beyond RecalibrationCap 20 % (default)"),
        (-0.201, "Wang", "--target: S001's target beyond RecalibrationCap 20 % (default)"),
        (0.16, "", "--approver: S001's target beyond FlexReserve 15 % (default), and needs"),
    ],
)
def test_a_refused_change_changes_nothing(plan_path, capsys, pct, approver, why):
    first = original(plan_path)
    target = by(first, pct, up=pct > 0)
    before = plan_path.read_bytes()
    args = ["--rep", "S001", "--target", str(target)] + (
        ["--approver", approver] if approver else []
    )
    assert recal(plan_path, *args) == 2
    err = capsys.readouterr().err
    where, _, limit = why.partition(" beyond ")
    assert where in err and f"beyond {limit}" in err and "nothing was changed" in err
    assert plan_path.read_bytes() == before


def test_the_change_log_grows_by_exactly_the_changed_rows_and_earlier_rows_stay(plan_path):
    first = original(plan_path)
    assert recal(plan_path, "--rep", "S001", "--target", str(by(first, 0.1, up=False))) == 0
    log1 = rows_of(plan_path, "tblChangeLog")
    d = decompose(read_plan(FileBook(plan_path)))
    region = d.targets.set_index("rep_id").at["S002", "region"]
    members = d.targets[d.targets["region"] == region]
    total = int(members["target"].sum())
    # S001 is then 1.1 × 1.05 = 15.5 % from its original: beyond FlexReserve, so approved
    args = ["--region", region, "--target", str(by(total, 0.05, up=False)), "--approver", "Wang"]
    assert recal(plan_path, *args) == 0
    log2 = rows_of(plan_path, "tblChangeLog")
    after = decompose(read_plan(FileBook(plan_path)))
    moved = after.targets.set_index("rep_id")["target"] != d.targets.set_index("rep_id")["target"]
    assert log2[: len(log1)] == log1
    assert len(log2) == len(log1) + int(moved.sum())
    assert {r[1] for r in log2[len(log1) :]} == set(moved[moved].index)
    assert all(r[7] == 3 for r in log2[len(log1) :])
    assert (after.reconciliation["difference"] == 0).all()
    settings = {r[0]: r[1] for r in rows_of(plan_path, "tblSettings")[1:]}
    assert settings["Version"] == 3


def test_content_below_the_change_log_blocks_the_append(plan_path, capsys):
    wb = openpyxl.load_workbook(plan_path)
    ws = next(w for w in wb.worksheets if "tblChangeLog" in w.tables)
    last = int(ws.tables["tblChangeLog"].ref.split(":")[1][1:])
    ws.cell(last + 1, 1).value = "my note"
    wb.save(plan_path)
    before = plan_path.read_bytes()
    first = original(plan_path)
    assert recal(plan_path, "--rep", "S001", "--target", str(by(first, 0.05, up=False))) == 0
    # the blank row of a fresh table takes the first change; the second needs the row below
    assert recal(plan_path, "--rep", "S001", "--target", str(by(first, 0.06, up=False))) == 2
    err = capsys.readouterr().err
    assert (
        f"ChangeLog!A{last + 1}: salesplan appends rows to tblChangeLog but row {last + 1}" in err
    )
    assert before != plan_path.read_bytes()  # the first change landed; the second did not
    assert len(rows_of(plan_path, "tblChangeLog")) == 2


def test_bad_arguments(plan_path, capsys):
    assert recal(plan_path, "--rep", "S999", "--target", "1000000") == 2
    assert '--rep: RepID "S999" is not in tblReps' in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        recal(plan_path, "--rep", "S001", "--target", "about a million")
    assert e.value.code == 2


def test_a_chinese_plan_hears_a_refused_change_in_chinese(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "zh-CN")  # the example plans in zh-CN
    first = original(path)
    capsys.readouterr()
    before = path.read_bytes()
    assert recal(path, "--rep", "S0001", "--target", "1000000") == 2
    assert capsys.readouterr().err.splitlines() == [
        "salesplan: 输入中有 1 个问题；未做任何改动。",
        "--rep: 销售编号“S0001”不在 tblReps 中（您是否想填“S001”？） — 请填写“目标”工作表中的销售编号",
    ]
    # 30 % above the original, beyond the default cap of 20 %: from 0.8 × to 1.2 × the
    # original, each end rounded inwards to RoundTo 1,000
    target = by(first, 0.3, up=True)
    low, high = math.ceil(first * 0.8 / 1000) * 1000, math.floor(first * 1.2 / 1000) * 1000
    assert recal(path, "--rep", "S001", "--target", str(target), "--approver", "王总") == 2
    pct = f"{(target - first) / first * 100:.1f}"
    assert capsys.readouterr().err.splitlines()[1] == (
        f"--target: S001的目标 {target:,} 偏离原目标 {first:,} 达 {pct} %，超出 "
        f"RecalibrationCap 20 %（默认值） — 请选择 {low:,} 至 {high:,} 之间的目标"
    )
    assert path.read_bytes() == before
