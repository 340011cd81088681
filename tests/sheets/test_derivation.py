"""Every headline number says how it came about (issue 13 item 2), computed by hand."""

import pandas as pd

from engine import decompose
from engine.money import to_cents
from tests import builders as b
from xl_addin.sheets.derivation import target_text, team_rows
from xl_addin.sheets.outputs import describe


def weekly_history(amounts_by_week: dict[int, float]) -> pd.DataFrame:
    rows = [
        (pd.Timestamp(b.START) + pd.Timedelta(weeks=w), a, "North", "P1", "", "R001")
        for w, a in amounts_by_week.items()
    ]
    h = pd.DataFrame(
        rows, columns=["period", "amount", "region", "product", "customer_type", "rep_id"]
    )
    h["amount_cents"] = to_cents(h["amount"])
    return h


# PeriodStart 2026-01-05; the 13 weeks before it run 2025-10-06 to 2026-01-04
LAST = weekly_history({-13: 400_000.25, -1: 499_212.75})  # B = 899,213.00


def text(**settings) -> str:
    d = decompose(b.plan(b.reps(1), hist=settings.pop("hist", LAST), **settings))
    return target_text(d.team["derivation"], d.settings)


def test_last_period_growth_and_buffer_in_yuan():
    # 899,213 × 1.15 × 0.97 = 1,003,072.1015 → RoundTo 1,000 → 1,003,000
    assert text(MarketGrowth="0.15", Buffer="0.03", Locale="zh-CN") == (
        "上期（2025-10-06 至 2026-01-04，13 周）899,213 × (1+15%) × (1−3%) = 1,003,072.10 "
        "→ 1,003,000元（取整到 1,000）"
    )
    assert text(MarketGrowth="0.15", Buffer="0.03", Locale="en") == (
        "last period (2025-10-06 to 2026-01-04, 13 weeks) 899,213 × (1+15%) × (1−3%) "
        "= 1,003,072.10 → 1,003,000 CNY (rounded to 1,000)"
    )


def test_a_negative_growth_and_no_buffer_are_written_as_they_act():
    # 899,213 × 0.95 = 854,252.35 → 854,000; Buffer 0 is no factor at all
    assert text(MarketGrowth="-0.05", Buffer="0", Locale="en") == (
        "last period (2025-10-06 to 2026-01-04, 13 weeks) 899,213 × (1−5%) = 854,252.35 "
        "→ 854,000 CNY (rounded to 1,000)"
    )


def test_in_wan_the_unit_is_said_once_and_amounts_keep_two_decimals():
    # 89.9213 万 × 1.15 × 0.97 = 100.3072 万 (shown 100.31); 1,003,072.10 yuan to a
    # multiple of RoundTo 10,000 is 1,000,000 → 100.00 万
    got = text(MarketGrowth="0.15", Buffer="0.03", Unit=10000, RoundTo=10000, Locale="zh-CN")
    assert got == (
        "单位万元：上期（2025-10-06 至 2026-01-04，13 周）89.92 × (1+15%) × (1−3%) = 100.31 "
        "→ 100.00（取整到 1.00）"
    )


def test_same_period_last_year_names_last_years_weeks():
    # weeks -52..-40: 2025-01-06 to 2025-04-06, 50,000 + 10,000 = 60,000; × 1.1 = 66,000
    hist = weekly_history({-52: 50_000, -40: 10_000, -1: 1})
    got = text(
        hist=hist, Baseline="same_period_last_year", MarketGrowth="0.1", Buffer="0", RoundTo=1
    )
    assert got == (
        "去年同期（2025-01-06 至 2025-04-06，13 周）60,000 × (1+10%) = 66,000.00 "
        "→ 66,000元（取整到 1）"
    )


def test_trailing_mean_and_trend_each_stand_as_their_own_factor():
    # periods -39..-27: 30,000; -26..-14: 60,000; -13..-1: 90,000 → mean 60,000.
    # Trend: last 13 weeks 90,000 ÷ weeks -65..-53 45,000 = 2 → 60,000 × 2 = 120,000
    hist = weekly_history({-65: 45_000, -39: 30_000, -26: 60_000, -13: 90_000})
    got = text(
        hist=hist, Baseline="trailing_mean", Trend="trailing", Buffer="0", RoundTo=1, Locale="en"
    )
    assert got == (
        "mean of the last three periods (2025-04-07 to 2026-01-04, 39 weeks) 60,000 × trend 2.0000 "
        "= 120,000.00 → 120,000 CNY (rounded to 1)"
    )


def test_a_typed_team_target_shows_what_would_have_been_computed():
    got = text(TeamTarget=2_000_000, Buffer="0", Locale="en")
    assert got == (
        "TeamTarget as typed (computed: last period (2025-10-06 to 2026-01-04, 13 weeks) "
        "899,213 = 899,213.00)"
    )


def test_the_targets_sheet_carries_the_derivation_table():
    plan = b.plan(b.reps(1), hist=LAST, MarketGrowth="0.15", Buffer="0.03", Trend="none")
    d = decompose(plan)
    sheet = next(s for s in describe(d, plan.settings) if s.key == "Targets")
    block = next(x for x in sheet.blocks if x.table == "tblTeamTarget")
    rows = block.frame.set_index("item")
    assert rows.loc["团队目标", "value"] == 1_003_000 == d.team["target"]
    assert rows.loc["基数", "value"] == 899_213.0
    assert rows.loc["团队保底", "value"] == d.team["floor"]
    assert list(team_rows(d, plan.settings)["item"]) == [
        "基数", "团队目标", "团队保底", "团队挑战", "历史产能", "产能缺口",
    ]  # fmt: skip
