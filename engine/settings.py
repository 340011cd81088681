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
    # how an annual plan's letter splits the target: by weeks, or year → quarter → month
    "PhaseBy": ("choice:weeks,quarters", "weeks"),
    # whose working days weight the weeks: a country code (CN), or none; blank: CN in a
    # Chinese plan, none in an English one (`Settings.holidays`)
    "Holidays": ("country", None),
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
    # the gross-margin rate (gross profit ÷ target) below which a rep's product mix is flagged
    "MarginFloor": ("fraction", None),
    "Locale": ("choice:" + ",".join(LOCALES), LOCALES[0]),
    "Version": ("int", 1),
    # which plan an issued workbook belongs to; written by `init` (or the first `issue`) and
    # kept by salesplan, like Version: `collect` refuses a workbook of another plan
    "PlanID": ("text", None),
}


# Holidays as the reader keeps a plan's "none" (in any of its words): every week alike
HOLIDAYS_NONE = "none"

# The word a Chinese plan writes for each choice (`init`, the Settings sheet's lists): each
# means its English value, and either is accepted in a plan of any Locale.
CHOICE_WORDS_ZH = {
    "Baseline": {
        "last_period": "上期",
        "same_period_last_year": "去年同期",
        "trailing_mean": "近三期均值",
    },
    "Trend": {"none": "无", "trailing": "近期趋势"},
    "PhaseBy": {"weeks": "按周", "quarters": "按季度"},
    "CommissionMode": {"retroactive": "全额累进", "marginal": "超额分段"},
    "Locale": {"zh-CN": "中文", "en": "英文"},
}

# The other names people type for a choice, each meaning its English value.
OTHER_NAMES = {
    "Trend": {"不考虑": "none", "趋势": "trailing"},
    "PhaseBy": {
        "周": "weeks",
        "每周": "weeks",
        "季度": "quarters",
        "按季": "quarters",
        "季": "quarters",
    },
    "CommissionMode": {
        "追溯": "retroactive",
        "全额": "retroactive",
        "分段": "marginal",
        "超额累进": "marginal",
    },
    "Locale": {
        "简体中文": "zh-CN",
        "Chinese": "zh-CN",
        "zh": "zh-CN",
        "English": "en",
        "英语": "en",
    },
}

# The choice columns of the input tables (SPEC §1), by their English header: each English
# value, in order, and the word a Chinese plan writes for it. Either language is read, and
# the engine sees the English value; the StageWeights setting names the stages the same way.
COLUMN_WORDS_ZH = {
    "Level": {"senior": "资深", "standard": "标准", "new": "新人"},
    "Territory": {"core": "核心", "standard": "标准", "suburb": "郊区"},
    "Stage": {"new": "新品", "growth": "成长", "mature": "成熟", "longtail": "长尾"},
    "Tier": {"floor": "保底", "target": "目标", "challenge": "挑战"},
}

# The other names people type for a column's choice, each meaning its English value.
COLUMN_OTHER_NAMES = {
    "Level": {"高级": "senior", "普通": "standard", "新员工": "new", "新手": "new"},
    "Territory": {"核心区": "core", "标准区": "standard", "普通": "standard", "郊县": "suburb"},
    "Stage": {
        "新产品": "new",
        "成长期": "growth",
        "成熟期": "mature",
        "长尾期": "longtail",
        "long tail": "longtail",
        "long_tail": "longtail",
        "long-tail": "longtail",
    },
    "Tier": {"保底档": "floor", "目标档": "target", "挑战档": "challenge"},
}

# Every name a plan may type for a choice besides its English value (SPEC §1.1), matched
# ignoring case.
CHOICE_NAMES = {
    name: {word: value for value, word in words.items()}
    | (OTHER_NAMES | COLUMN_OTHER_NAMES).get(name, {})
    for name, words in (CHOICE_WORDS_ZH | COLUMN_WORDS_ZH).items()
}


def choices(name: str) -> tuple[str, ...]:
    """The English values of a choice setting, in SPECS order, or of a choice column:
    `choices("Trend")` is ("none", "trailing"), `choices("Level")` ("senior", "standard", "new")."""
    if name in COLUMN_WORDS_ZH:
        return tuple(COLUMN_WORDS_ZH[name])
    kind = SPECS[name][0]
    return tuple(kind.split(":", 1)[1].split(",")) if kind.startswith("choice:") else ()


def choice_word(name: str, value: str, locale: str) -> str:
    """A choice as a plan of `locale` writes it: 去年同期 in a Chinese plan,
    same_period_last_year in an English one (a column's too: 资深 for senior)."""
    words = (CHOICE_WORDS_ZH | COLUMN_WORDS_ZH).get(name, {})
    return value if locale == "en" else words.get(value, value)


def choice_value(name: str, typed: str) -> str | None:
    """The English value a typed choice means, in either language, or None."""
    typed = str(typed).strip().casefold()
    names = {k.casefold(): v for k, v in CHOICE_NAMES.get(name, {}).items()}
    options = {o.casefold(): o for o in choices(name)}
    return options.get(names.get(typed, typed).casefold())


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

    @property
    def holidays(self) -> str | None:
        """The country whose working days weight the weeks, or None: every week alike."""
        typed = self.values.get("Holidays")
        if typed is None:
            return "CN" if self.locale == "zh-CN" else None
        return None if typed == HOLIDAYS_NONE else typed

    def where(self, name: str) -> tuple[str, str]:
        return self.cells.get(name, ("Settings", ""))

    def with_values(self, **changes) -> Settings:
        return Settings({**self.values, **changes}, self.cells)
