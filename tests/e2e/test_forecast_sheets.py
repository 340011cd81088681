"""The forecast on the Tracking, Commission and Dashboard sheets (SPEC §6, §17), recomputed by
hand from what the written plan itself shows: its Phasing, Actuals, Targets and rates.

The example tracked at week 4: S024 starts in week 5 (plan to date 0) and has no actuals up to
week 4, so they project their plan; every other rep projects to date + the remaining plan × pace.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from engine.progress import progress
from tests.e2e.test_chart_gaps import C, charts_of, series_named
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.commands import track_summary
from xl_addin.sheets.units import spoken, without_unit
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

WEEK = 4
POOL_THRESHOLD, POOL_RATE = Fraction(12, 10), Fraction(5, 100)  # the defaults: none in the example
TIERS = ("Floor", "Target", "Challenge")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """The written plan, and its tables as read back (by name, from the file's cells)."""
    path = tmp_path_factory.mktemp("forecast") / "plan.xlsx"
    example_plan(path, "en", "decompose")
    assert main(["track", str(path), "--week", str(WEEK)]) == 0
    return path, Tables(FileBook(path))


class Tables:
    def __init__(self, book: FileBook):
        self.book = book

    def __call__(self, name: str) -> list[dict]:
        """A table's rows as dicts by header (without its unit); an empty cell is None."""
        raw = self.book.table(name)
        header = [without_unit(h) for h in raw.headers]
        return [
            dict(zip(header, (None if v == "" else v for v in r), strict=True)) for r in raw.rows
        ]


def table(wb, name: str) -> list[dict]:
    return wb(name)


def cents(value) -> int:
    return int((Decimal(str(value or 0)) * 100).to_integral_value(ROUND_HALF_UP))


def half_up(x: Fraction) -> int:
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


def by_hand(wb) -> dict[str, int]:
    """Each rep's projection in cents, from Phasing and Actuals."""
    weeks = {r["RepID"]: [cents(r[f"W{w}"]) for w in range(1, 14)] for r in table(wb, "tblPhasing")}
    to_date, counted = {}, set()
    for a in table(wb, "tblActuals"):
        if a["Week"] <= WEEK:
            to_date[a["RepID"]] = to_date.get(a["RepID"], 0) + cents(a["Amount"])
            counted.add(a["RepID"])
    out = {}
    for rep, plan in weeks.items():
        done, due, ahead = to_date.get(rep, 0), sum(plan[:WEEK]), sum(plan[WEEK:])
        if rep not in counted:
            out[rep] = due + ahead  # no actuals yet: the plan
        elif due == 0:
            out[rep] = done + ahead
        else:
            out[rep] = done + half_up(Fraction(ahead * done, due))
    return out


def tier_of(amount: int, floor: int, target: int, challenge: int) -> str:
    return next(
        (
            name
            for name, at in zip(TIERS[::-1], (challenge, target, floor), strict=True)
            if amount >= at
        ),
        "",
    )


def test_tracking_shows_each_reps_projection_tier_and_gaps(tracked):
    _, wb = tracked
    want = by_hand(wb)
    targets = {r["RepID"]: r for r in table(wb, "tblTargets")}
    rows = table(wb, "tblTracking")
    assert len(rows) == 24
    for r in rows:
        rep, t = r["RepID"], targets[r["RepID"]]
        tiers = [cents(t[k]) for k in TIERS]
        assert cents(r["Projected"]) == want[rep], rep
        assert (r["ProjectedTier"] or "") == tier_of(want[rep], *tiers), rep
        gaps = [r["GapToFloor"], r["GapToTarget"], r["GapToChallenge"]]
        assert [cents(g) for g in gaps] == [max(0, k - want[rep]) for k in tiers], rep
    s024 = next(r for r in rows if r["RepID"] == "S024")
    assert (s024["ToDate"], s024["PlanToDate"]) == (0, 0)
    assert cents(s024["Projected"]) == cents(targets["S024"]["Target"])  # the plan
    assert {r["ProjectedTier"] for r in rows} >= {"Floor", "Target"}
    (note,) = table(wb, "tblForecastNotes")
    assert note["Note"].startswith(
        "Projected = to date + the plan of the remaining weeks × pace so far"
    )
    assert "a rep without actuals yet projects the plan" in note["Note"]


def test_commission_shows_what_the_projection_would_earn_and_the_pool_there(tracked):
    _, wb = tracked
    want = by_hand(wb)
    targets = {r["RepID"]: r for r in table(wb, "tblTargets")}
    rate = {r["Tier"].capitalize(): Fraction(str(r["Rate"])) for r in table(wb, "tblCommission")}
    rows = table(wb, "tblCommissionEarned")
    excess = Fraction(0)
    for r in rows:
        rep, t = r["RepID"], targets[r["RepID"]]
        tier = tier_of(want[rep], *(cents(t[k]) for k in TIERS))
        # retroactive (the example's mode): every projected cent at the tier's rate, no cap
        assert cents(r["Projected"]) == want[rep]
        assert cents(r["CommissionAtProjected"]) == half_up(want[rep] * rate.get(tier, 0)), rep
        excess += max(0, want[rep] - POOL_THRESHOLD * cents(t["Target"]))
        assert r["Commission"] == 0  # at week 4 nobody has reached a full-period floor
    pool = half_up(excess * POOL_RATE)
    assert pool > 0
    assert sum(cents(r["PoolShareAtProjected"]) for r in rows) == pool
    for r in rows:  # shared by projected sales, to the cent (largest remainder)
        exact = Fraction(pool * want[r["RepID"]], sum(want.values()))
        assert abs(cents(r["PoolShareAtProjected"]) - exact) < 1
    notes = [r["Note"] for r in table(wb, "tblCommissionNotes")]
    assert f"Team pool at projected sales: {Decimal(pool) / 100:,.2f} CNY" in notes


def test_dashboard_shows_where_the_team_and_regions_land_and_the_fan(tracked):
    path, wb = tracked
    want = by_hand(wb)
    region = {r["RepID"]: r["Region"] for r in table(wb, "tblTargets")}
    summary = {r["Scope"]: r for r in table(wb, "tblDashboardSummary")}
    sums: dict[str, int] = {}
    for rep, amount in want.items():
        sums[region[rep]] = sums.get(region[rep], 0) + amount
    sums["team"] = sum(want.values())  # a sum of the reps' projections, to the cent
    assert set(summary) == set(sums)
    for scope, amount in sums.items():
        row = summary[scope]
        assert cents(row["Projected"]) == amount, scope
        assert cents(row["GapToFloor"]) == max(0, cents(row["Floor"]) - amount), scope
        assert cents(row["GapToTarget"]) == max(0, cents(row["Target"]) - amount), scope

    weekly = table(wb, "tblDashboardWeekly")
    for scope, amount in sums.items():
        column = [w[f"{scope} projected"] for w in weekly]
        # blank before the tracked week, from the actual there (S024 adds 0 at week 4) to the end
        assert column[: WEEK - 1] == [None] * (WEEK - 1), scope
        assert cents(column[WEEK - 1]) == cents(weekly[WEEK - 1][f"{scope} actual"]), scope
        assert cents(column[-1]) == amount, scope
        assert all(a <= b for a, b in zip(column[WEEK - 1 : -1], column[WEEK:], strict=True)), scope

    # each cumulative chart: plan, actual and projected; the projected line's cached points
    # are weeks 4 to 13 only (gaps before the tracked week, not zeros)
    lines = [c for c in charts_of(path, "Dashboard") if c.find(f".//{{{C}}}lineChart") is not None]
    assert len(lines) == 1 + 4  # the team and each region
    for chart in lines:
        (ser,) = series_named(chart, "projected")
        cached = ser.find(f"{{{C}}}val/{{{C}}}numRef")
        points = [int(p.get("idx")) for p in cached.iter(f"{{{C}}}pt")]
        assert points == list(range(WEEK - 1, 13))


@pytest.fixture(scope="module")
def progressed(tracked):
    return progress(read_plan(FileBook(tracked[0])), WEEK)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_track_summary_says_where_the_team_lands(tracked, progressed, locale):
    _, wb = tracked
    team = next(r for r in table(wb, "tblDashboardSummary") if r["Scope"] == "team")
    landing = sum(by_hand(wb).values())
    earned = sum(cents(r["CommissionAtProjected"]) for r in table(wb, "tblCommissionEarned"))
    lines = track_summary(progressed, "plan.xlsx", 0.5, locale)
    line = next(x for x in lines if "forecast" in x or "预测" in x)
    unit = int(progressed.decomposition.settings["Unit"])  # sales in the plan's Unit
    shown = spoken(landing / 100, unit, locale)
    tier = team["ProjectedTier"]
    assert tier in ("Floor", "Target")  # the example lands between floor and challenge
    up = "Target" if tier == "Floor" else "Challenge"
    gap = spoken(cents(team[f"GapTo{up}"]) / 100, unit, locale)
    words = {"Floor": "保底", "Target": "目标", "Challenge": "挑战"}
    if locale == "en":
        assert line.startswith(f"  forecast at the pace so far: the team lands at {shown} (")
        assert f"({tier.lower()} reached, {gap} short of {up.lower()})" in line
    else:
        assert line.startswith(f"  按目前进度预测：团队期末将达到 {shown}（")
        assert f"（已达{words[tier]}，距{words[up]}还差 {gap}）" in line
    assert f"{Decimal(earned) / 100:,.2f}" in line
