"""Issued workbooks carry their formulas' results (issue 16, item 1), so a reader that does not
recalculate (a mail preview, a phone, LibreOffice by default) shows the right numbers.

Every formula cell of every rep's workbook stores the value the engine computes for it: the
Actuals summary against engine.tracking.track at the rep's own last week and
engine.commission (computed here, not by the renderer's code), the cumulative columns against
the typed actuals and the plan, a gap (#N/A) after the last week with actuals. Both locales,
both commission modes, with a cap, with actuals and without. Then LibreOffice, once
recalculating and once as it opens a file by default (no recalculation): on a sample of
workbooks, every formula cell it shows unrecalculated equals what it computes, and the
status, tier and commission equal the plan's Tracking and Commission.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine import decompose
from engine.commission import commission, rates_from_table
from engine.forecast import project
from engine.progress import progress
from engine.tracking import track
from tests.builders import STATUS_WORDS
from tests.examples import example_plan
from tests.libreoffice import convert, recalculate_many
from xl_addin.repbook.render import FIRST, FORECAST, FORECAST_ROW, render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.sheets.labels import label
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

VARIANTS = [  # locale, mode, cap, actuals: the example's (mid-period), none, or the whole period
    ("en", "retroactive", None, "example"),
    ("zh-CN", "marginal", None, "example"),
    ("en", "marginal", Decimal("20000"), "whole"),
    ("zh-CN", "retroactive", Decimal("9000"), "whole"),
    ("en", "retroactive", None, "none"),
]
SUMMARY = (
    "latest_week", "to_date", "plan_to_date", "floor_to_date", "completion", "pace", "status",
    "tier", "rate", "commission", "next_tier", "to_next_tier", "commission_at_next_tier",
)  # fmt: skip
CELL = re.compile(r"<c r=\"([A-Z]+)(\d+)\"([^>]*)>(?:<f>[^<]*</f>)<v>([^<]*)</v></c>")


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    path = tmp_path_factory.mktemp("stored") / "plan.xlsx"
    example_plan(path, "en")
    return read_plan(FileBook(path))


def variant(plan, locale, mode, cap, actuals):
    settings = plan.settings.with_values(Locale=locale, CommissionMode=mode, CommissionCap=cap)
    plan = dataclasses.replace(plan, settings=settings)
    if actuals == "none":
        return dataclasses.replace(plan, actuals=None)
    if actuals == "whole":
        return dataclasses.replace(plan, actuals=whole_period(plan))
    return plan


def whole_period(plan) -> pd.DataFrame:
    """Every week of the period typed, each rep at their own pace around the plan (70 % to
    125 %, to the cent), so every tier is reached by someone and missed by someone."""
    d = decompose(plan)
    weekly = d.weekly.to_numpy(dtype=np.int64) * 100
    pace = np.linspace(0.70, 1.25, len(weekly))[np.random.default_rng(7).permutation(len(weekly))]
    cents = np.floor(weekly * pace[:, None]).astype(np.int64) + 37
    reps, weeks = np.indices(cents.shape)
    return pd.DataFrame(
        {
            "rep_id": d.targets["rep_id"].to_numpy()[reps.ravel()],
            "week": weeks.ravel() + 1,
            "amount_cents": cents.ravel(),
        }
    )


@pytest.fixture(scope="module")
def issued(example):
    """Per variant: the plan, its progress, and every rep's (book, workbook bytes)."""
    out = []
    for v in VARIANTS:
        plan = variant(example, *v)
        p = progress(plan)
        out.append((v, plan, p, [(b, render_repbook(b)) for b in rep_books(p, plan)]))
    return out


def stored(data: bytes, part: str) -> dict[str, tuple[str, str]]:
    """Every formula cell of a sheet part: reference -> (type attribute, stored value)."""
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        xml = z.read(part).decode()
    out = {}
    for col, row, attrs, value in CELL.findall(xml):
        kind = re.search(r'\st="(\w+)"', attrs)
        out[f"{col}{row}"] = (kind.group(1) if kind else "n", value)
    return out


