"""The Settings and Readme sheets `salesplan init` writes, read back with openpyxl as a user
would: a Description for every setting in the plan's language, a list to pick each choice
from, PeriodStart as a date, every setting on the Readme with its default and an example,
and choices typed in either language read as the same settings.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles.numbers import is_date_format

from engine.settings import SPECS
from tests.builders import english
from tests.examples import light_tables
from xl_addin.messages import catalogue, problem_text
from xl_addin.sheets.layout import display_width
from xl_addin.workbook import init
from xl_addin.workbook.columns import BY_KEY
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import Reader, plan_locale

LOCALES = ("en", "zh-CN")
HEADERS = {"en": ["Setting", "Value", "Description"], "zh-CN": ["设置项", "值", "说明"]}
README = {"en": "Readme", "zh-CN": "说明"}
# each choice setting's list, as a person of each language reads it (SPEC §1.1)
LISTS = {
    "en": {
        "Baseline": ["last_period", "same_period_last_year", "trailing_mean"],
        "Trend": ["none", "trailing"],
        "PhaseBy": ["weeks", "quarters"],
        "CommissionMode": ["retroactive", "marginal"],
        "Locale": ["zh-CN", "en"],
    },
    "zh-CN": {
        "Baseline": ["上期", "去年同期", "近三期均值"],
        "Trend": ["无", "近期趋势"],
        "PhaseBy": ["按周", "按季度"],
        "CommissionMode": ["全额累进", "超额分段"],
        "Locale": ["中文", "英文"],
    },
}


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, Path]:
    """A new (empty) plan in each locale, as `salesplan init PLAN --locale L` writes it."""
    folder = tmp_path_factory.mktemp("plans")
    return {loc: init.write_plan(folder / f"{loc}.xlsx", locale=loc) for loc in LOCALES}


def settings_rows(path: Path) -> dict[str, tuple[int, list]]:
    """Setting name -> (sheet row, [value, description, …]) of tblSettings."""
    ws = openpyxl.load_workbook(path)["Settings"]
    rows = ws[ws.tables["tblSettings"].ref]
    return {r[0].value: (r[0].row, [c.value for c in r[1:]]) for r in rows[1:]}


def read_settings(path: Path):
    """tblSettings read as salesplan reads it: (Settings, problems)."""
    reader = Reader(FileBook(path))
    settings = reader.settings(reader.table(BY_KEY["settings"]))
    return settings, reader.problems


def typed(path: Path, out: Path, **values) -> Path:
    """The plan with Values typed into its Settings cells, saved as `out`."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    rows = settings_rows(path)
    for name, value in values.items():
        ws[f"B{rows[name][0]}"] = value
    wb.save(out)
    return out


# -- the Settings sheet ----------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_every_setting_has_a_description_in_the_plans_language(plans, locale):
    ws = openpyxl.load_workbook(plans[locale])["Settings"]
    assert ws.tables["tblSettings"].ref == f"A1:C{len(SPECS)}"  # every setting but Version
    assert [c.value for c in ws[1]] == HEADERS[locale]
    rows = settings_rows(plans[locale])
    assert set(rows) == set(SPECS) - {"Version"}
    assert all(text for _, (_, text) in rows.values())
    baseline, blend = rows["Baseline"][1][1], rows["RegionBlend"][1][1]
    if locale == "en":
        assert "same_period_last_year (the same weeks a year earlier)" in baseline
        assert "history" in blend and "Potential" in blend and "headcount" in blend
    else:
        assert "去年同期（一年前的相同各周）" in baseline
        assert "历史销售占比" in blend and "市场潜力占比" in blend and "人数占比" in blend


