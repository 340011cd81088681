"""Small builders for plans in tests: a few lines give a complete, valid Plan."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.money import to_cents
from engine.plan import Plan
from engine.settings import SPECS, Settings

START = dt.date(2026, 1, 5)  # a Monday

# tblChangeLog as init writes it, in each locale (SPEC §1); typed here, not read from the code
CHANGE_LOG_HEADERS = {
    "en": [
        "Timestamp",
        "RepID",
        "Field",
        "Old",
        "New",
        "Reason",
        "Approver",
        "Version",
        "FromWeek",
    ],
    "zh-CN": ["时间", "销售编号", "字段", "原值", "新值", "原因", "审批人", "版本", "生效周"],
}


# a tracking status as each locale's sheets and workbooks show it; typed here, not read from the code
STATUS_WORDS = {
    "en": {"RED": "RED", "AMBER": "AMBER", "GREEN": "GREEN", "no report": "NO REPORT"},
    "zh-CN": {"RED": "红", "AMBER": "黄", "GREEN": "绿", "no report": "未报告"},
}


def settings(**values) -> Settings:
    from decimal import Decimal

    # every week alike unless a test names a Holidays country (a Chinese plan's default is CN)
    out = {"PeriodStart": START, "Holidays": "none"}
    for k, v in values.items():
        kind = SPECS[k][0]
        out[k] = Decimal(str(v)) if kind in ("fraction", "ratio") else v
    return Settings(out)


def reps(n: int, regions=("North",), **columns) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "rep_id": [f"R{i + 1:03d}" for i in range(n)],
            "name": [f"Rep {i + 1}" for i in range(n)],
            "region": [regions[i % len(regions)] for i in range(n)],
            "email": None,
            "level": "standard",
            "territory": "standard",
            "start_date": None,
            "end_date": None,
            "capability": np.nan,
            "resource": np.nan,
            "locked_target": np.nan,
            "manager": None,
            "password": None,
        }
    )
    for k, v in columns.items():
        frame[k] = v
    return frame


def history(
    rep_frame: pd.DataFrame, weekly: dict | float, weeks: int = 13, products=("P1",)
) -> pd.DataFrame:
    """Equal weekly amounts per rep (and per product) over the `weeks` before START."""
    rows = []
    for _, rep in rep_frame.iterrows():
        amount = weekly.get(rep["rep_id"], 0) if isinstance(weekly, dict) else weekly
        for w in range(1, weeks + 1):
            for p in products:
                rows.append(
                    (
                        pd.Timestamp(START) - pd.Timedelta(weeks=w),
                        amount / len(products),
                        rep["region"],
                        p,
                        "",
                        rep["rep_id"],
                    )
                )
    h = pd.DataFrame(
        rows, columns=["period", "amount", "region", "product", "customer_type", "rep_id"]
    )
    h["amount_cents"] = to_cents(h["amount"])
    return h


def plan(rep_frame=None, hist=None, products=None, regions=None, **settings_values) -> Plan:
    rep_frame = reps(4) if rep_frame is None else rep_frame
    products = (
        products
        if products is not None
        else pd.DataFrame(
            {"product": ["P1"], "stage": ["mature"], "weight": [np.nan], "margin": [np.nan]}
        )
    )
    hist = (
        history(rep_frame, 10_000.0, products=tuple(products["product"])) if hist is None else hist
    )
    region_names = list(dict.fromkeys(rep_frame["region"]))
    regions = (
        regions
        if regions is not None
        else pd.DataFrame(
            {
                "region": region_names,
                "potential": np.nan,
                "weight": np.nan,
                "manager": None,
                "manager_email": None,
            }
        )
    )
    return Plan(
        settings=settings(**settings_values),
        history=hist,
        reps=rep_frame,
        products=products,
        regions=regions,
    )


def words(said, locale: str) -> str:
    """What a PlanError, a Problem, a list of problems or a Message says to a person in
    `locale` ("en" or "zh-CN"), as the command line and the buttons show it."""
    from engine.problems import PlanError, Problem
    from xl_addin.messages import problem_text, problems_text, text

    if isinstance(said, PlanError):
        return problems_text(said.problems, locale)
    if isinstance(said, list):
        return problems_text(said, locale)
    if isinstance(said, Problem):
        return problem_text(said, locale)
    return text(said, locale)


def english(said) -> str:
    """What a PlanError, a Problem, a list of problems or a Message says in English."""
    return words(said, "en")