def engine_summary(plan, p, book) -> dict:
    """What the Actuals summary must show, by the engine: tracked at the rep's own last week
    with an amount (the workbook sees nothing of other reps), paid by engine.commission."""
    a = plan.actuals
    mine = (
        a[(a["rep_id"] == book.rep_id) & a["amount_cents"].notna()]
        if a is not None
        else pd.DataFrame(columns=["week", "rep_id", "amount_cents"])
    )
    latest = int(mine["week"].max()) if len(mine) else 0
    t = track(plan, p.decomposition, latest).set_index("rep_id").loc[book.rep_id]
    s = plan.settings
    cap = s["CommissionCap"]
    pay = (
        commission(
            p.decomposition.targets,
            pd.Series([int(t["to_date"])], index=[book.rep_id]),
            rates_from_table(plan.commission),
            s["CommissionMode"],
            int(cap * 100) if cap is not None else None,
        )
        .set_index("rep_id")
        .loc[book.rep_id]
    )
    # at the rep's pace so far (engine.forecast), paid by engine.commission
    row = list(p.decomposition.targets["rep_id"]).index(book.rep_id)
    weekly = p.decomposition.weekly.to_numpy(dtype=np.int64)[[row]] * 100
    projected, _, _ = project(weekly, np.array([int(t["to_date"])]), latest, np.array([latest > 0]))
    ahead = (
        commission(
            p.decomposition.targets,
            pd.Series(projected, index=[book.rep_id]),
            rates_from_table(plan.commission),
            s["CommissionMode"],
            int(cap * 100) if cap is not None else None,
        )
        .set_index("rep_id")
        .loc[book.rep_id]
    )
    loc = s.locale
    to_date, plan_to = int(t["to_date"]), int(t["plan_to_date"])
    weekly = mine.groupby("week")["amount_cents"].sum().reindex(range(1, s.weeks + 1))
    return {
        "latest_week": latest,
        "to_date": to_date / 100,
        "plan_to_date": plan_to / 100,
        "floor_to_date": int(t["floor_to_date"]) / 100,
        "completion": to_date / (book.target * 100),
        "pace": to_date / plan_to if plan_to else "",
        "status": STATUS_WORDS[loc][t["status"]],
        "tier": label(pay["tier"], loc) if pay["tier"] else "",
        "rate": float(pay["rate"]),
        "commission": int(pay["commission"]) / 100,
        "next_tier": label(pay["next_tier"], loc) if pay["next_tier"] else "",
        "to_next_tier": int(pay["to_next_tier"]) / 100,
        "commission_at_next_tier": int(pay["commission_at_next_tier"]) / 100,
        "projected": int(projected[0]) / 100,
        "projected_tier": label(ahead["tier"], loc) if ahead["tier"] else "",
        "projected_commission": int(ahead["commission"]) / 100,
        "projected_next_tier": label(ahead["next_tier"], loc) if ahead["next_tier"] else "",
        "projected_to_next_tier": int(ahead["to_next_tier"]) / 100,
        "projected_commission_at_next_tier": int(ahead["commission_at_next_tier"]) / 100,
        "cumulative": [
            int(weekly.iloc[:w].fillna(0).sum()) / 100 if w <= latest else "#N/A"
            for w in range(1, s.weeks + 1)
        ],
    }


def same(got: tuple[str, str], want) -> bool:
    kind, text = got
    if isinstance(want, str):
        if want == "":  # an empty text result: stored as an empty value
            return text == ""
        if want.startswith("#"):
            return kind == "e" and text == want
        return kind == "str" and text == want
    return kind == "n" and float(text) == pytest.approx(want, rel=1e-12, abs=1e-9)


def test_every_formula_stores_the_engines_value(issued):
    statuses, tiers, projected_tiers = set(), set(), set()
    for v, plan, p, books in issued:
        for book, data in books:
            want = engine_summary(plan, p, book)
            actuals = stored(data, "xl/worksheets/sheet3.xml")
            for k, key in enumerate(SUMMARY):
                got = actuals[f"N{FIRST + 1 + k}"]
                assert same(got, want[key]), f"{v} {book.rep_id} {key}: {got} != {want[key]}"
            for k, key in enumerate(FORECAST):
                got = actuals[f"N{FORECAST_ROW + 1 + k}"]
                assert same(got, want[key]), f"{v} {book.rep_id} {key}: {got} != {want[key]}"
            for w, cum in enumerate(want["cumulative"]):
                got = actuals[f"K{FIRST + 1 + w}"]
                assert same(got, cum), f"{v} {book.rep_id} week {w + 1}: {got} != {cum}"
                plan_to = sum(book.plan[: w + 1])
                assert same(actuals[f"J{FIRST + 1 + w}"], plan_to), f"{v} {book.rep_id}"
            formulas = {k for k in actuals if k[0] in "JKN"}
            assert len(formulas) == len(actuals)  # nothing else on the sheet is a formula
            weekly_plan = stored(data, "xl/worksheets/sheet2.xml")
            months = dict.fromkeys(book.months)
            assert len(weekly_plan) == len(book.weeks) + len(months)
            for w in range(len(book.weeks)):
                assert same(weekly_plan[f"E{4 + w}"], sum(book.plan[: w + 1]))
            for k, month in enumerate(months):
                total = sum(a for a, m in zip(book.plan, book.months, strict=True) if m == month)
                assert same(weekly_plan[f"B{4 + len(book.weeks) + 2 + k}"], total)
            statuses.add(want["status"])
            tiers.add(want["tier"])
            projected_tiers.add(want["projected_tier"])
    # the sample reaches every status and tier in both languages, and before any actuals
    assert {"RED", "AMBER", "GREEN", "红", "黄", "绿"} <= statuses
    assert {"", "Floor", "Target", "Challenge", "保底", "目标", "挑战"} <= tiers
    assert {"", "Floor", "Target", "Challenge", "保底", "目标", "挑战"} <= projected_tiers