@pytest.mark.parametrize("locale", LOCALES)
def test_each_choice_has_a_list_in_the_plans_language_on_its_value_cell(plans, locale):
    ws = openpyxl.load_workbook(plans[locale])["Settings"]
    rows = settings_rows(plans[locale])
    lists = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    want = {f"B{rows[name][0]}": options for name, options in LISTS[locale].items()}
    assert set(lists) == set(want)  # one cell each, and no other cell
    for cell, options in want.items():
        v = lists[cell]
        assert v.type == "list" and v.formula1 == '"' + ",".join(options) + '"', cell
        # the other language's names are read too, so typing one warns rather than stops
        assert v.errorStyle == "warning" and v.showErrorMessage
    # and the Values init wrote are the defaults, in the plan's language
    assert [rows[n][1][0] for n in LISTS[locale]] == [
        LISTS[locale]["Baseline"][0],  # last_period
        LISTS[locale]["Trend"][0],  # none
        LISTS[locale]["PhaseBy"][0],  # weeks
        LISTS[locale]["CommissionMode"][0],  # retroactive
        {"en": "en", "zh-CN": "中文"}[locale],  # the plan's own
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_period_start_is_shown_as_a_date_and_descriptions_fit_their_rows(plans, locale):
    ws = openpyxl.load_workbook(plans[locale])["Settings"]
    row = settings_rows(plans[locale])["PeriodStart"][0]
    assert is_date_format(ws[f"B{row}"].number_format)
    assert ws[f"B{row}"].fill.fgColor.rgb.endswith("FFF2CC")  # an input cell, blank to fill in
    assert ws.column_dimensions["A"].width >= len("CapabilityBottomShare")
    # the widest Value, StageWeights, fits: 44 characters in English, 37 columns in Chinese
    # (a Chinese character two columns wide)
    weights = settings_rows(plans[locale])["StageWeights"][1][0]
    assert ws.column_dimensions["B"].width >= display_width(weights) >= 37
    width = ws.column_dimensions["C"].width
    assert width >= 60
    for name, (r, (_, text)) in settings_rows(plans[locale]).items():
        assert ws[f"C{r}"].alignment.wrap_text, name
        # at least as many 15-point lines as the text needs were every line full, a Chinese
        # character two digits wide and a letter 0.8 (Calibri's lowercase are narrower than
        # its digits); a row of one line keeps the default height, 15, which the file omits
        ink = sum(2 if ord(ch) > 0x2E80 else 0.8 for ch in text)
        height = ws.row_dimensions[r].height or 15
        assert height >= 15 * math.ceil(ink / width), name
    # RegionBlend's description is long: several lines, not one
    blend = settings_rows(plans[locale])["RegionBlend"][0]
    assert ws.row_dimensions[blend].height >= 3 * 15


def test_stage_weights_are_written_with_the_stages_in_the_plans_language(plans, tmp_path):
    stage_weights = {
        loc: settings_rows(plans[loc])["StageWeights"][1][0] for loc in ("en", "zh-CN")
    }
    assert stage_weights == {
        "en": "new=0.2,growth=0.25,mature=0.45,longtail=0.1",
        "zh-CN": "新品=0.2,成长=0.25,成熟=0.45,长尾=0.1",
    }
    path = typed(plans["zh-CN"], tmp_path / "zh.xlsx", PeriodStart=dt.datetime(2026, 7, 6))
    settings, problems = read_settings(path)
    assert problems == [] and settings["StageWeights"] == SPECS["StageWeights"][1]
    # the light example: its Settings sheet is the full one's (only the history is shorter)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(init, "example_tables", light_tables)
        example = init.write_plan(tmp_path / "example.xlsx", example=True, locale="zh-CN")
    assert settings_rows(example)["StageWeights"][1][0] == "新品=0.15,成长=0.2,成熟=0.55,长尾=0.1"


# -- choices in either language ----------------------------------------------------------
def test_a_chinese_plan_reads_its_chinese_choices_as_the_english_settings(plans, tmp_path):
    path = typed(plans["zh-CN"], tmp_path / "zh.xlsx", PeriodStart=dt.datetime(2026, 7, 6))
    settings, problems = read_settings(path)
    assert problems == []
    assert [settings[n] for n in LISTS["en"]] == [
        "last_period",
        "none",
        "weeks",
        "retroactive",
        "zh-CN",
    ]
    assert plan_locale(FileBook(path)) == "zh-CN"


@pytest.mark.parametrize(
    "name, typed_value, meant",
    [
        ("Baseline", "去年同期", "same_period_last_year"),
        ("Baseline", "近三期均值", "trailing_mean"),
        ("Baseline", "Same_Period_Last_Year", "same_period_last_year"),  # case is ignored
        ("Trend", "近期趋势", "trailing"),
        ("Trend", "无", "none"),
        ("PhaseBy", "按季度", "quarters"),
        ("PhaseBy", "季度", "quarters"),
        ("PhaseBy", "Quarters", "quarters"),
        ("PhaseBy", "周", "weeks"),
        ("CommissionMode", "超额分段", "marginal"),
        ("CommissionMode", "超额累进", "marginal"),
        ("CommissionMode", "全额累进", "retroactive"),
        ("Locale", "英文", "en"),
        ("Locale", "English", "en"),
        ("Locale", "简体中文", "zh-CN"),
        ("Locale", "中文", "zh-CN"),
    ],
)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_choice_is_read_in_either_language_in_a_plan_of_either(
    plans, tmp_path, locale, name, typed_value, meant
):
    path = typed(
        plans[locale], tmp_path / "p.xlsx", PeriodStart="2026-07-06", **{name: typed_value}
    )
    settings, problems = read_settings(path)
    assert problems == [] and settings[name] == meant


def test_an_english_plan_switched_to_chinese_reads_in_chinese(plans, tmp_path):
    path = typed(plans["en"], tmp_path / "p.xlsx", PeriodStart="2026-07-06", Locale="中文")
    assert plan_locale(FileBook(path)) == "zh-CN"


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unknown_choice_is_a_problem_at_its_settings_cell_in_both_languages(
    plans, tmp_path, locale
):
    path = typed(plans[locale], tmp_path / "p.xlsx", PeriodStart="2026-07-06", Baseline="去年同其")
    _, problems = read_settings(path)
    row = settings_rows(path)["Baseline"][0]
    assert row == 6  # PeriodStart, PeriodWeeks, Unit, RoundTo, then Baseline below the header
    assert [(p.sheet, p.cell) for p in problems] == [("Settings", "B6")]
    assert english(problems[0]) == (
        'Settings!B6: Baseline "去年同其" is not one of last_period, same_period_last_year, '
        "trailing_mean (or in Chinese 上期、去年同期、近三期均值) "
        '(did you mean "去年同期"?) — pick one from the cell\'s list'
    )
    assert problem_text(problems[0], "zh-CN") == (
        "Settings!B6: Baseline“去年同其”不是可选值之一：上期、去年同期、近三期均值"
        "（或英文 last_period, same_period_last_year, trailing_mean）"
        "（您是否想填“去年同期”？） — 请从单元格的下拉列表中选择"
    )


def test_an_unknown_locale_is_named_with_its_choices_and_the_plan_speaks_the_default(
    plans, tmp_path
):
    path = typed(plans["en"], tmp_path / "p.xlsx", PeriodStart="2026-07-06", Locale="Englsh")
    _, problems = read_settings(path)
    row = settings_rows(path)["Locale"][0]
    assert [english(p) for p in problems] == [
        f'Settings!B{row}: Locale "Englsh" is not one of zh-CN, en (or in Chinese 中文、英文) '
        "— pick one from the cell's list"
    ]
    assert plan_locale(FileBook(path)) == "zh-CN"


# -- the Description is the user's -------------------------------------------------------
def test_a_plan_without_a_description_column_reads_the_same(plans, tmp_path):
    path = typed(plans["en"], tmp_path / "p.xlsx", PeriodStart="2026-07-06", Buffer="4%")
    before, _ = read_settings(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    table = ws.tables["tblSettings"]
    ws.delete_cols(3)
    table.ref = table.autoFilter.ref = f"A1:B{len(SPECS)}"
    del table.tableColumns[2]
    wb.save(tmp_path / "two.xlsx")
    after, problems = read_settings(tmp_path / "two.xlsx")
    assert problems == []
    assert after.values == before.values and after["Buffer"] == Decimal("0.04")


def test_a_description_a_user_rewrote_is_never_read(plans, tmp_path):
    path = typed(plans["en"], tmp_path / "p.xlsx", PeriodStart="2026-07-06")
    before, _ = read_settings(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for r in range(2, len(SPECS) + 1):
        ws[f"C{r}"] = "=1/0" if r % 2 else "our own note: 0.3"
    wb.save(tmp_path / "noted.xlsx")
    after, problems = read_settings(tmp_path / "noted.xlsx")
    assert problems == [] and after.values == before.values


# -- the Readme sheet ----------------------------------------------------------------------
def readme_rows(path: Path, locale: str) -> list[list]:
    ws = openpyxl.load_workbook(path)[README[locale]]
    return [[c.value for c in row] for row in ws.iter_rows()]


def settings_on_readme(path: Path, locale: str) -> dict[str, list]:
    """Setting -> [default, example, meaning] from the Readme's settings section."""
    rows = readme_rows(path, locale)
    start = next(i for i, r in enumerate(rows) if r[0] == "PeriodStart")
    out = {}
    for r in rows[start:]:
        if r[0] not in SPECS:
            break
        out[r[0]] = [r[1], r[2], r[4]]
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_the_readme_lists_every_setting_with_its_meaning_default_and_example(plans, locale):
    on_readme = settings_on_readme(plans[locale], locale)
    assert list(on_readme) == list(SPECS)  # every one, Version too, in the order of SPEC §1.1
    assert all(all(parts) for parts in on_readme.values())
    # the meaning is the Settings sheet's Description, word for word
    for name, (_, (_, text)) in settings_rows(plans[locale]).items():
        assert on_readme[name][2] == text, name
    blank = {"en": "(blank)", "zh-CN": "（留空）"}[locale]
    assert on_readme["PeriodStart"][0] == {"en": "(required)", "zh-CN": "（必填）"}[locale]
    assert [on_readme[n][0] for n in ("TeamTarget", "CommissionCap", "AvgDealSize")] == [blank] * 3
    assert on_readme["Buffer"][0] == "0.05" and on_readme["RegionBlend"][0] == "0.5,0.3,0.2"
    assert on_readme["Baseline"][0] == LISTS[locale]["Baseline"][0]
    assert on_readme["Baseline"][1] == LISTS[locale]["Baseline"][1]  # same_period_last_year
    assert on_readme["Version"][0] == "1"
    assert on_readme["MarketGrowth"][0] == "0" and on_readme["CapabilityMid"][0] == "1"
    assert on_readme["PhaseBy"][:2] == LISTS[locale]["PhaseBy"]  # weeks; the example quarters
    phase_by = on_readme["PhaseBy"][2]
    if locale == "en":
        assert "year, each quarter and its months" in phase_by and "52 or 53 weeks" in phase_by
    else:
        assert "全年、各季度及其各月" in phase_by and "52 或 53 周" in phase_by


@pytest.mark.parametrize("locale", LOCALES)
def test_every_example_on_the_readme_is_read_as_a_valid_value(plans, locale, tmp_path):
    examples = {n: parts[1] for n, parts in settings_on_readme(plans[locale], locale).items()}
    examples.pop("Version")  # kept by salesplan, not typed (and not a row of a new plan)
    path = typed(plans[locale], tmp_path / "p.xlsx", **examples)
    settings, problems = read_settings(path)
    assert problems == []
    assert settings["PeriodStart"] == dt.date(2026, 7, 6)
    assert settings["MarketGrowth"] == Decimal("0.08") and settings["TeamTarget"] == 12_000_000
    assert settings["Baseline"] == "same_period_last_year" and settings["Locale"] == "en"
    assert settings["PhaseBy"] == "quarters"
    assert settings["RegionBlend"] == (Decimal("0.6"), Decimal("0.2"), Decimal("0.2"))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_readme_says_what_each_level_changes_and_what_margin_does(plans, locale):
    rows = readme_rows(plans[locale], locale)
    named = {"en": ("senior", "standard", "new"), "zh-CN": ("资深", "标准", "新人")}[locale]
    levels = {r[0]: r[4] for r in rows if r[0] in named}
    assert list(levels) == list(named)
    levels = dict(zip(("senior", "standard", "new"), levels.values(), strict=True))
    assert "CapabilityTop" in levels["senior"] and "CapabilityMid" in levels["senior"]
    assert "NewRepTargetPct" in levels["new"] and "NewRepFloorPct" in levels["new"]
    assert "RampProfile" in levels["new"]
    assert "CapabilityTopShare" in levels["standard"]
    text = "\n".join(str(c) for r in rows for c in r if c)
    if locale == "en":
        assert "every rep, region, product and the team also gets a gross-profit target" in text
        assert "The Description column is yours to edit" in text
        assert "去年同期 = same_period_last_year" in text
    else:
        assert "每位销售、区域、产品线和团队都另有毛利目标" in text
        assert "“说明”列供您自由编辑" in text


def test_every_setting_is_described_in_the_catalogue_in_both_languages():
    words = catalogue()
    for name in SPECS:
        assert words["en"][f"setting_{name}"] and words["zh-CN"][f"setting_{name}"], name
