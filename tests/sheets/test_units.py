"""One unit everywhere (SPEC §15): headers name the Unit, cells show it, sentences carry it."""

import pytest

from engine import decompose
from engine.settings import Settings
from tests import builders as b
from xl_addin.sheets.outputs import describe
from xl_addin.sheets.units import amount, money_format, spoken, with_unit, without_unit


@pytest.mark.parametrize(
    ("unit", "locale", "header"),
    [
        (1, "en", "Target (CNY)"),
        (10000, "en", "Target (10k CNY)"),
        (1, "zh-CN", "目标（元）"),
        (10000, "zh-CN", "目标（万元）"),
        (1000, "zh-CN", "目标（千元）"),
    ],
)
def test_a_header_names_its_unit_and_is_found_again_without_it(unit, locale, header):
    text = {"en": "Target", "zh-CN": "目标"}[locale]
    assert with_unit(text, unit, locale) == header
    assert without_unit(header) == text


@pytest.mark.parametrize(
    ("yuan", "unit", "locale", "said"),
    [
        # 1,529,000 / 10,000 = 152.9; 127,450 / 10,000 = 12.745 → 12.7 (one decimal, as cells)
        (1_529_000, 10000, "zh-CN", "152.9万元"),
        (127_450, 10000, "zh-CN", "12.7万元"),
        (127_425, 10000, "zh-CN", "12.7万元"),
        (127_500, 10000, "zh-CN", "12.8万元"),  # 12.75: half away from zero, as Excel shows it
        (1_529_000, 10000, "en", "152.9 × 10k CNY"),
        (12_836_000, 10000, "en", "1,283.6 × 10k CNY"),
        (1_529_000, 1, "en", "1,529,000 CNY"),
        (1_529_000, 1, "zh-CN", "1,529,000元"),
        (1_529_000, 1000, "zh-CN", "1,529千元"),
        (1_529_600, 1000, "en", "1,530 thousand CNY"),
    ],
)
def test_a_sentence_carries_the_amount_as_the_cells_show_it(yuan, unit, locale, said):
    assert spoken(yuan, unit, locale) == said


def test_a_derivation_keeps_two_decimals_of_the_unit():
    assert amount(28_748_913, 10000, 2) == "2,874.89"  # 28,748,913 / 10,000 = 2,874.8913


def test_the_amount_columns_of_the_output_sheets_name_the_unit_and_show_it():
    d = decompose(b.plan(b.reps(3)))
    for locale, name in (("zh-CN", "万元"), ("en", "10k CNY")):
        sheets = describe(d, Settings({**b.settings().values, "Unit": 10000, "Locale": locale}))
        by_key = {s.key: s for s in sheets}
        targets = {c.key: c for c in by_key["Targets"].blocks[0].columns}
        for key in ("floor", "target", "challenge", "history_rate"):
            assert targets[key].header.endswith(
                f" ({name})" if locale == "en" else f"（{name}）"
            ), targets[key]
            assert targets[key].fmt == money_format(10000) == "0\\.0,"
        assert targets["rep_id"].header in ("RepID", "销售编号")  # no unit on text
        recon = {c.key: c for c in by_key["Reconciliation"].blocks[0].columns}
        assert recon["expected"].fmt == "0\\.0,"
        # a difference of 1 yuan would read "0.0" in 万元; it stays in whole yuan, and says so
        assert recon["difference"].fmt == "#,##0"
        assert recon["difference"].header.endswith("(CNY)" if locale == "en" else "（元）")
        phasing = by_key["Phasing"].blocks[0]
        assert phasing.title.endswith(f" ({name})" if locale == "en" else f"（{name}）")
        assert {c.header for c in phasing.columns} >= {"W1", "W13"}
