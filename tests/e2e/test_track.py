"""`salesplan track`: Tracking and Commission sheets, and status colours that follow hand edits."""

import io
import os
import re
import stat
import zipfile
from collections import Counter
from fractions import Fraction

import numpy as np
import openpyxl
import pytest

from engine.problems import PlanError
from engine.progress import progress
from engine.tracking import alert_status
from tests.examples import example_plan
from tests.libreoffice import convert
from xl_addin.cli import main, run_track
from xl_addin.commands import check_week, track_summary
from xl_addin.sheets.units import without_unit
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

COLOURS = {"#FFC7CE": "RED", "#FFEB9C": "AMBER", "#C6EFCE": "GREEN"}


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    path = tmp_path_factory.mktemp("track") / "plan.xlsx"
    example_plan(path, "en", "decompose", "track")
    return path


def rows(ws, table):
    ref = ws.tables[table].ref
    values = [[c.value for c in r] for r in ws[ref]]
    header = [without_unit(h) for h in values[0]]  # ToDate (CNY) is ToDate
    return [dict(zip(header, r, strict=True)) for r in values[1:]]


def test_tracking_and_commission_sheets_hold_what_the_engine_computed(tracked):
    p = progress(read_plan(FileBook(tracked)))
    wb = openpyxl.load_workbook(tracked)
    got = {r["RepID"]: r for r in rows(wb["Tracking"], "tblTracking")}
    for t in p.tracking.itertuples():
        row = got[t.rep_id]
        assert (
            round(row["ToDate"] * 100) == t.to_date
            and round(row["PlanToDate"] * 100) == t.plan_to_date
        )
        assert row["Status"] == t.status
    assert {r["Status"] for r in got.values()} == {
        "RED",
        "AMBER",
        "GREEN",
    }  # the example has all three
    pay = {r["RepID"]: r for r in rows(wb["Commission"], "tblCommissionEarned")}
    for c in p.commission.itertuples():
        assert round(pay[c.rep_id]["Commission"] * 100) == c.commission
        assert round(pay[c.rep_id]["ToNextTier"] * 100) == c.to_next_tier
    bands = rows(wb["Commission"], "tblCommissionStatement")
    assert round(sum(b["Amount"] for b in bands) * 100) == p.commission["commission"].sum()


def test_the_workbook_is_not_private_to_its_creator(tracked):
    mode = stat.S_IMODE(os.stat(tracked).st_mode)
    assert mode & stat.S_IRGRP or os.umask(os.umask(0)) & 0o040


def status_colours(html: str) -> list[str]:
    section = html.split("<em>Tracking</em>", 1)[1].split("<h1", 1)[0].split("</table>", 1)[0]
    return [
        COLOURS[c.upper()]
        for c in re.findall(
            r'bgcolor="(#[0-9A-Fa-f]{6})"><font color="#[0-9A-Fa-f]{6}">(?:RED|AMBER|GREEN)',
            section,
        )
    ]


@pytest.fixture(scope="module")
def as_html(tracked, late, tmp_path_factory) -> dict:
    """The tracked plan with ToDate typed by hand at each status boundary (`typed_at_boundaries`)
    and the plan where S001 has not reported the tracked week (`late`), each as LibreOffice
    renders it in HTML, in one soffice call: {"boundaries": (html, typed, RedBelow), "late":
    html}."""
    root = tmp_path_factory.mktemp("html")
    edited = root / "edited.xlsx"
    red_below = read_plan(FileBook(tracked)).settings["RedBelow"]  # 0.8
    typed = typed_at_boundaries(tracked, edited, red_below)
    boundaries, late_html = convert([edited, late[0]], "html", root / "html")
    return {"boundaries": (boundaries, typed, red_below), "late": late_html}


