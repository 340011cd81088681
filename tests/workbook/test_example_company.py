"""The `--example` company: complete, plausible, and the same on every run."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from engine.settings import choice_value
from tests.examples import example_plan
from xl_addin.workbook.columns import BY_KEY, LEVELS, STAGES, TERRITORIES
from xl_addin.workbook.example_company import example_tables

PERIOD_START = dt.date(2026, 10, 5)
LOCALES = ("zh-CN", "en")


@pytest.fixture(scope="module", params=LOCALES)
def tables(request):
    return example_tables(request.param)


def settings(tables) -> dict:
    return dict(zip(tables["settings"]["setting"], tables["settings"]["value"], strict=True))


def meant(values: pd.Series, name: str) -> pd.Series:
    """A choice column's values as the English values the engine reads them as."""
    return values.map(lambda v: choice_value(name, v))


def last_quarter(history: pd.DataFrame) -> pd.DataFrame:
    return history[history["period"] >= pd.Timestamp(PERIOD_START) - pd.Timedelta(weeks=13)]


def test_every_table_has_exactly_the_columns_of_columns_py(tables):
    assert set(tables) == set(BY_KEY)
    for key, frame in tables.items():
        spec = BY_KEY[key]
        # tblActuals holds Week or Date: the example's actuals are by rep and week
        left_out = ["date"] if key == "actuals" else []
        assert list(frame.columns) == [c.key for c in spec.columns if c.key not in left_out], key


@pytest.mark.parametrize("locale", LOCALES)
def test_two_calls_give_the_same_company(locale):
    first, second = example_tables(locale), example_tables(locale)
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key])


def test_locales_differ_only_in_names():
    zh, en = example_tables("zh-CN"), example_tables("en")
    assert zh["history"]["amount"].equals(en["history"]["amount"])
    assert zh["actuals"]["amount"].equals(en["actuals"]["amount"])
    assert set(zh["regions"]["region"]) == {"华北", "华东", "华南", "西部"}
    assert set(en["regions"]["region"]) == {"North", "East", "South", "West"}
    assert set(zh["funnel"]["stage"]) == {"拜访", "演示", "成交"}
    assert settings(zh)["Unit"] == 10000 and settings(en)["Unit"] == 1
    assert settings(zh)["Locale"] == "zh-CN" and settings(en)["Locale"] == "en"


def test_a_chinese_company_types_its_choices_in_chinese():
    zh, en = example_tables("zh-CN"), example_tables("en")
    assert set(zh["reps"]["level"]) == {"资深", "标准", "新人"}
    assert set(zh["reps"]["territory"]) == {"核心", "标准", "郊区"}
    assert set(zh["products"]["stage"]) == {"新品", "成长", "成熟", "长尾"}
    assert zh["commission"]["tier"].tolist() == ["保底", "目标", "挑战"]
    assert set(en["reps"]["level"]) == {"senior", "standard", "new"}
    assert en["commission"]["tier"].tolist() == ["floor", "target", "challenge"]
    # settings are in English terms, as for an empty plan: init writes them in the plan's
    # words (新品=0.15,成长=0.2,…; tests/workbook/test_settings_sheet.py)
    assert settings(zh)["StageWeights"] == settings(en)["StageWeights"]
    assert settings(en)["StageWeights"] == "new=0.15,growth=0.2,mature=0.55,longtail=0.1"
    for table, column, name in (
        ("reps", "level", "Level"),
        ("reps", "territory", "Territory"),
        ("products", "stage", "Stage"),
        ("commission", "tier", "Tier"),
    ):
        assert meant(zh[table][column], name).tolist() == en[table][column].tolist()


def test_settings_are_what_a_planner_types(tables):
    s = settings(tables)
    assert s["PeriodStart"] == PERIOD_START and PERIOD_START.weekday() == 0
    assert (s["PeriodWeeks"], s["RoundTo"], s["Baseline"]) == (13, 1000, "last_period")
    assert (s["MarketGrowth"], s["Buffer"], s["FloorPct"], s["ChallengePct"]) == (
        0.08,
        0.03,
        0.9,
        1.15,
    )
    assert s["CommissionMode"] == "retroactive"
    assert tables["settings"]["setting"].is_unique


def test_regions_products_and_customer_types(tables):
    regions, products, types = tables["regions"], tables["products"], tables["customer_types"]
    assert len(regions) == 4 and regions["region"].is_unique
    assert (regions["potential"] > 0).all() and regions["potential"].nunique() == 4
    assert regions["weight"].isna().all()
    assert regions["manager_email"].str.fullmatch(r"[a-z.]+@example\.com").all()
    assert len(products) == 5 and products["product"].is_unique
    stages = meant(products["stage"], "Stage")
    assert set(stages) <= set(STAGES)
    assert {s: (stages == s).sum() for s in STAGES} == {
        "new": 1,
        "growth": 1,
        "mature": 2,
        "longtail": 1,
    }
    assert products["weight"].isna().all() and products["margin"].between(0, 1).all()
    assert len(types) == 3 and types["weight"].sum() == pytest.approx(1)


