"""An annual plan's responsibility workbook (SPEC §1.1 PhaseBy, §4, §17): the Plan sheet sums
the months into quarters and the quarters into the year, by formulas that LibreOffice computes
as the engine does, with those values stored; PhaseBy quarters puts year → quarter → month on
the letter. All files recalculated in one soffice call."""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pandas as pd
import pytest

from engine.progress import progress
from tests import builders as b
from tests.libreoffice import recalculate_many
from tests.ooxml.check import problems
from xl_addin.repbook.render import render_repbook
from xl_addin.repbook.responsibility import rep_books

RHYTHM = pd.DataFrame({"phase": list("ABCD"), "weeks": [13] * 4, "share": [0.1, 0.2, 0.3, 0.4]})
RATES = pd.DataFrame({"tier": ["floor", "target", "challenge"], "rate": [0.01, 0.015, 0.02]})
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
MONTH = re.compile(r"^\d{4}-\d{2}$")
# typed here, not read from the code: the year's row, and the letter's title of the split
FULL_YEAR = {"en": "Full year", "zh-CN": "全年"}
SPLIT_TITLE = {"en": "Your target by quarter and month", "zh-CN": "目标按季度、月份分解"}


def annual_plan(locale: str, phase_by: str, unit: int):
    reps = b.reps(3)
    plan = b.plan(
        reps,
        b.history(reps, 10_000.0, weeks=53),
        PeriodWeeks=52,
        PhaseBy=phase_by,
        Locale=locale,
        Unit=unit,
    )
    return dataclasses.replace(plan, rhythm=RHYTHM, commission=RATES)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """(variant, decomposition, rep index, path) for every rep of an English plan by quarters
    and the first rep of a Chinese one by weeks (in 万元), and LibreOffice's recalculation."""
    folder = tmp_path_factory.mktemp("quarters")
    out = []
    for locale, phase_by, unit in (("en", "quarters", 1), ("zh-CN", "weeks", 10_000)):
        plan = annual_plan(locale, phase_by, unit)
        p = progress(plan)
        for i, book in enumerate(rep_books(p, plan)[: 3 if locale == "en" else 1]):
            path = folder / f"{locale}-{book.rep_id}.xlsx"
            path.write_bytes(render_repbook(book))
            out.append(((locale, phase_by), p.decomposition, i, path))
    computed = recalculate_many([path for *_, path in out])
    return [(*row, computed[row[-1]]) for row in out]


def column_ab(ws) -> list[tuple]:
    """(A, B, the A cell) of every row whose column A holds text."""
    return [(r[0].value, r[1].value, r[0]) for r in ws.iter_rows(max_col=2) if r[0].value]


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) + 2) // 3}"  # 2027-01..03 → 2027-Q1


def test_the_plan_sheets_quarters_are_their_months_and_the_year_by_formula_and_stored(issued):
    for (locale, _), d, i, path, computed in issued:
        target = int(d.targets["target"].iat[i])
        quarters = d.quarters.iloc[i].to_dict()
        months = d.months.iloc[i].to_dict()
        assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        assert sum(quarters.values()) == target
        written = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        stored = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), data_only=True)
        sheets = {
            "formula": written.worksheets[1],
            "stored": stored.worksheets[1],
            "LibreOffice": computed.worksheets[1],
        }
        for how, ws in sheets.items():
            rows = column_ab(ws)
            got = {a: v for a, v, _ in rows if QUARTER.match(str(a))}
            year = [v for a, v, _ in rows if a == FULL_YEAR[locale]]
            if how == "formula":
                assert all(str(v).startswith("=SUMPRODUCT(") for v in got.values()), got
                assert year[0].startswith("=SUM(")
                continue
            assert got == quarters, (how, path.name)
            assert year == [target], (how, path.name)
            # each month row names its quarter beside it (column C), which the formulas match
            beside = {r[0].value: r[2].value for r in ws.iter_rows(max_col=3) if r[2].value}
            shown = {m: beside[m] for m in months}
            assert shown == {m: quarter_of(m) for m in months}


def letter_split(ws, locale: str) -> list[tuple]:
    """(name, amount, share, indented, bold) of each row of the letter's split, in order."""
    rows = list(ws.iter_rows(max_col=3))
    start = next(k for k, r in enumerate(rows) if r[0].value == SPLIT_TITLE[locale]) + 2
    out = []
    for r in rows[start:]:
        if not r[0].value:
            break
        out.append((r[0].value, r[1].value, r[2].value, r[0].alignment.indent > 0, r[0].font.b))
    return out


def test_phase_by_quarters_puts_year_quarters_and_their_months_on_the_letter(issued):
    letters = 0
    for (locale, phase_by), d, i, path, _ in issued:
        cover = openpyxl.load_workbook(path).worksheets[0]
        texts = [str(c.value) for row in cover.iter_rows() for c in row if c.value]
        if phase_by == "weeks":  # the letter as before: no split, no quarter or month on it
            assert SPLIT_TITLE[locale] not in texts
            assert not any(QUARTER.match(t) or MONTH.match(t) for t in texts)
            continue
        letters += 1
        assert problems(path) == []  # as Excel would open it: the indented months too
        target = int(d.targets["target"].iat[i])
        want = [(FULL_YEAR[locale], target, False, True)]
        for quarter, amount in d.quarters.iloc[i].items():
            want.append((quarter, amount, False, True))
            want += [
                (month, value, True, False)
                for month, value in d.months.iloc[i].items()
                if quarter_of(month) == quarter
            ]
        got = letter_split(cover, locale)
        assert [(n, a, indented, bool(bold)) for n, a, _, indented, bold in got] == want
        assert len(got) == 1 + 4 + 12  # the year, four quarters, twelve months
        assert all(share == pytest.approx(a / target) for _, a, share, _, _ in got)
        assert sum(a for n, a, *_ in got if QUARTER.match(n)) == target
    assert letters == 3
