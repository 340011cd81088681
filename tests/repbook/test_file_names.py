"""Issued file names, one per recipient on any file system (issue 17, item 4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from pathlib import Path

from xl_addin.commands import issue_summary
from xl_addin.repbook.issue import Issued
from xl_addin.repbook.responsibility import Clash, rep_file_name, unique_file_names

START = dt.date(2026, 10, 5)


def code(ident: str, n: int = 6) -> str:
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:n]


def wanted(reps: list[tuple[str, str]]) -> dict:
    return {("rep", r): (n, rep_file_name(r, n, START)) for r, n in reps}


def test_the_same_reps_get_the_same_names_in_any_order():
    reps = [("N/01", "Li Lei"), ("S002", "Zhang Wei"), ("N:01", "Li Lei"), ("N*01", "Li Lei")]
    names, clashes = unique_file_names(wanted(reps))
    again, _ = unique_file_names(wanted(list(reversed(reps))))
    assert names == again
    assert names[("rep", "S002")] == "S002_Zhang Wei_2026-10-05.xlsx"
    for rep_id in ("N/01", "N:01", "N*01"):
        assert names[("rep", rep_id)] == f"N_01_Li Lei_2026-10-05_{code(rep_id)}.xlsx"
    (clash,) = clashes
    assert clash.wanted == "N_01_Li Lei_2026-10-05.xlsx"
    assert [f[1] for f in clash.files] == sorted(["N/01", "N:01", "N*01"])


def test_names_in_another_unicode_form_or_case_clash_too():
    """macOS keeps é as e + accent; Windows and macOS ignore case."""
    composed, decomposed = "José", unicodedata.normalize("NFD", "José")
    names, clashes = unique_file_names(
        wanted([("R1", composed), ("R2", decomposed), ("r3", "ANNA"), ("R3", "anna")])
    )
    assert len(clashes) == 1  # R1 and R2 differ by RepID; r3 and R3 clash
    assert {f[1] for f in clashes[0].files} == {"r3", "R3"}
    assert names[("rep", "R3")] == f"R3_anna_2026-10-05_{code('R3')}.xlsx"
    names, clashes = unique_file_names(wanted([("R1", composed), ("r1", decomposed)]))
    assert len(clashes) == 1 and len({n.casefold() for n in names.values()}) == 2


def test_the_summary_names_the_reps_and_their_files_in_the_plans_language():
    clash = Clash(
        "N_01_李雷_2026-10-05.xlsx",
        (
            ("rep", "N/01", "李雷", f"N_01_李雷_2026-10-05_{code('N/01')}.xlsx"),
            ("rep", "N:01", "李雷", f"N_01_李雷_2026-10-05_{code('N:01')}.xlsx"),
        ),
    )
    issued = Issued([], [], {}, None, (clash,))
    first, note = issue_summary(issued, Path("books"), 0.5, "zh-CN")
    assert first.startswith("已生成 0 份目标责任书")
    assert note == (
        "  注意：以下文件原本会同名（N_01_李雷_2026-10-05.xlsx）（文件名不能包含其中某些字符，"
        "且 Windows 和 macOS 不区分大小写），因此每个文件名末尾加了各自的代码："
        f"销售代表 N/01（李雷）→ N_01_李雷_2026-10-05_{code('N/01')}.xlsx、"
        f"销售代表 N:01（李雷）→ N_01_李雷_2026-10-05_{code('N:01')}.xlsx"
    )
