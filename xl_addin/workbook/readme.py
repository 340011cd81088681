"""The Readme sheet `init` writes, in the plan's language: every input table and column,
every setting with its meaning, default and an example, what a rep's Level changes.

A setting's meaning is the catalogue's `setting_<Name>`, which `init` also writes into the
setting's Description cell on the Settings sheet, so the two always say the same.
"""

from __future__ import annotations

import xlsxwriter

from engine.settings import SPECS, choice_word, choices
from xl_addin.messages import say
from xl_addin.sheets.labels import label
from xl_addin.workbook.columns import LEVELS, TABLES, header
from xl_addin.workbook.rowfit import row_height

# Readme columns: table / setting, sheet / default, column / example, required, meaning
WIDTHS = (24, 20, 30, 10, 80)

# An example value of each setting, as a person would type it (a choice: its English
# value, shown in the plan's language); each is a valid value other than the default.
EXAMPLES: dict[str, str] = {
    "PeriodStart": "2026-07-06",
    "PeriodWeeks": "26",
    "Unit": "10000",
    "RoundTo": "5000",
    "Baseline": "same_period_last_year",
    "Trend": "trailing",
    "ShareWindow": "26",
    "PhaseBy": "quarters",
    "Holidays": "HK",
    "MarketGrowth": "8%",
    "Buffer": "3%",
    "TeamTarget": "1200万",
    "FloorPct": "85%",
    "ChallengePct": "1.2",
    "NewRepTargetPct": "60%",
    "NewRepFloorPct": "70%",
    "RampProfile": "0.5,0.8,1",
    "CapabilityTopShare": "25%",
    "CapabilityBottomShare": "10%",
    "CapabilityTop": "1.3",
    "CapabilityMid": "1",
    "CapabilityBottom": "0.7",
    "ResourceCore": "1.2",
    "ResourceStandard": "1",
    "ResourceSuburb": "0.85",
    "RegionBlend": "0.6,0.2,0.2",
    "StageWeights": "new=0.15,growth=0.2,mature=0.55,longtail=0.1",
    "CommissionMode": "marginal",
    "PoolThreshold": "1.1",
    "PoolRate": "3%",
    "CommissionCap": "50000",
    "RedBelow": "85%",
    "FlexReserve": "10%",
    "RecalibrationCap": "25%",
    "AvgDealSize": "30000",
    "MarginFloor": "25%",
    "Locale": "en",
    "Version": "3",
    "PlanID": "3f9c2a71b0de",
}


def default_value(name: str, locale: str):
    """A setting's default as `init` types it into the Value cell (None: left blank)."""
    value = SPECS[name][1]
    if value is None:
        return None
    if isinstance(value, dict):
        return stage_weights(",".join(f"{k}={v}" for k, v in value.items()), locale)
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if choices(name):
        return choice_word(name, value, locale)
    return value if isinstance(value, (str, int)) else float(value)


def description(name: str, locale: str) -> str:
    """What a setting means, in `locale`: its Description cell and its line on the Readme."""
    return say(f"setting_{name}", locale)


def example(name: str, locale: str) -> str:
    value = EXAMPLES[name]
    if name == "StageWeights":
        return stage_weights(value, locale)
    return choice_word(name, value, locale) if choices(name) else value


def stage_weights(text: str, locale: str) -> str:
    """`new=0.2,growth=0.25` with each stage named in `locale` (新品=0.2,成长=0.25)."""
    parts = (part.split("=") for part in text.split(","))
    return ",".join(f"{choice_word('Stage', stage, locale)}={weight}" for stage, weight in parts)


def add_readme(wb: xlsxwriter.Workbook, locale: str) -> None:
    ws = wb.add_worksheet(label("Readme", locale))
    title = wb.add_format({"bold": True, "font_size": 14})
    section = wb.add_format({"bold": True, "font_size": 12})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for j, width in enumerate(WIDTHS):
        ws.set_column(j, j, width)

    def line(row: int, cells: list[str], fmt=None) -> None:
        """One row of cells from column A, wrapped unless `fmt` (a header) is given."""
        for j, text in enumerate(cells):
            if text:
                ws.write_string(row, j, text, fmt or wrap)
            elif fmt is not None:  # a header's empty cell is coloured too
                ws.write_blank(row, j, None, fmt)
        if fmt is None:  # a row of wrapped text, as tall as its longest cell
            ws.set_row(row, row_height(list(zip(cells, WIDTHS, strict=False))))

    def paragraph(row: int, text: str) -> None:
        """A sentence across the sheet's columns, wrapped."""
        ws.merge_range(row, 0, row, len(WIDTHS) - 1, text, wrap)
        ws.set_row(row, row_height([(text, sum(WIDTHS))]))

    ws.write_string(0, 0, "salesplan", title)
    paragraph(1, say("readme_intro", locale))

    row = 3
    ws.write_string(row, 0, say("readme_tables", locale), section)
    row += 1
    names = [label(k, locale) for k in ("table", "sheet", "column", "required", "meaning")]
    line(row, names, head)
    for spec in TABLES:
        for k, col in enumerate(spec.columns):
            row += 1
            meaning = (spec.help_en if locale == "en" else spec.help_zh) if k == 0 else ""
            if col.choices:
                named = (choice_word(col.en, c, locale) for c in col.choices)
                meaning = (meaning + " " if meaning else "") + " / ".join(named)
            first = k == 0
            line(
                row,
                [
                    spec.name if first else "",
                    spec.sheet if first else "",
                    header(col, locale),
                    label("yes", locale)
                    if col.required
                    else label("one_of", locale)
                    if col.key in spec.one_of
                    else "",
                    meaning,
                ],
            )

    row += 2
    ws.write_string(row, 0, say("readme_settings", locale), section)
    row += 1
    paragraph(row, say("readme_settings_note", locale))
    row += 1
    heads = ("readme_setting", "readme_default", "readme_example")
    line(row, [*(say(k, locale) for k in heads), "", label("meaning", locale)], head)
    for name in SPECS:
        row += 1
        default = default_value(name, locale)
        shown = (
            say("readme_required", locale)
            if name == "PeriodStart"
            else say("readme_blank", locale)
            if default is None
            else f"{default:g}"
            if isinstance(default, float)
            else str(default)
        )
        line(row, [name, shown, example(name, locale), "", description(name, locale)])

    row += 2
    ws.write_string(row, 0, say("readme_levels", locale), section)
    for level in LEVELS:
        row += 1
        line(
            row,
            [choice_word("Level", level, locale), "", "", "", say(f"readme_level_{level}", locale)],
        )

    row += 2
    paragraph(row, say("readme_margin", locale))
