"""The `--example` company (SPEC §12): one realistic plan, the same on every run.

Four regions, five product lines, 24 reps, two years of weekly history and six weeks
of actuals, shaped so that decomposition and tracking have something to show.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.settings import choice_word
from xl_addin.workbook.columns import BY_KEY

SEED = 20261005
PERIOD_START = dt.date(2026, 10, 5)  # a Monday
HISTORY_WEEKS = 104
ACTUAL_WEEKS = 6
DEAL_SIZE = 30_000  # yuan, typed into Settings as AvgDealSize
WEEKLY_BASE = 78_000  # yuan a week from an average rep, all products, at history start
CNY = np.array(["2025-01-29", "2026-02-17"], dtype="datetime64[D]")  # the February dip

# region zh, manager zh, e-mail name, region en, manager en, potential, strength
REGIONS = (
    ("华北", "王建国", "wang.jianguo", "North", "Olivia Bennett", 2100, 1.00),
    ("华东", "李明华", "li.minghua", "East", "James Carter", 3400, 1.12),
    ("华南", "陈志强", "chen.zhiqiang", "South", "Sophia Martinez", 2600, 1.05),
    ("西部", "张伟", "zhang.wei", "West", "Daniel Brooks", 900, 0.85),
)
# product zh, product en, stage, margin, share of sales at history start, growth a year
PRODUCTS = (
    ("智能终端", "Smart Devices", "mature", 0.22, 0.36, 1.02),
    ("企业软件", "Enterprise Software", "mature", 0.45, 0.30, 1.05),
    ("云服务", "Cloud Services", "growth", 0.38, 0.16, 1.25),
    ("智能助手", "AI Assistant", "new", 0.55, 0.03, 2.00),
    ("办公耗材", "Office Supplies", "longtail", 0.15, 0.15, 0.85),
)
CUSTOMER_TYPES = (("大客户", "KA", 0.5), ("中小企业", "SMB", 0.35), ("新客户", "New", 0.15))
LEVEL_SKILL = {"senior": 1.2, "standard": 1.0, "new": 0.85}
TERRITORY_SKILL = {"core": 1.1, "standard": 1.0, "suburb": 0.9}
# Pace of the first six weeks against the rep's run-rate: behind, amber, on track, ahead.
PACE = {"R": (0.55, 0.70), "A": (0.85, 0.95), "-": (0.95, 1.05), "G": (1.05, 1.25)}
LOCKED_REP, PARTIAL_REP, PARTIAL_PRODUCTS = "S004", "S012", (0, 1, 4)

# region, level, territory, start date, pace, name zh, name en
REPS = (
    (0, "senior", "core", "2016-03-14", "G", "刘洋", "Emma Wilson"),
    (0, "standard", "core", "2019-07-01", "A", "赵磊", "Liam Johnson"),
    (0, "standard", "standard", "2020-02-17", "R", "孙丽", "Ava Thompson"),
    (0, "standard", "suburb", "2021-05-10", "A", "周杰", "Noah Davis"),
    (0, "new", "standard", "2026-08-03", "-", "吴芳", "Mia Clark"),
    (0, "senior", "standard", "2015-09-07", "-", "郑浩", "Ethan Lewis"),
    (1, "senior", "core", "2014-04-21", "G", "冯静", "Isabella Walker"),
    (1, "senior", "core", "2017-11-06", "-", "陈晨", "Lucas Hall"),
    (1, "standard", "core", "2020-08-24", "A", "褚悦", "Charlotte Allen"),
    (1, "standard", "standard", "2025-03-03", "-", "卫强", "Mason Young"),
    (1, "standard", "standard", "2018-06-11", "R", "蒋涛", "Amelia King"),
    (1, "standard", "suburb", "2022-01-10", "-", "沈颖", "Logan Wright"),
    (1, "senior", "standard", "2016-10-17", "G", "韩冰", "Harper Scott"),
    (1, "standard", "core", "2021-09-13", "A", "杨帆", "Elijah Green"),
    (2, "senior", "core", "2015-05-18", "G", "朱琳", "Evelyn Adams"),
    (2, "standard", "standard", "2019-03-04", "-", "秦勇", "Aiden Baker"),
    (2, "standard", "suburb", "2020-11-23", "R", "许婷", "Abigail Nelson"),
    (2, "standard", "core", "2022-04-18", "-", "何鹏", "Jackson Hill"),
    (2, "senior", "standard", "2017-02-20", "A", "吕娜", "Emily Campbell"),
    (2, "standard", "standard", "2025-09-01", "-", "施伟", "Sebastian Mitchell"),
    (3, "standard", "core", "2018-08-27", "A", "孔明", "Ella Roberts"),
    (3, "senior", "standard", "2013-12-02", "G", "曹雪", "Henry Turner"),
    (3, "standard", "suburb", "2024-12-02", "R", "严峰", "Grace Phillips"),
    (3, "new", "suburb", "2026-11-02", "-", "华欣", "Owen Parker"),
)


def example_tables(locale: str = "zh-CN") -> dict[str, pd.DataFrame]:
    """A realistic, deterministic example company: one DataFrame per table."""
    en = locale == "en"
    rng = np.random.default_rng(SEED)
    ids = np.array([f"S{i + 1:03d}" for i in range(len(REPS))])
    region_names = [r[3] if en else r[0] for r in REGIONS]
    products = [p[1] if en else p[0] for p in PRODUCTS]
    customer_types = [c[1] if en else c[0] for c in CUSTOMER_TYPES]
    region_of = np.array([r[0] for r in REPS])
    starts = np.array([r[3] for r in REPS], dtype="datetime64[D]")
    covered = np.ones((len(REPS), len(PRODUCTS)), dtype=bool)
    covered[ids == PARTIAL_REP] = np.isin(np.arange(len(PRODUCTS)), PARTIAL_PRODUCTS)

    names = (np.array(region_names), np.array(products), np.array(customer_types), ids)
    history, run_rate = _history(rng, names, region_of, starts, covered)
    last = history["period"] >= pd.Timestamp(PERIOD_START) - pd.Timedelta(weeks=13)
    locked = history[last & (history["rep_id"] == LOCKED_REP)]["amount"].sum() * 1.05
    managers = [(r[4], ".".join(r[4].lower().split())) if en else r[1:3] for r in REGIONS]

    tables = {
        "settings": _settings(locale),
        "history": history,
        "reps": pd.DataFrame(
            {
                "rep_id": ids,
                "name": [r[6] if en else r[5] for r in REPS],
                "region": np.array(region_names)[region_of],
                "email": [f"{i.lower()}@example.com" for i in ids],
                "level": [choice_word("Level", r[1], locale) for r in REPS],
                "territory": [choice_word("Territory", r[2], locale) for r in REPS],
                "start_date": [dt.date.fromisoformat(r[3]) for r in REPS],
                "end_date": [None] * len(REPS),
                "capability": np.nan,
                "resource": np.nan,
                "locked_target": np.where(ids == LOCKED_REP, round(locked, -4), np.nan),
                "manager": [managers[r[0]][0] for r in REPS],
                "password": [None] * len(REPS),
            }
        ),
        "products": pd.DataFrame(
            {
                "product": products,
                "stage": [choice_word("Stage", p[2], locale) for p in PRODUCTS],
                "weight": np.nan,
                "margin": [p[3] for p in PRODUCTS],
            }
        ),
        "regions": pd.DataFrame(
            {
                "region": region_names,
                "potential": [r[5] for r in REGIONS],
                "weight": np.nan,
                "manager": [m[0] for m in managers],
                "manager_email": [f"{m[1]}@example.com" for m in managers],
                "password": None,  # issue --encrypt draws one per roll-up
            }
        ),
        "customer_types": pd.DataFrame(
            {"customer_type": customer_types, "weight": [c[2] for c in CUSTOMER_TYPES]}
        ),
        "coverage": pd.DataFrame(
            {"rep_id": PARTIAL_REP, "product": [products[p] for p in PARTIAL_PRODUCTS]}
        ),
        "commission": pd.DataFrame(
            {
                "tier": [choice_word("Tier", t, locale) for t in ("floor", "target", "challenge")],
                "rate": [0.01, 0.015, 0.02],
            }
        ),
        "rhythm": pd.DataFrame(
            {
                "phase": ["Ramp-up", "Push", "Close"] if en else ["启动", "冲刺", "收官"],
                "weeks": [4, 6, 3],
                "share": [0.3, 0.5, 0.2],
            }
        ),
        "funnel": pd.DataFrame(
            {
                "stage": ["Visit", "Demo", "Deal"] if en else ["拜访", "演示", "成交"],
                "conversion": [0.5, 0.4, 1.0],
            }
        ),
        "kpis": pd.DataFrame(
            {
                "kpi": ["New customers", "Customer retention"] if en else ["新客户", "留存率"],
                "weight": [0.6, 0.4],
                "floor": [8, 0.85],
                "target": [10, 0.9],
                "challenge": [13, 0.95],
                "unit": ["customers" if en else "家", "%"],
            }
        ),
        "actuals": _actuals(rng, ids, starts, run_rate),
        "change_log": pd.DataFrame(columns=[c.key for c in BY_KEY["change_log"].columns]),
        "sources": pd.DataFrame(columns=[c.key for c in BY_KEY["sources"].columns]),
        "sign_offs": pd.DataFrame(columns=[c.key for c in BY_KEY["sign_offs"].columns]),
        "scenarios": _scenarios(locale),
    }
    return {
        k: t[[c.key for c in BY_KEY[k].columns if c.key in t.columns]] for k, t in tables.items()
    }  # in the spec's order; the actuals by Week, without a Date column


def _settings(locale: str) -> pd.DataFrame:
    values = {
        "PeriodStart": PERIOD_START,
        "PeriodWeeks": 13,
        "Unit": 1 if locale == "en" else 10000,
        "RoundTo": 1000,
        "Baseline": "last_period",
        "MarketGrowth": 0.08,
        "Buffer": 0.03,
        "FloorPct": 0.9,
        "ChallengePct": 1.15,
        # this company's own mix of the stages (the default is new=0.2,growth=0.25,…); in
        # English terms like every value here, init writes it in the plan's words
        "StageWeights": "new=0.15,growth=0.2,mature=0.55,longtail=0.1",
        "CommissionMode": "retroactive",
        "AvgDealSize": DEAL_SIZE,
        "Locale": locale,
    }
    # each Description is written by init in the plan's language
    return pd.DataFrame(
        {"setting": list(values), "value": list(values.values()), "description": None}
    )


def _scenarios(locale: str) -> pd.DataFrame:
    """What a director would set beside the plan (growth 8 %, buffer 3 %): a bolder market, a
    cautious one that keeps more buffer, and the number the board asked for."""
    en = locale == "en"
    rows = [
        ("Growth 12%" if en else "增长12%", "MarketGrowth", "12%"),
        ("Growth 20%" if en else "增长20%", "MarketGrowth", "20%"),
        ("Growth 20%" if en else "增长20%", "Buffer", "5%"),
        ("Board 32M" if en else "董事会3200万", "TeamTarget", 32_000_000),
    ]
    return pd.DataFrame(rows, columns=["scenario", "setting", "value"])


def _history(rng, names, region_of, starts, covered) -> tuple[pd.DataFrame, np.ndarray]:
    """Weekly sales per rep × product × customer type, with season, growth and skill."""
    n_reps, n_products, n_types = len(REPS), len(PRODUCTS), len(CUSTOMER_TYPES)
    period_start = np.datetime64(PERIOD_START, "D")
    weeks = period_start - 7 * np.arange(HISTORY_WEEKS, 0, -1)  # Mondays
    years = (weeks - weeks[0]).astype(float) / 365.25
    thursday = pd.DatetimeIndex(weeks + 3)
    season = (
        (1 + 0.12 * np.cos(2 * np.pi * (thursday.day_of_year.to_numpy() - 340) / 365.25))
        * np.where(thursday.month.isin([3, 6, 9, 12]) & (thursday.day >= 15), 1.1, 1.0)
        * (1 - 0.55 * np.exp(-0.5 * ((weeks[:, None] - CNY).astype(float) / 8) ** 2).sum(1))
    )
    stage, share0, growth = (np.array([p[i] for p in PRODUCTS]) for i in (2, 4, 5))
    share = share0 * growth ** years[:, None]  # (W, P)
    skill = (
        rng.lognormal(0, 0.1, n_reps)
        * np.array([LEVEL_SKILL[r[1]] * TERRITORY_SKILL[r[2]] for r in REPS])
        * np.array([REGIONS[i][6] for i in region_of])
    )
    affinity = rng.lognormal(0, 0.2, (n_reps, n_products)) * covered
    type_mix = rng.dirichlet(40 * np.array([c[2] for c in CUSTOMER_TYPES]), n_products)
    type_mix[stage == "new"] = type_mix[stage == "new"][:, [1, 0, 2]]  # new products: SMB first
    tenure = (weeks[:, None] - starts).astype(float) / 7  # (W, R)
    ramp = np.clip(0.3 + 0.06 * tenure, 0, 1) * (tenure >= 0)
    amount = (
        WEEKLY_BASE
        * (season[:, None] * ramp * skill * rng.gamma(30, 1 / 30, ramp.shape))[..., None, None]
        * (share[:, None, :] * affinity)[..., None]
        * type_mix
        * rng.gamma(12, 1 / 12, (HISTORY_WEEKS, n_reps, n_products, n_types))
    )
    w, r, p, c = np.nonzero(amount)
    cents = np.round(amount[w, r, p, c], 2)
    cents[rng.choice(len(cents), 8, replace=False)] += 0.004  # CRM exports carry odd decimals
    run_rate = amount[-13:].sum((0, 2, 3)) / np.maximum((tenure[-13:] >= 0).sum(0), 1)
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(weeks[w]).astype("datetime64[us]"),
            "amount": cents,
            "region": names[0][region_of[r]],
            "product": names[1][p],
            "customer_type": names[2][c],
            "rep_id": names[3][r],
        }
    )
    return frame, run_rate


def _actuals(rng, ids, starts, run_rate) -> pd.DataFrame:
    """Weeks 1–6 of the period: some reps behind, some on pace, some ahead."""
    weeks = np.datetime64(PERIOD_START, "D") + 7 * np.arange(ACTUAL_WEEKS)
    rate = np.where(run_rate > 0, run_rate, 0.35 * np.median(run_rate[run_rate > 0]))
    lo, hi = np.array([PACE[r[4]] for r in REPS]).T
    pace = rng.uniform(lo, hi)
    low_conversion = np.array([r[4] for r in REPS]) == "R"
    low_conversion[np.flatnonzero(low_conversion)[1::2]] = False  # half just visit less
    w, r = np.nonzero(weeks[:, None] >= starts)
    amount = np.round(pace[r] * rate[r] * rng.gamma(25, 1 / 25, len(r)), 2)
    deal = DEAL_SIZE * rng.uniform(0.8, 1.25, len(r))
    effort = np.where(low_conversion[r], rate[r], amount) / deal
    demos = np.round(effort / 0.4 * rng.uniform(0.9, 1.1, len(r)))
    return pd.DataFrame(
        {
            "week": w + 1,
            "rep_id": ids[r],
            "amount": amount,
            "visits": np.round(demos / 0.5 * rng.uniform(0.9, 1.15, len(r))).astype(int),
            "demos": demos.astype(int),
            "deals": np.maximum(np.round(amount / deal), 1).astype(int),
            "new_customers": rng.poisson(0.8 * pace[r]),
            # gross profit at a margin of 30 % to 37 % by rep, drawing nothing from `rng` (the
            # rest of the company stays as it was)
            "gross_profit": np.round(amount * (0.30 + 0.01 * (r % 8)), 2),
        }
    )