def sample(issued) -> list[tuple]:
    """Per variant, the first rep in each status the plan's Tracking gives: a few files for
    LibreOffice, every status, tier and mode among them."""
    out = []
    for v, plan, p, books in issued:
        status = p.tracking.set_index("rep_id")["status"]
        seen: dict[str, int] = {}
        for book, data in books:
            s = status[book.rep_id]
            if seen.get(s, 0) < 1:
                seen[s] = seen.get(s, 0) + 1
                out.append((v, plan, p, book, data))
    return out


def test_libreoffice_shows_the_stored_results_without_recalculating(issued, tmp_path):
    cases = sample(issued)
    paths = []
    for k, (_, _, _, book, data) in enumerate(cases):
        path = tmp_path / "in" / f"{k:02d}_{book.rep_id}.xlsx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    computed = recalculate_many(paths)
    shown = convert(paths, "xlsx", tmp_path / "plain", recalc=False)
    import openpyxl

    reached = set()
    for (v, plan, p, book, _), path, plain in zip(cases, paths, shown, strict=True):
        as_shown = openpyxl.load_workbook(plain, data_only=True)
        for sheet in (1, 2):
            got, want = as_shown.worksheets[sheet], computed[path].worksheets[sheet]
            for row in want.iter_rows():
                for cell in row:
                    value = got[cell.coordinate].value
                    if isinstance(cell.value, float):
                        assert value == pytest.approx(cell.value, rel=1e-12), f"{path.name}"
                    else:
                        assert (value or "") == (cell.value or ""), f"{path.name} {cell.coordinate}"
        # the rep's status, tier and commission as the plan's Tracking and Commission show them
        loc = plan.settings.locale
        ws = as_shown.worksheets[2]
        summary = {key: ws.cell(FIRST + 1 + k, 14).value for k, key in enumerate(SUMMARY)}
        tracked = p.tracking.set_index("rep_id").loc[book.rep_id]
        paid = p.commission.set_index("rep_id").loc[book.rep_id]
        if tracked["status"] != "no report":
            assert summary["status"] == STATUS_WORDS[loc][tracked["status"]], path.name
        assert (summary["tier"] or "") == (label(paid["tier"], loc) if paid["tier"] else "")
        assert round(summary["commission"] * 100) == int(paid["commission"]), path.name
        reached.add((v[0], tracked["status"], paid["tier"]))
    assert {s for _, s, _ in reached} >= {"RED", "AMBER", "GREEN"}
    assert len({t for _, _, t in reached}) >= 2
    assert np.all([loc in {x[0] for x in reached} for loc in ("en", "zh-CN")])


def test_every_roll_up_total_stores_what_a_spreadsheet_computes(issued, tmp_path):
    """The region roll-ups' Total rows (SUBTOTAL over the reps, the pace of the totals) store
    the value IronCalc computes from the cells above them."""
    from openpyxl.utils import column_index_from_string

    from tests.repbook.formula_cases import ironcalc
    from xl_addin.repbook.rollup import rollup_sheets
    from xl_addin.sheets.render import render

    checked = 0
    for v, plan, p, _ in issued[:2]:
        for region, sheets in rollup_sheets(p, plan).items():
            path = tmp_path / f"{v[0]}_{region}.xlsx"
            path.write_bytes(render(sheets))
            model = ironcalc().load_from_xlsx(str(path))
            model.evaluate()
            for k in range(len(sheets)):
                for ref, got in stored(
                    path.read_bytes(), f"xl/worksheets/sheet{k + 1}.xml"
                ).items():
                    letters = re.match(r"[A-Z]+", ref)[0]
                    row, col = int(ref[len(letters) :]), column_index_from_string(letters)
                    want = model.get_cell_value(k, row, col)
                    assert same(got, want), f"{path.name} sheet {k + 1} {ref}: {got} != {want}"
                    checked += 1
    assert checked >= 40
