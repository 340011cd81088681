"""How the headline numbers came about, in the plan's language and Unit (SPEC §2, §15).

`去年同期（2025-01-05 至 2025-04-05）89.92 × (1+15%) × (1−3%) = 84.60 → 84.60 万元`: every
factor that moved the team target is written out, the rounding last, so a director can redo
the sum on paper. The table on the Targets sheet and the decompose summary both read it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from engine.decomposition import Decomposition
from engine.settings import Settings
from engine.targets import Derivation
from xl_addin.messages import say
from xl_addin.sheets import units
from xl_addin.sheets.units import unit_name


def word(key: str, locale: str, **fields) -> str:
    """A part of a derivation from the message catalogue (`how_…` in templates/messages.toml)."""
    return say(f"how_{key}", locale, **fields)


def amount(yuan, unit: int) -> str:
    """An amount of a derivation: whole yuan as 1,234,567; in 万元 to two decimals, 123.46."""
    return units.amount(yuan, unit, 0 if units.known(unit) == units.YUAN else 2)


def percent(fraction: Decimal) -> str:
    text = f"{Decimal(fraction) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _day(settings: Settings, week: int) -> dt.date:
    return (pd.Timestamp(settings.period_start) + pd.Timedelta(weeks=week)).date()


def baseline_text(d: Derivation, settings: Settings) -> str:
    """`去年同期（2025-01-06 至 2025-04-06，13 周）`: the method and the weeks it sums."""
    loc, b = settings.locale, d.baseline
    lo, hi = b.window
    first, last = _day(settings, lo), _day(settings, hi) + dt.timedelta(days=6)
    weeks = word("weeks", loc, n=hi - lo + 1)
    sep = ", " if loc == "en" else "，"
    span = f"{first:%Y-%m-%d} {word('to', loc)} {last:%Y-%m-%d}{sep}{weeks}"
    method = word(b.method, loc)
    return f"{method} ({span})" if loc == "en" else f"{method}（{span}）"


def trend_text(d: Derivation, settings: Settings) -> str:
    b, unit = d.baseline, int(settings["Unit"])
    recent, before = (amount(Decimal(c) / 100, unit) for c in b.trend_cents)
    return word(
        "trend_how", settings.locale, n=settings.weeks, recent=recent, before=before,
        factor=f"{b.trend:.4f}",
    )  # fmt: skip


def target_text(d: Derivation, settings: Settings) -> str:
    """`单位万元：上期（…）89.92 × (1+15%) × (1−3%) = 100.30 → 100.30（取整到 0.10）`; in
    yuan the unit follows the result instead: `… = 1,002,845.60 → 1,003,000 元（取整到 1,000）`."""
    loc, unit = settings.locale, int(settings["Unit"])
    b = d.baseline
    space = " " if loc == "en" else ""  # 上期（…）899,213: no space after a full-width bracket
    parts = [f"{baseline_text(d, settings)}{space}{amount(Decimal(b.cents) / 100, unit)}"]
    if b.trend is not None:
        parts.append(f"{word('trend', loc)} {b.trend:.4f}")
    if d.growth:
        sign = "+" if d.growth > 0 else "−"
        parts.append(f"(1{sign}{percent(abs(d.growth))})")
    if d.buffer:
        parts.append(f"(1−{percent(d.buffer)})")
    exact = (d.exact / unit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # as ROUND does
    text = " × ".join(parts) + f" = {exact:,}"
    if unit != 1:
        text = word("in_unit", loc, unit=unit_name(unit, loc)) + text
    if d.given:
        return word("given", loc, computed=text)
    result = amount(d.target, unit) if unit != 1 else units.spoken(d.target, unit, loc)
    rounded = word("rounded", loc, round_to=amount(d.round_to, unit))
    return f"{text} → {result}" + (f" ({rounded})" if loc == "en" else f"（{rounded}）")


def team_rows(result: Decomposition, settings: Settings) -> pd.DataFrame:
    """tblTeamTarget: each headline number, its value in yuan, and how it was reached."""
    loc, unit = settings.locale, int(settings["Unit"])
    team, d = result.team, result.team["derivation"]
    b = d.baseline
    trend = "" if b.trend is None else word("capacity_trend", loc, factor=f"{b.trend:.4f}")
    rows = [(word("baseline", loc), b.cents / 100, baseline_text(d, settings))]
    if b.trend is not None:
        rows.append((word("trend", loc), None, trend_text(d, settings)))
    how = target_text(d, settings)
    if team["unallocated"]:
        how += "; " + word("unallocated", loc, amount=amount(team["unallocated"], unit))
    rows.append((word("team_target", loc), team["target"], how))
    floor = word(
        "floor_tier",
        loc,
        pct=percent(settings["FloorPct"]),
        new=percent(settings["NewRepFloorPct"]),
    )
    rows.append((word("team_floor", loc), team["floor"], floor))
    challenge = word(
        "tier", loc, tier=word("challenge", loc), pct=percent(settings["ChallengePct"])
    )
    rows.append((word("team_challenge", loc), team["challenge"], challenge))
    rows.append(
        (word("capacity", loc), round(team["capacity"]), word("capacity_how", loc, trend=trend))
    )
    gap = int(result.regions["gap"].sum())
    rows.append((word("gap", loc), gap, word("gap_how", loc, weeks=settings.weeks)))
    if "gross_profit" in team:  # the plan has a Margin (engine/margin.py)
        gp = team["gross_profit"]
        rate = percent(Decimal(gp) / team["target"]) if team["target"] else "—"
        rows.append((word("team_gross_profit", loc), gp, word("gross_profit_how", loc, rate=rate)))
    return pd.DataFrame(rows, columns=["item", "value", "how"])
