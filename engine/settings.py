"""The settings of SPEC §1.1: names, kinds and defaults, and the typed Settings record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# The languages of every workbook, message and mail; the first is the default.
LOCALES = ("zh-CN", "en")

# kinds: date, int, amount, fraction (30 means 30 %), ratio (a plain number, 1.15),
# choice, text, ratios ("0.5,0.3,0.2"), stage_weights ("new=0.3,mature=0.6")
SPECS: dict[str, tuple[str, object]] = {
    "PeriodStart": ("date", None),
    "PeriodWeeks": ("int", 13),
    "Unit": ("int", 1),
    "RoundTo": ("int", 1000),
    "Baseline": ("choice:last_period,same_period_last_year,trailing_mean", "last_period"),
    "Trend": ("choice:none,trailing", "none"),
    "ShareWindow": ("int", None),
    "MarketGrowth": ("fraction", Decimal("0")),
    "Buffer": ("fraction", Decimal("0.05")),
    "TeamTarget": ("amount", None),
    "FloorPct": ("fraction", Decimal("0.9")),
    "ChallengePct": ("ratio", Decimal("1.15")),
    "NewRepTargetPct": ("fraction", Decimal("0.55")),
    "NewRepFloorPct": ("fraction", Decimal("0.75")),
    "RampProfile": ("ratios", None),
    "CapabilityTopShare": ("fraction", Decimal("0.2")),
    "CapabilityBottomShare": ("fraction", Decimal("0.2")),
    "CapabilityTop": ("ratio", Decimal("1.2")),
    "CapabilityMid": ("ratio", Decimal("1.0")),
    "CapabilityBottom": ("ratio", Decimal("0.8")),
    "ResourceCore": ("ratio", Decimal("1.1")),
    "ResourceStandard": ("ratio", Decimal("1.0")),
    "ResourceSuburb": ("ratio", Decimal("0.9")),
    "RegionBlend": ("ratios", (Decimal("0.5"), Decimal("0.3"), Decimal("0.2"))),
    "StageWeights": (
        "stage_weights",
        {
            "new": Decimal("0.2"),
            "growth": Decimal("0.25"),
            "mature": Decimal("0.45"),
            "longtail": Decimal("0.1"),
        },
    ),
    "CommissionMode": ("choice:retroactive,marginal", "retroactive"),
    "PoolThreshold": ("ratio", Decimal("1.2")),
    "PoolRate": ("fraction", Decimal("0.05")),
    "CommissionCap": ("amount", None),
    "RedBelow": ("fraction", Decimal("0.8")),
    "FlexReserve": ("fraction", Decimal("0.15")),
    "RecalibrationCap": ("fraction", Decimal("0.2")),
    "AvgDealSize": ("amount", None),
    "Locale": ("choice:" + ",".join(LOCALES), LOCALES[0]),
    "Version": ("int", 1),
}


# The choices as a Chinese plan may type them (SPEC §1.1): each means its English value.
CHOICE_NAMES = {
    "Baseline": {
        "上期": "last_period",
        "去年同期": "same_period_last_year",
        "近三期均值": "trailing_mean",
    },
    "Trend": {"无": "none", "不考虑": "none", "近期趋势": "trailing", "趋势": "trailing"},
    "CommissionMode": {
        "追溯": "retroactive",
        "全额": "retroactive",
        "分段": "marginal",
        "超额累进": "marginal",
    },
}


@dataclass(frozen=True)
class Settings:
    """Typed settings; `values` holds the settings typed, the rest come from SPECS defaults.

    `cells` says where each was typed (name -> (sheet, cell)), so the engine's problems
    about a setting can point at it.
    """

    values: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)

    def __getitem__(self, name: str):
        if name in self.values:
            return self.values[name]
        return SPECS[name][1]

    @property
    def period_start(self) -> dt.date:
        return self["PeriodStart"]

    @property
    def weeks(self) -> int:
        return int(self["PeriodWeeks"])

    @property
    def round_to(self) -> int:
        return int(self["RoundTo"])

    @property
    def locale(self) -> str:
        return self["Locale"]

    def where(self, name: str) -> tuple[str, str]:
        return self.cells.get(name, ("Settings", ""))

    def with_values(self, **changes) -> Settings:
        return Settings({**self.values, **changes}, self.cells)