def test_reps_are_24_distinct_people_under_their_region_manager(tables):
    reps, regions = tables["reps"], tables["regions"]
    assert list(reps["rep_id"]) == [f"S{i:03d}" for i in range(1, 25)]
    assert reps["name"].is_unique
    assert (reps["email"] == reps["rep_id"].str.lower() + "@example.com").all()
    assert set(meant(reps["level"], "Level")) == set(LEVELS)
    assert set(meant(reps["territory"], "Territory")) == set(TERRITORIES)
    assert set(reps["region"]) == set(regions["region"])
    manager = regions.set_index("region")["manager"]
    assert (reps["manager"].to_numpy() == manager[reps["region"]].to_numpy()).all()
    assert reps[["capability", "resource"]].isna().all().all()
    assert reps["password"].isna().all() and reps["end_date"].isna().all()
    assert all(isinstance(d, dt.date) for d in reps["start_date"])


def test_special_reps(tables):
    reps, history = tables["reps"], tables["history"]
    with_history = set(history["rep_id"])
    joiner = reps[reps["start_date"] > PERIOD_START]
    assert len(joiner) == 1
    assert joiner["start_date"].iloc[0] == dt.date(2026, 11, 2)
    assert (
        meant(joiner["level"], "Level").iloc[0] == "new"
        and joiner["rep_id"].iloc[0] not in with_history
    )
    assert with_history == set(reps["rep_id"]) - set(joiner["rep_id"])

    recent = reps[(meant(reps["level"], "Level") == "new") & (reps["start_date"] < PERIOD_START)]
    assert len(recent) == 1
    assert 45 <= (PERIOD_START - recent["start_date"].iloc[0]).days <= 75
    assert recent["rep_id"].iloc[0] in with_history

    locked = reps.dropna(subset=["locked_target"])
    assert len(locked) == 1
    target = locked["locked_target"].iloc[0]
    assert target % 1000 == 0 and 400_000 <= target <= 1_500_000
    rep_quarter = last_quarter(history).query("rep_id == @locked.rep_id.iloc[0]")["amount"]
    assert 0.8 <= target / rep_quarter.sum() <= 1.3

    coverage = tables["coverage"]
    assert coverage["rep_id"].nunique() == 1 and 2 <= len(coverage) <= 3
    assert coverage["product"].is_unique
    assert set(coverage["product"]) < set(tables["products"]["product"])


def test_history_is_104_weekly_mondays_ending_before_the_period(tables):
    history = tables["history"]
    weeks = pd.DatetimeIndex(history["period"].unique()).sort_values()
    assert len(weeks) == 104 and (weeks == weeks.normalize()).all()
    assert (weeks.day_of_week == 0).all() and weeks.is_unique
    assert weeks[-1] == pd.Timestamp(PERIOD_START) - pd.Timedelta(days=7)
    assert weeks[0] == pd.Timestamp(PERIOD_START) - pd.Timedelta(weeks=104)
    assert (weeks.to_series().diff().dropna() == pd.Timedelta(days=7)).all()


def test_history_has_one_row_per_active_week_rep_product_and_customer_type(tables):
    history, reps = tables["history"], tables["reps"]
    assert history[["region", "product", "customer_type", "rep_id"]].notna().all().all()
    keys = ["period", "rep_id", "product", "customer_type"]
    assert not history.duplicated(keys).any()
    assert (history["amount"] > 0).all()
    assert (history["amount"].round(2) == history["amount"]).mean() > 0.99
    start = pd.to_datetime(reps.set_index("rep_id")["start_date"])
    assert (history["period"] >= start[history["rep_id"]].to_numpy()).all()
    region = reps.set_index("rep_id")["region"]
    assert (history["region"] == region[history["rep_id"]].to_numpy()).all()
    n_products = len(tables["products"])
    covered = tables["coverage"].groupby("rep_id").size()
    products_of = reps["rep_id"].map(covered).fillna(n_products)
    weeks = history.groupby("rep_id")["period"].nunique()
    expected = (weeks * products_of.set_axis(reps["rep_id"])[weeks.index] * 3).sum()
    assert len(history) == expected


