"""Gross-profit targets on the output sheets and the rep's letter (SPEC §17): shown with the
plan's Unit in both locales when the plan has a Margin, and nowhere when it has none."""

import io
from dataclasses import replace

import numpy as np
import openpyxl

from engine import decompose
from engine.progress import progress
from engine.settings import Settings
from tests import builders as b
from tests.engine.test_margin import RATES, organisation
from xl_addin.repbook.render import render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.sheets.outputs import describe

GP_KEYS = {"gross_profit", "margin_rate", "margin", "below_margin_floor"}


def sheets(plan, **values):
    settings = Settings({**plan.settings.values, **values})
    return {s.key: s for s in describe(decompose(plan), settings)}


def test_without_margin_no_sheet_shows_gross_profit_and_the_rest_is_as_with_one():
    plain = sheets(organisation(margins=(np.nan, np.nan, np.nan)), Locale="en")
    margin = sheets(organisation(MarginFloor="0.15"), Locale="en")
    for key, sheet in plain.items():
        tables = {block.table: block for block in margin[key].blocks}
        for block in sheet.blocks:
            assert not GP_KEYS & {c.key for c in block.columns}, (key, block.table)
            if block.table == "tblNotes":  # the margin plan's run log has its note more
                continue
            theirs = tables.pop(block.table)
            kept = [c for c in theirs.columns if c.key not in GP_KEYS]
            assert kept == list(block.columns), block.table  # same headers, same formats
            keys = [c.key for c in kept]
            if block.table in ("tblReconciliation", "tblTeamTarget"):  # gross profit's rows last
                mine = theirs.frame[keys].head(len(block.frame))
            else:
                mine = theirs.frame[keys]
            assert mine.reset_index(drop=True).equals(block.frame[keys].reset_index(drop=True))
        # the margin plan adds only its product summary
        assert {t for t in tables if t != "tblNotes"} <= {"tblProductTargets"}, key


def test_gross_profit_headers_name_the_unit_in_both_locales():
    en = sheets(organisation(MarginFloor="0.15"), Unit=10000, Locale="en")
    targets = {c.key: c for c in en["Targets"].blocks[0].columns}
    assert targets["gross_profit"].header == "GrossProfitTarget (10k CNY)"
    assert targets["gross_profit"].fmt == targets["target"].fmt == "0\\.0,"
    assert targets["margin_rate"].header == "MarginRate"
    breakdown = {c.key: c for c in en["Breakdown"].blocks[0].columns}
    assert breakdown["gross_profit"].header == "GrossProfitTarget (10k CNY)"
    zh = sheets(organisation(MarginFloor="0.15"), Locale="zh-CN")
    targets = zh["Targets"].blocks[0]
    assert {c.key: c.header for c in targets.columns}["gross_profit"] == "毛利目标（元）"
    # R002 (14.897 %) is below MarginFloor 15 %: flagged, and the cell coloured by a rule
    flags = dict(zip(targets.frame["rep_id"], targets.frame["below_margin_floor"], strict=True))
    assert flags == {"R001": "", "R002": "是", "R003": ""}
    assert [r.key for r in targets.rules] == ["below_margin_floor"]
    team = next(blk for blk in zh["Targets"].blocks if blk.table == "tblTeamTarget").frame
    row = team[team["item"] == "团队毛利目标"].iloc[0]
    # 229,691 of 1,000,000 = 22.9691 % → 22.97%
    assert row["value"] == 229_691 and row["how"].endswith("占团队目标 22.97%")


def test_the_letter_shows_the_gross_profit_target_and_each_products_part():
    plan = organisation(Locale="en")
    plan = replace(plan, commission=RATES)
    book = next(r for r in rep_books(progress(plan), plan) if r.rep_id == "R002")
    # R002: B 200,000 → 24,691; C 100,000 → 20,000; in all 44,691
    assert book.gross_profit == 44_691
    assert book.product_gross_profit == (("B", 24_691), ("C", 20_000))
    ws = openpyxl.load_workbook(io.BytesIO(render_repbook(book)))["Letter"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    # beside Floor, Target, Challenge (B–D) on their header row: E and F
    tiers = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "Target (CNY)")
    heads = [ws.cell(tiers, j).value for j in range(2, 7)]
    assert heads == [
        "Floor (CNY)",
        "Target (CNY)",
        "Challenge (CNY)",
        "GrossProfitTarget (CNY)",
        "MarginRate",
    ]
    assert ws.cell(tiers + 1, 3).value == 300_000
    assert ws.cell(tiers + 1, 5).value == 44_691
    assert ws.cell(tiers + 1, 6).value == 44_691 / 300_000
    header = [c.value for c in ws[cells["Product"].row]]
    assert header[:5] == ["Product", "Target (CNY)", "Share", "GrossProfitTarget (CNY)", "Margin"]
    assert [ws.cell(cells["Product"].row + k, 4).value for k in (1, 2)] == [24_691, 20_000]


def test_a_letter_without_margin_has_no_gross_profit():
    plan = organisation(margins=(np.nan, np.nan, np.nan), Locale="en")
    plan = replace(plan, commission=RATES)
    book = rep_books(progress(plan), plan)[0]
    assert book.gross_profit is None and book.product_gross_profit == ()
    ws = openpyxl.load_workbook(io.BytesIO(render_repbook(book)))["Letter"]
    assert not any("GrossProfit" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_english_names_it_for_a_person():
    assert b.english(decompose(organisation()).reconciliation["check"].iloc[-1]) == (
        "rep gross profit = Σ its breakdown gross profit"
    )