def typed_at_boundaries(tracked, edited, red_below) -> list[tuple[int, int, int]]:
    """The tracked plan saved as `edited` with each rep's ToDate typed on or one cent below a
    boundary (or a plain value between): (cents typed, plan to date, floor to date) per rep."""
    wb = openpyxl.load_workbook(tracked)
    ws = wb["Tracking"]
    # the title on row 1, the header on row 2 (then a gap and the KPI scorecard's beside it)
    header = [without_unit(c.value or "") for c in ws[2]]
    col = {h: header.index(h) + 1 for h in ("ToDate", "PlanToDate", "FloorToDate")}
    typed = []
    last = int(ws.tables["tblTracking"].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    for i, row in enumerate(range(3, last + 1)):
        plan = round(ws.cell(row, col["PlanToDate"]).value * 100)
        floor = round(ws.cell(row, col["FloorToDate"]).value * 100)
        red_line = -(-int(red_below * 100) * floor // 100)  # RedBelow × floor, up to the cent
        # on and one cent below each boundary, and a plain value in between
        cents = [plan, plan - 1, red_line, red_line - 1, (plan + red_line) // 2, plan + 12345][
            i % 6
        ]
        ws.cell(row, col["ToDate"]).value = cents / 100
        typed.append((cents, plan, floor))
    wb.save(edited)
    return typed


def test_status_colours_follow_numbers_typed_by_hand_exactly_at_each_boundary(as_html):
    """LibreOffice evaluates the sheet's conditional formatting; the engine's rule must agree."""
    html, typed, red_below = as_html["boundaries"]
    colours = status_colours(html.read_text(encoding="utf-8", errors="replace"))
    cents, plan, floor = (np.array(x, dtype=np.int64) for x in zip(*typed, strict=True))
    expected = list(alert_status(cents, plan, floor, red_below))
    assert len(colours) == len(expected) == 24
    assert colours == expected
    assert {"RED", "AMBER", "GREEN"} <= set(colours)


def test_dashboard_totals_counts_ranking_and_cumulative_actuals_from_the_sheets_themselves(tracked):
    """Every Dashboard number recomputed from the Actuals and Tracking tables, not the engine."""
    wb = openpyxl.load_workbook(tracked)
    tracking = rows(wb["Tracking"], "tblTracking")
    actuals = rows(wb["Actuals"], "tblActuals")
    region = {r["RepID"]: r["Region"] for r in tracking}
    summary = {r["Scope"]: r for r in rows(wb["Dashboard"], "tblDashboardSummary")}
    by_region: dict[str, int] = {}
    for a in actuals:
        by_region[region[a["RepID"]]] = by_region.get(region[a["RepID"]], 0) + round(
            a["Amount"] * 100
        )
    for name, total in by_region.items():
        assert round(summary[name]["ToDate"] * 100) == total
    assert round(summary["team"]["ToDate"] * 100) == sum(by_region.values())
    for s in ("RED", "AMBER", "GREEN"):
        n = sum(r["Status"] == s for r in tracking)
        assert summary["team"][s.capitalize()] == n
        assert {r["Status"]: r["Count"] for r in rows(wb["Dashboard"], "tblDashboardStatus")}[
            s.capitalize()
        ] == n
    ranking = rows(wb["Dashboard"], "tblDashboardRanking")
    best = max(tracking, key=lambda r: (r["Pace"] or -1, r["ToDate"]))
    assert ranking[0]["RepID"] == best["RepID"] and ranking[0]["Rank"] == 1
    paces = [r["Pace"] for r in ranking if r["Pace"] is not None]
    assert paces == sorted(paces, reverse=True)
    weekly = rows(wb["Dashboard"], "tblDashboardWeekly")
    for name, total in by_region.items():
        assert round(weekly[5][f"{name} actual"] * 100) == total  # week 6, cumulative
        assert weekly[6][f"{name} actual"] is None  # no actuals yet: the line stops
    with zipfile.ZipFile(tracked) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1 + 1 + len(by_region)  # status counts, team, each region


def test_kpi_scorecard_counts_new_customers_and_phases_the_goals_like_the_sales_target(tracked):
    """Goals to date = goal × the rep's PlanToDate ÷ Target, compared exactly (in fractions)."""
    wb = openpyxl.load_workbook(tracked)
    actuals = rows(wb["Actuals"], "tblActuals")
    target = {r["RepID"]: r["Target"] for r in rows(wb["Targets"], "tblTargets")}
    plan_to_date = {r["RepID"]: r["PlanToDate"] for r in rows(wb["Tracking"], "tblTracking")}
    card = [r for r in rows(wb["Tracking"], "tblKPIScorecard") if r["KPI"] == "New customers"]
    assert len(card) == 24
    tiers = set()
    for r in card:
        rep = r["RepID"]
        mine = sum(a["NewCustomers"] or 0 for a in actuals if a["RepID"] == rep)
        assert r["Actual"] == mine
        # Floor 8, Target 10, Challenge 13 in the example, × the share of the plan due by week 6
        share = Fraction(round(plan_to_date[rep] * 100), target[rep] * 100)
        assert r["Target"] == 10 and r["TargetToDate"] == pytest.approx(float(10 * share))
        assert r["Achievement"] == pytest.approx(float(mine / (10 * share)))
        tier = (
            "challenge"
            if mine >= 13 * share
            else "target"
            if mine >= 10 * share
            else "floor"
            if mine >= 8 * share
            else None
        )
        assert (r["Tier"] or "").casefold() == (tier or "")
        tiers.add(tier)
    assert len(tiers) > 1  # phased goals to date are within reach: not every rep without a tier
    notes = [r["Note"] for r in rows(wb["Tracking"], "tblKPINotes")]
    assert notes[1].startswith("Goals to date are phased like the sales target")


# --- the tracked week, and a rep who has not reported it --------------------------------------


def move_week(path, rep: str, week: int, to: int) -> None:
    """Retype a rep's Actuals row of `week` as week `to`, as a rep who has not reported it."""
    wb = openpyxl.load_workbook(path)
    for row in wb["Actuals"].iter_rows(min_row=2):
        if row[1].value == rep and row[0].value == week:
            row[0].value = to
    wb.save(path)


@pytest.fixture(scope="module")
def late(tmp_path_factory):
    """The example with S001's week 6 typed as week 5: 23 of 24 reps have reported week 6."""
    path = tmp_path_factory.mktemp("late") / "plan.xlsx"
    example_plan(path, "en")
    move_week(path, "S001", 6, 5)
    assert main(["decompose", str(path)]) == 0
    said = io.StringIO()
    assert run_track(path, out=said) == 0
    return path, said.getvalue().splitlines()


def test_a_rep_who_has_not_reported_the_tracked_week_is_no_report_not_red(late):
    path, said = late
    wb = openpyxl.load_workbook(path)
    tracking = {r["RepID"]: r for r in rows(wb["Tracking"], "tblTracking")}
    s001 = tracking["S001"]
    # week 6 is still the tracked week (23 of 24); S001's to date is all they reported
    reported = sum(
        round(a["Amount"] * 100) for a in rows(wb["Actuals"], "tblActuals") if a["RepID"] == "S001"
    )
    assert (s001["Week"], s001["LastReport"], round(s001["ToDate"] * 100)) == (6, 5, reported)
    assert s001["Status"] == "NO REPORT" and not s001["Reason"]
    counts = Counter(r["Status"] for r in tracking.values())
    assert counts["NO REPORT"] == 1 and counts["RED"] + counts["AMBER"] + counts["GREEN"] == 23
    assert said[0].startswith(f"Tracked {path} at week 6 in ")
    assert said[1] == (
        f"  status: RED {counts['RED']}, AMBER {counts['AMBER']}, GREEN {counts['GREEN']}, "
        "no report 1 — week 6 not yet reported by 1 rep"
    )
    # the same summary in Chinese
    zh = track_summary(progress(read_plan(FileBook(path))), "plan.xlsx", 0.5, "zh-CN")
    assert zh[1] == (
        f"  状态：红 {counts['RED']}，黄 {counts['AMBER']}，绿 {counts['GREEN']}，"
        "未报告 1 — 1 名销售尚未报告第 6 周"
    )
    # the Dashboard counts them apart, ranks them last, and the grey rule comes first
    summary = {r["Scope"]: r for r in rows(wb["Dashboard"], "tblDashboardSummary")}
    assert summary["team"]["No report"] == summary[s001["Region"]]["No report"] == 1
    assert summary["team"]["Red"] == counts["RED"]
    status = {r["Status"]: r["Count"] for r in rows(wb["Dashboard"], "tblDashboardStatus")}
    assert status == {
        "Red": counts["RED"], "Amber": counts["AMBER"], "Green": counts["GREEN"], "No report": 1
    }  # fmt: skip
    ranking = rows(wb["Dashboard"], "tblDashboardRanking")
    assert (ranking[-1]["RepID"], ranking[-1]["Status"]) == ("S001", "NO REPORT")
    first = next(iter(wb["Tracking"].conditional_formatting))
    assert first.rules[0].formula == ['$J3="NO REPORT"']  # the first rep, on row 3


def test_libreoffice_shows_no_report_in_grey(as_html):
    html = as_html["late"]
    section = html.read_text(encoding="utf-8", errors="replace").split("<em>Tracking</em>", 1)[1]
    cells = re.findall(
        r'bgcolor="(#[0-9A-Fa-f]{6})"><font color="#[0-9A-Fa-f]{6}">(RED|AMBER|GREEN|NO REPORT)<',
        section.split("</table>", 1)[0],
    )
    assert [c.upper() for c, word in cells if word == "NO REPORT"] == ["#D9D9D9"]
    assert len(cells) == 24


def test_week_n_tracks_week_n_and_leaves_later_actuals_out(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "en", "decompose")
    capsys.readouterr()
    assert main(["track", str(path), "--week", "4"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith(f"Tracked {path} at week 4 in ")
    assert said[2] == "  not counted yet: actuals after week 4 (24 reps reported later weeks)"
    wb = openpyxl.load_workbook(path)
    to_week_4: Counter = Counter()
    for a in rows(wb["Actuals"], "tblActuals"):
        to_week_4[a["RepID"]] += round(a["Amount"] * 100) if a["Week"] <= 4 else 0
    tracking = rows(wb["Tracking"], "tblTracking")
    assert {r["Week"] for r in tracking} == {4}
    assert {r["RepID"]: round(r["ToDate"] * 100) for r in tracking} == dict(to_week_4)
    assert "NO REPORT" not in {r["Status"] for r in tracking}  # everyone has reported week 4
    weekly = rows(wb["Dashboard"], "tblDashboardWeekly")
    assert weekly[3]["team actual"] is not None and weekly[4]["team actual"] is None


@pytest.mark.parametrize("week", ["14", "0", "-1", "abc", "4.5"])
def test_a_week_outside_the_period_is_refused_with_exit_2_and_nothing_changed(
    tracked, week, tmp_path, capsys
):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(tracked.read_bytes())
    assert main(["track", str(path), f"--week={week}"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "salesplan: 1 problem in the input; nothing was changed.",
        f"--week: “{week}” is not a week of the period (1 to 13) — give a whole week number "
        "from 1 to 13",
    ]
    assert path.read_bytes() == tracked.read_bytes()


def test_a_week_outside_the_period_is_said_in_both_locales():
    for locale, field, text in (
        ("en", "--week", "--week: “14” is not a week of the period (1 to 13) — give a whole "
         "week number from 1 to 13"),
        ("zh-CN", "跟踪周次", "跟踪周次: “14”不是考核期内的周次（第 1 至 13 周） — 请输入 1 至 13 "
         "之间的整数周次"),
    ):  # fmt: skip
        with pytest.raises(PlanError) as refused:
            check_week("14", 13, field, locale)
        assert str(refused.value) == text
    assert check_week(" ６ ", 13, "--week", "en") == 6  # as typed: spaces, full-width digits


def test_a_chinese_plan_hears_its_tracking_problems_in_chinese_at_their_cells(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "zh-CN")  # the example plans in zh-CN
    wb = openpyxl.load_workbook(path)
    wb["Rates"]["B3"] = 0.005  # target 0.5 %, below the floor's 1 %
    wb["Actuals"]["A3"] = 14  # a week after the 13 of the period
    wb.save(path)
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["track", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and path.read_bytes() == before
    assert err.splitlines() == [
        "salesplan: 输入中有 2 个问题；未做任何改动。",
        "Actuals!A3: 第 14 周不在考核期内（第 1 至 13 周） — 请填写考核期内的周次，1 至 13",
        "Rates!B3: 档位“target”的提成比例（0.5%）低于“floor”的提成比例（1%）；提成比例从保底到目标"
        "再到挑战不得下降 — 请将“target”的提成比例提高到至少 1%",
    ]
    assert main(["track", str(path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "Actuals!A3: Week 14 is outside the period (1 to 13) — give the week of the period, 1 to 13",
        'Rates!B3: Rate of tier "target" (0.5%) is below the rate of "floor" (1%); rates must not '
        'fall from floor to target to challenge — raise the "target" rate to at least 1%',
    ]