def test_history_only_holds_products_the_rep_covers(tables):
    history, coverage = tables["history"], tables["coverage"]
    for rep_id, products in coverage.groupby("rep_id")["product"]:
        assert set(history.loc[history["rep_id"] == rep_id, "product"]) == set(products)
    others = history[~history["rep_id"].isin(coverage["rep_id"])]
    assert set(others["product"]) == set(tables["products"]["product"])


def test_history_has_season_growth_and_a_plausible_size(tables):
    history = tables["history"]
    team_quarter = last_quarter(history)["amount"].sum()
    assert 20e6 <= team_quarter <= 40e6
    per_rep = last_quarter(history).groupby("rep_id")["amount"].sum()
    assert per_rep.drop(per_rep.idxmin()).between(0.6e6, 2.5e6).all()
    quarters = history.groupby(history["period"].dt.to_period("Q"))["amount"].sum()
    assert quarters["2025Q4"] > 1.1 * quarters["2025Q3"]  # Q4 peak
    assert quarters["2025Q1"] < quarters["2024Q4"]  # Chinese New Year dip
    assert 1.08 <= quarters["2026Q3"] / quarters["2025Q3"] <= 1.2
    weekly = history.groupby("period")["amount"].sum()
    assert weekly["2026-02-16"] < 0.8 * weekly["2026-01-05":"2026-03-30"].median()


def test_actuals_cover_six_weeks_with_red_amber_and_green_paces(tables):
    actuals, reps, history = tables["actuals"], tables["reps"], tables["history"]
    assert set(actuals["week"]) == set(range(1, 7))
    assert not actuals.duplicated(["week", "rep_id"]).any()
    for col in ("week", "visits", "demos", "deals", "new_customers"):
        assert pd.api.types.is_integer_dtype(actuals[col]), col
    assert (actuals["amount"].round(2) == actuals["amount"]).all()
    assert (actuals[["amount", "visits", "demos", "deals"]] > 0).all().all()
    start = pd.to_datetime(reps.set_index("rep_id")["start_date"])
    week_start = pd.Timestamp(PERIOD_START) + pd.to_timedelta(7 * (actuals["week"] - 1), "D")
    assert (week_start.to_numpy() >= start[actuals["rep_id"]].to_numpy()).all()
    assert actuals.groupby("week").size().tolist() == [23, 23, 23, 23, 24, 24]

    run_rate = last_quarter(history).groupby("rep_id")["amount"].sum() / 13
    pace = (actuals.groupby("rep_id")["amount"].sum() / 6 / run_rate).dropna()
    veterans = reps.loc[meant(reps["level"], "Level") != "new", "rep_id"]
    pace = pace[pace.index.isin(veterans)]
    assert (pace < 0.75).sum() >= 3
    assert pace.between(0.8, 0.97).sum() >= 3
    assert (pace > 1.05).sum() >= 3


def test_small_tables(tables):
    commission = tables["commission"].set_index(meant(tables["commission"]["tier"], "Tier"))["rate"]
    assert commission.to_dict() == {"floor": 0.01, "target": 0.015, "challenge": 0.02}
    rhythm = tables["rhythm"]
    assert rhythm["weeks"].tolist() == [4, 6, 3] and rhythm["share"].sum() == pytest.approx(1)
    assert tables["funnel"]["conversion"].tolist() == [0.5, 0.4, 1.0]
    kpis = tables["kpis"]
    assert 2 <= len(kpis) <= 3 and kpis["weight"].sum() == pytest.approx(1)
    assert (kpis["floor"] < kpis["target"]).all() and (kpis["target"] < kpis["challenge"]).all()
    assert tables["change_log"].empty


def test_the_light_example_gives_the_very_sheets_of_the_full_one(tmp_path):
    """tests/examples.py's light example (the history weeks the settings read) decomposes and
    tracks to every output cell of the full example; only the history and the PlanID differ."""
    full = example_plan(tmp_path / "full", "zh-CN", "decompose", "track", light=False)
    light = example_plan(tmp_path / "light", "zh-CN", "decompose", "track")
    a = openpyxl.load_workbook(full, read_only=True)
    b = openpyxl.load_workbook(light, read_only=True)
    assert a.sheetnames == b.sheetnames
    history = {"SalesHistory", "History", "销售历史"} & set(a.sheetnames)
    assert len(history) == 1
    for name in set(a.sheetnames) - history:
        cells = [list(a[name].values), list(b[name].values)]
        if name == "Settings":  # init gave each its own PlanID
            cells = [[row for row in sheet if "PlanID" not in row] for sheet in cells]
        assert cells[0] == cells[1], name
    (name,) = history
    assert (a[name].max_row, b[name].max_row) == (32_692, 4_348)  # the header and the rows
