"""The output-sheet descriptions: labels in both locales, exact yuan where exactness is the point."""

import dataclasses

import pandas as pd

from engine import decompose
from engine.progress import progress
from engine.settings import Settings
from tests import builders as b
from xl_addin.repbook.rollup import rollup_sheets
from xl_addin.sheets.description import Rule
from xl_addin.sheets.outputs import describe, describe_progress


def test_every_reconciliation_check_is_said_in_both_locales():
    d = decompose(b.plan(b.reps(3)))
    zh = describe(d, Settings({**b.settings().values, "Locale": "zh-CN", "Unit": 10000}))
    recon = next(s for s in zh if s.key == "Reconciliation").blocks[0].frame
    assert recon["check"].iloc[0] == "团队 = Σ 区域 + 未分配"
    assert recon["scope"].iloc[0] == "团队"
    # one region, one product, no customer types: team, region, product, then the rep checks
    rep = recon[recon["check"] == "销售 = Σ 其周计划"]
    assert rep["scope"].tolist() == ["全部 3 名销售"]
    en = describe(d, Settings({**b.settings().values, "Locale": "en"}))
    recon = next(s for s in en if s.key == "Reconciliation").blocks[0].frame
    assert recon["check"].iloc[0] == "team = Σ regions + unallocated"
    rep = recon[recon["check"] == "rep = Σ its weekly plan"]
    assert rep["scope"].tolist() == ["all 3 reps"]


def test_reconciliation_shows_whole_yuan_even_when_the_plan_shows_wan():
    # a difference of 1 yuan would read "0.0万" in the plan's Unit; here it must read "1"
    d = decompose(b.plan(b.reps(3)))
    sheets = describe(d, Settings({**b.settings().values, "Unit": 10000}))
    recon = next(s for s in sheets if s.key == "Reconciliation").blocks[0]
    formats = {c.key: c.fmt for c in recon.columns}
    assert formats["difference"] == "#,##0"
    targets = next(s for s in sheets if s.key == "Targets").blocks[0]
    assert {c.key: c.fmt for c in targets.columns}["target"] == formats["expected"] == "0\\.0,"


def late_progress(locale: str):
    """Four reps of 100,000 a week; R001–R003 report weeks 1–6, R004 weeks 1–4 only (on plan),
    so week 6 is tracked and R004 has not reported it."""
    p = b.plan(
        b.reps(4, regions=("North", "South")),
        TeamTarget=5_200_000,
        CapabilityTopShare="0",
        CapabilityBottomShare="0",
        Locale=locale,
    )
    rows = [(w, r, 10_000_000) for r in ("R001", "R002", "R003") for w in range(1, 7)]
    rows += [(w, "R004", 10_000_000) for w in range(1, 5)]
    p = dataclasses.replace(
        p,
        rhythm=pd.DataFrame({"phase": ["all"], "weeks": [13], "share": [1.0]}),
        actuals=pd.DataFrame(rows, columns=["week", "rep_id", "amount_cents"]),
        commission=pd.DataFrame({"tier": ["floor", "target", "challenge"], "rate": [0.01] * 3}),
    )
    return p, progress(p)


def test_no_report_is_written_grey_in_the_locale_and_counted_apart_everywhere():
    for locale, word, count in (("en", "NO REPORT", "No report"), ("zh-CN", "未报告", "未报告")):
        p, got = late_progress(locale)
        assert got.decomposition.weekly.eq(100_000).all().all()
        assert got.tracking["week"].iat[0] == 6
        tracking, commission, dashboard = describe_progress(got, p.settings)
        block = tracking.blocks[0]
        green = b.STATUS_WORDS[locale]["GREEN"]
        assert block.frame["status"].tolist() == [green, green, green, word]
        assert block.frame["last_report"].tolist() == [6, 6, 6, 4]
        assert (block.rules[0].formula, block.rules[0].colour) == (f'{{status}}="{word}"', "grey")
        summary, status, _, ranking = dashboard.blocks
        assert summary.frame["no_report"].tolist() == [1, 0, 1]  # team, North, South
        assert summary.frame["green"].tolist() == [3, 2, 1]
        assert status.frame.set_index("status")["count"].to_dict()[count] == 1
        assert ranking.frame["rep_id"].iloc[-1] == "R004"  # not yet known: ranked last
        assert ranking.frame["status"].iloc[-1] == word
        assert ranking.rules[-1] == Rule("status", f'{{status}}="{word}"', "grey")
        south = rollup_sheets(got, p)["South"][0].blocks[0]
        assert south.frame.set_index("rep_id")["status"].to_dict() == {
            "R002": green,
            "R004": word,
        }
        said = b.STATUS_WORDS[locale]
        assert south.rules == (
            Rule("status", f'{{status}}="{said["RED"]}"', "red"),
            Rule("status", f'{{status}}="{said["AMBER"]}"', "amber"),
            Rule("status", f'{{status}}="{green}"', "green"),
            Rule("status", f'{{status}}="{word}"', "grey"),
        )


def test_an_annual_plans_phasing_has_quarter_columns_after_the_months_that_sum_them():
    r = b.reps(3)
    d = decompose(b.plan(r, b.history(r, 10_000.0, weeks=53), PeriodWeeks=52, Locale="en"))
    phasing = next(s for s in describe(d, d.settings) if s.key == "Phasing").blocks[0]
    headers = [c.header for c in phasing.columns]
    # 2026-01-05 + 52 weeks: twelve months of 2026, then its four quarters, each in the Unit
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    quarters = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert headers == ["RepID", *(f"W{w}" for w in range(1, 53)), *months, *quarters]
    assert {c.fmt for c in phasing.columns[-4:]} == {c.fmt for c in phasing.columns[1:-4]}
    frame = phasing.frame
    for k, quarter in enumerate(quarters):  # Q1 = 2026-01 + 02 + 03, …
        assert frame[quarter].tolist() == frame[months[3 * k : 3 * k + 3]].sum(axis=1).tolist()
    assert frame[quarters].sum(axis=1).tolist() == d.targets["target"].tolist()
    quarterly = decompose(b.plan(b.reps(3), PeriodWeeks=13))
    short = next(s for s in describe(quarterly, quarterly.settings) if s.key == "Phasing")
    assert short.blocks[0].columns[-1].header == "2026-04"  # a 13-week plan: months last
