"""The choice columns of the input tables (Level, Territory, Stage, Tier) and the StageWeights
setting, typed in English or Chinese: both read to the same plan, and a Chinese plan shows
them in Chinese (SPEC §1, §15)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from engine import decompose
from tests.examples import example_plan
from tests.workbook.test_reader import (  # noqa: F401 (example_workbook: a fixture)
    decompose_rejects,
    editing,
    example_workbook,
    read_workbook,
)
from xl_addin.cli import main
from xl_addin.sheets.units import without_unit
from xl_addin.workbook.filebook import FileBook

# The Chinese name of each English value, as a Chinese planner types it (by hand, not from
# the code's table).
LEVEL_ZH = {"senior": "资深", "standard": "标准", "new": "新人"}
TERRITORY_ZH = {"core": "核心", "standard": "标准", "suburb": "郊区"}
STAGE_ZH = {"new": "新品", "growth": "成长", "mature": "成熟", "longtail": "长尾"}
TIER_ZH = {"floor": "保底", "target": "目标", "challenge": "挑战"}


@pytest.fixture
def en_plan(example_workbook, tmp_path) -> Path:  # noqa: F811
    """The English example (short history), a copy each test may edit."""
    path = tmp_path / "plan.xlsx"
    shutil.copyfile(example_workbook, path)
    return path


def test_chinese_and_english_choices_read_to_the_same_plan(en_plan, tmp_path):
    english = read_workbook(en_plan)
    chinese = tmp_path / "chinese.xlsx"
    shutil.copyfile(en_plan, chinese)
    with editing(chinese) as b:
        for column, words in (("Level", LEVEL_ZH), ("Territory", TERRITORY_ZH)):
            b.set_column("tblReps", column, [words[v] for v in b.column("tblReps", column)])
        b.set_column(
            "tblProducts", "Stage", [STAGE_ZH[v] for v in b.column("tblProducts", "Stage")]
        )
        b.set_column(
            "tblCommission", "Tier", [TIER_ZH[v] for v in b.column("tblCommission", "Tier")]
        )
        b.setting("StageWeights", "新品=0.15，成长=0.2，成熟=0.55，长尾=0.1")  # full-width commas
    read = read_workbook(chinese)
    for table, column in (
        ("reps", "level"),
        ("reps", "territory"),
        ("products", "stage"),
        ("commission", "tier"),
    ):
        assert getattr(read, table)[column].tolist() == getattr(english, table)[column].tolist()
    assert (
        read.settings["StageWeights"]
        == english.settings["StageWeights"]
        == {
            "new": Decimal("0.15"),
            "growth": Decimal("0.2"),
            "mature": Decimal("0.55"),
            "longtail": Decimal("0.1"),
        }
    )
    pd.testing.assert_frame_equal(decompose(read).targets, decompose(english).targets)


def test_synonyms_and_any_case_are_read(en_plan):
    with editing(en_plan) as b:
        b.set("tblReps", "Level", "S001", "高级")  # senior
        b.set("tblReps", "Level", "S002", "SENIOR")
        b.set("tblReps", "Level", "S003", "新员工")  # new
        b.set("tblReps", "Territory", "S001", " Suburb ")
        b.set("tblProducts", "Stage", "Office Supplies", "Long Tail")
        b.set("tblCommission", "Tier", "challenge", "挑战档")
    plan = read_workbook(en_plan)
    reps = plan.reps.set_index("rep_id")
    assert reps.loc[["S001", "S002", "S003"], "level"].tolist() == ["senior", "senior", "new"]
    assert reps.at["S001", "territory"] == "suburb"
    assert plan.products.set_index("product").at["Office Supplies", "stage"] == "longtail"
    assert plan.commission["tier"].tolist() == ["floor", "target", "challenge"]


def test_an_unknown_choice_is_told_at_its_cell_with_both_languages(en_plan, capsys):
    with editing(en_plan) as b:
        b.set("tblProducts", "Stage", "Office Supplies", "长尾巴")  # row 6
        b.set("tblReps", "Territory", "S002", "downtown")  # row 3
    assert sorted(decompose_rejects(en_plan, capsys)) == [
        'Products!B6: Stage "长尾巴" is not one of new, growth, mature, longtail '
        '(or in Chinese 新品、成长、成熟、长尾) (did you mean "长尾"?) — pick a value from the list',
        'Reps!F3: Territory "downtown" is not one of core, standard, suburb '
        "(or in Chinese 核心、标准、郊区) — pick a value from the list",
    ]


def test_an_unknown_choice_is_told_in_chinese_in_a_chinese_plan(en_plan, capsys):
    with editing(en_plan) as b:
        b.setting("Locale", "中文")
        b.set("tblReps", "Level", "S001", "资身")  # row 2
        b.set("tblCommission", "Tier", "target", "目彪")  # row 3
    before = en_plan.read_bytes()
    assert main(["decompose", str(en_plan)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and en_plan.read_bytes() == before
    assert sorted(err.splitlines()[1:]) == [
        "Rates!A3: Tier“目彪”不是可选值之一：保底、目标、挑战（或英文 floor, target, challenge） — "
        "请从列表中选择一个值",
        "Reps!E2: Level“资身”不是可选值之一：资深、标准、新人（或英文 senior, standard, new） — "
        "请从列表中选择一个值",
    ]


def test_stage_weights_take_chinese_stages_and_name_them_when_wrong(en_plan, capsys):
    with editing(en_plan) as b:
        b.setting("StageWeights", "成熟=0.6, longtail=0.1, 新品=0.2, Growth=0.1")
    assert read_workbook(en_plan).settings["StageWeights"] == {
        "mature": Decimal("0.6"),
        "longtail": Decimal("0.1"),
        "new": Decimal("0.2"),
        "growth": Decimal("0.1"),
    }
    with editing(en_plan) as b:
        b.setting("StageWeights", "成熟=0.6,旧品=0.4")
        row = b.row("tblSettings", "StageWeights")
    assert decompose_rejects(en_plan, capsys) == [
        f'Settings!B{row}: StageWeights "成熟=0.6,旧品=0.4" is not like '
        "new=0.3,mature=0.6,longtail=0.1 — use stage=weight pairs, the stages being "
        "new, growth, mature, longtail (or in Chinese 新品、成长、成熟、长尾)"
    ]


def test_a_stage_without_a_share_is_named_in_the_plans_language(en_plan, capsys):
    with editing(en_plan) as b:
        b.setting("StageWeights", "new=0.3,mature=0.6,longtail=0.1")  # no growth
    english = decompose_rejects(en_plan, capsys)
    assert english == [
        "Products!B4: Cloud Services is a growth product but StageWeights gives growth no "
        "share — add growth=… to StageWeights or give the product a Weight"
    ]
    with editing(en_plan) as b:
        b.setting("Locale", "zh-CN")
    assert main(["decompose", str(en_plan)]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "Products!B4: Cloud Services 属于“成长”阶段，但 StageWeights 未给“成长”任何份额 — "
        "请在 StageWeights 中加上 成长=…，或为该产品线填写 Weight"
    ]


# -- the example company in both languages ----------------------------------------------------
def sheet_table(path: Path, name: str) -> dict[str, dict]:
    """A table as written: RepID -> the row, by header without its unit."""
    book = FileBook(path)
    try:
        table = book.table(name)
    finally:
        book.close()
    headers = [without_unit(h) for h in table.headers]
    return {r[0]: dict(zip(headers, r, strict=True)) for r in table.rows}


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> dict[str, Path]:
    """`init --example` in each locale, decomposed and tracked."""
    out = {}
    for locale in ("en", "zh-CN"):
        path = tmp_path_factory.mktemp(f"choices-{locale}") / "plan.xlsx"
        example_plan(path, locale, "decompose", "track")
        out[locale] = path
    return out


def test_a_chinese_example_shows_level_and_territory_in_chinese(examples):
    zh = sheet_table(examples["zh-CN"], "tblTargets")
    en = sheet_table(examples["en"], "tblTargets")
    # S001 is a senior rep in a core territory, S005 a new one in a standard territory
    assert (zh["S001"]["职级"], zh["S001"]["片区类型"]) == ("资深", "核心")
    assert (zh["S005"]["职级"], zh["S005"]["片区类型"]) == ("新人", "标准")
    assert (en["S001"]["Level"], en["S001"]["Territory"]) == ("senior", "core")
    assert {r["职级"] for r in zh.values()} == {"资深", "标准", "新人"}
    assert {r["片区类型"] for r in zh.values()} == {"核心", "标准", "郊区"}


def test_the_example_has_the_same_numbers_in_both_languages(examples):
    zh = sheet_table(examples["zh-CN"], "tblTargets")
    en = sheet_table(examples["en"], "tblTargets")
    assert list(zh) == list(en) == [f"S{i:03d}" for i in range(1, 25)]
    same = {"保底": "Floor", "目标": "Target", "挑战": "Challenge", "能力系数": "Capability"}
    same |= {"资源系数": "Resource"}
    for rep in en:
        assert {e: zh[rep][z] for z, e in same.items()} == {e: en[rep][e] for e in same.values()}
    assert sum(r["Target"] for r in en.values()) > 0
    # the tiers were read from 保底/目标/挑战: the same rates, so the same commission at the
    # next tier for every rep
    zh_pay = sheet_table(examples["zh-CN"], "tblCommissionEarned")
    en_pay = sheet_table(examples["en"], "tblCommissionEarned")
    assert {r: zh_pay[r]["下一档提成"] for r in zh_pay} == {
        r: en_pay[r]["CommissionAtNextTier"] for r in en_pay
    }
    assert all(r["CommissionAtNextTier"] > 0 for r in en_pay.values())
