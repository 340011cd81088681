"""Render one rep's target responsibility workbook (SPEC §8) with XlsxWriter.

Three sheets: a Cover that reads as a signable letter, the weekly Plan, and Actuals, where
the rep types weekly numbers and live formulas recompute progress by the engine's rules.
An annual plan's Plan sheet sums the months into quarters and the year (SUMPRODUCT, SUM);
with PhaseBy quarters the letter shows the year, each quarter and its months. On Actuals:

  LatestWeek  = the last week with an amount typed (0 before the first)
  ToDate      = ROUND(Σ amounts, 2)                         (cents, as the engine's integers)
  PlanToDate  = Σ weekly plan to LatestWeek; FloorToDate likewise (SPEC §6)
  Status      = RED (红) if ToDate < ROUNDUP(ROUND(RedBelow × FloorToDate, 6), 2) — RedBelow ×
                FloorToDate rounded up to the cent, which is exact for a ToDate in cents —
                GREEN if ToDate ≥ PlanToDate, else AMBER
  Tier        = the highest of floor / target / challenge with ToDate ≥ its amount (§5)
  Commission  = retroactive: ROUND(ToDate × the tier's rate, 2); marginal: each band at its
                own rate, ROUND once; nothing below floor; then MIN with CommissionCap
Amounts show in the plan's Unit by number format, the header naming it (SPEC §15); the cells
and the formulas keep yuan. What the rep types (Amount) and money to the cent (Commission,
ToNextTier, the cap) show in yuan, and their headers say so.
Only functions of Excel 2007 that LibreOffice 7.4 computes alike are used (SUMPRODUCT, SUM,
ROUND, ROUNDUP, IF, MIN, MAX, NA); no spilling or dynamic-array function. User text is
always written as text.
"""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from engine import tracking
from xl_addin.repbook.responsibility import ACCEPTED_NAME, RepBook
from xl_addin.sheets.labels import label, status_label
from xl_addin.sheets.render import COLOURS, HEADER, RED
from xl_addin.sheets.units import YUAN, money_format, spoken, with_unit
from xl_addin.sheets.xlsxsheet import Worksheet

INPUT = {"bg_color": "#FFF2CC", "locked": False}
CENTS = "#,##0.00"
PCT = "0.0%"
RATE = "0.00%"
FIRST = 4  # 0-based row of the first week on the Actuals sheet (Excel row 5)
ACTIVITY = ("visits", "demos", "deals", "new_customers")
# the forecast at the rep's pace so far (engine/forecast.py), below the terms: 0-based rows
FORECAST_ROW = 31  # its first value; its title on the row above
FORECAST = (
    "projected", "projected_tier", "projected_commission", "projected_next_tier",
    "projected_to_next_tier", "projected_commission_at_next_tier",
)  # fmt: skip


def render_repbook(book: RepBook) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,  # a name like "=HYPERLINK(…)" stays text
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties(
        {
            "title": f"{label('letter', book.locale)} {book.rep_id}",
            "author": "salesplan",
            "created": dt.datetime(2000, 1, 1),
        }
    )
    for name, value in book.marker().items():
        wb.set_custom_property(name, value)
    f = _Formats(wb, book)
    cover = wb.add_worksheet(label("Cover", book.locale), Worksheet)
    plan = wb.add_worksheet(label("Plan", book.locale), Worksheet)
    actuals = wb.add_worksheet(label("Actuals", book.locale), Worksheet)
    wb.define_name(ACCEPTED_NAME, _cover(cover, book, f))
    _plan(plan, book, f)
    _actuals(wb, actuals, book, f)
    for ws in (cover, plan, actuals):
        _print_setup(ws, book)
        ws.protect(
            "", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True}
        )
    cover.fit_to_pages(1, 1)  # the letter is one page to sign
    actuals.activate()
    wb.close()
    return buffer.getvalue()


class _Formats:
    def __init__(self, wb, book: RepBook):
        money = money_format(book.unit)
        self.unit, self.locale = book.unit, book.locale
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 16})
        self.subtitle = add({"bold": True, "font_size": 12})
        self.header = add(HEADER)
        self.text = add({"text_wrap": True, "valign": "top"})
        self.label = add({"bold": True})
        self.money = add({"num_format": money})
        self.money_bold = add({"num_format": money, "bold": True})
        self.cents = add({"num_format": CENTS})
        self.int = add({"num_format": "#,##0"})
        self.pct = add({"num_format": PCT})
        self.rate = add({"num_format": RATE})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.general = add({"num_format": "General"})
        self.input_cents = add({**INPUT, "num_format": CENTS})
        self.input_int = add({**INPUT, "num_format": "#,##0"})
        self.input_date = add({**INPUT, "num_format": "yyyy-mm-dd"})
        self.line = add({"bottom": 1})
        self.indent = add({"indent": 2})
        self.colours = {k: add(v) for k, v in COLOURS.items()}
        self.muted = add({"font_color": "#BFBFBF"})
        self.red = add(RED)

    def money_header(self, key: str) -> str:
        """The label of an amount shown in the plan's Unit, naming it: `Target (10k CNY)`."""
        return with_unit(label(key, self.locale), self.unit, self.locale)

    def header_for(self, key: str, fmt) -> str:
        """The label of a value written in `fmt`: an amount names its unit (the plan's, or
        yuan for money to the cent); anything else is the bare label."""
        if fmt is self.money:
            return self.money_header(key)
        if fmt is self.cents:
            return with_unit(label(key, self.locale), YUAN, self.locale)
        return label(key, self.locale)


def _cover(ws, b: RepBook, f: _Formats) -> str:
    """Write the letter; the reference of its acceptance cell (for the defined name)."""
    loc = b.locale
    ws.set_column(0, 0, 22)
    ws.set_column(1, 6, 16)
    if b.gross_profit is not None:  # "GrossProfitTarget (10k CNY)" shown whole, its unit too
        ws.set_column(3, 4, 26)
    ws.write_string(0, 0, label("letter", loc), f.title)
    ws.write_string(
        1,
        0,
        f"{label('period', loc)}: {b.period_start:%Y-%m-%d} – {b.period_end:%Y-%m-%d} "
        f"({len(b.weeks)} {label('weeks', loc)}) · {label('version', loc)} {b.version}",
    )
    row = 3
    for key, value in (
        ("name", b.name),
        ("rep_id", b.rep_id),
        ("region", b.region),
        ("manager", b.manager),
    ):
        ws.write_string(row, 0, label(key, loc), f.label)
        ws.write_string(row, 1, value)
        row += 1

    row += 1
    ws.write_string(row, 0, label("your_targets", loc), f.subtitle)
    row += 1
    tiers = [("floor", b.floor), ("target", b.target), ("challenge", b.challenge)]
    for j, (tier, _) in enumerate(tiers):
        ws.write_string(row, 1 + j, f.money_header(tier), f.header)
    for j, (_, amount) in enumerate(tiers):
        ws.write_number(row + 1, 1 + j, amount, f.money_bold)
    if b.gross_profit is not None:  # beside the tiers: Σ of its products' target × margin
        ws.write_string(row, 4, f.money_header("gross_profit"), f.header)
        ws.write_number(row + 1, 4, b.gross_profit, f.money_bold)
        ws.write_string(row, 5, label("margin_rate", loc), f.header)
        ws.write_number(row + 1, 5, b.gross_profit / b.target if b.target else 0, f.pct)
    ws.write_string(row + 1, 0, label("amount", loc), f.label)
    row += 2
    if b.original_target is not None:
        ws.write_string(row, 0, f.money_header("original_target"), f.label)
        ws.write_number(row, 2, b.original_target, f.money)
        row += 1

    row += 1
    if b.phase_by == "quarters" and b.quarters:
        row = _phase_split(ws, row, b, f)
    gp = dict(b.product_gross_profit) if b.gross_profit is not None else None
    row = _parts_table(ws, row, label("product", loc), b.products, b.target, f, loc, gp)
    row = _parts_table(ws, row, label("customer_type", loc), b.customer_types, b.target, f, loc)

    if b.kpis:
        ws.write_string(row, 0, label("kpi_goals", loc), f.subtitle)
        row += 1
        for j, key in enumerate(("kpi", "weight", "floor", "target", "challenge", "unit")):
            ws.write_string(row, j, label(key, loc), f.header)
        for k in b.kpis:
            row += 1
            ws.write_string(row, 0, k[0])
            ws.write_number(row, 1, k[1], f.pct)
            for j, v in enumerate(k[2:5], 2):
                if v is not None:
                    ws.write_number(row, j, v, f.general)
            ws.write_string(row, 5, k[5])
        row += 2

    ws.write_string(row, 0, label("commission_terms", loc), f.subtitle)
    row += 1
    for j, text in enumerate((label("tier", loc), f.money_header("from"), label("rate", loc))):
        ws.write_string(row, j, text, f.header)
    amounts = {"floor": b.floor, "target": b.target, "challenge": b.challenge}
    for tier, rate in b.rates:
        row += 1
        ws.write_string(row, 0, label(tier, loc))
        ws.write_number(row, 1, amounts[tier], f.money)
        ws.write_number(row, 2, float(rate), f.rate)
    row += 1
    ws.write_string(row, 0, f"{label('CommissionMode', loc)}: {label(b.mode, loc)}")
    if b.cap is not None:
        row += 1
        ws.write_string(row, 0, f"{label('cap', loc)}: {spoken(b.cap, YUAN, loc, 2)}")

    row += 2
    ws.merge_range(row, 0, row + 1, 6, label("acceptance", loc), f.text)
    row += 3
    # the rep types the date here to accept the plan; `collect` reads it (by its name)
    ws.merge_range(row, 0, row, 1, label("accept_plan", loc), f.label)
    ws.write_blank(row, 2, None, f.input_date)
    ws.data_validation(
        row, 2, row, 2,
        {"validate": "date", "criteria": ">=", "value": dt.date(2000, 1, 1),
         "error_message": label("accept_plan_date", loc)},
    )  # fmt: skip
    accepted = f"='{ws.get_name().replace(chr(39), chr(39) * 2)}'!$C${row + 1}"
    row += 3
    for who in ("rep_signature", "manager_signature"):
        ws.write_string(row, 0, label(who, loc), f.label)
        ws.write_blank(row, 1, None, f.line)
        ws.write_blank(row, 2, None, f.line)
        ws.write_string(row, 3, label("date", loc), f.label)
        ws.write_blank(row, 4, None, f.line)
        row += 3
    return accepted


def _phase_split(ws, row: int, b: RepBook, f: _Formats) -> int:
    """PhaseBy quarters: the year (the target), each quarter and, indented below it, its
    months, with their shares of the target; the row after the table and a blank one."""
    loc = b.locale
    months = _sums(b.months, b.plan)
    quarter_of = dict(zip(b.months, b.quarters, strict=True))
    ws.write_string(row, 0, label("phase_split", loc), f.subtitle)
    row += 1
    ws.write_string(row, 0, label("period", loc), f.header)
    ws.write_string(row, 1, f.money_header("target"), f.header)
    ws.write_string(row, 2, label("share", loc), f.header)
    lines = [(label("full_year", loc), b.target, f.label)]
    for quarter, amount in _sums(b.quarters, b.plan).items():
        lines.append((quarter, amount, f.label))
        lines += [(m, a, f.indent) for m, a in months.items() if quarter_of[m] == quarter]
    for name, amount, fmt in lines:
        row += 1
        ws.write_string(row, 0, name, fmt)
        ws.write_number(row, 1, amount, f.money_bold if fmt is f.label else f.money)
        ws.write_number(row, 2, amount / b.target if b.target else 0, f.pct)
    return row + 2


def _sums(keys, amounts) -> dict[str, int]:
    """The amounts summed by key (a week's month or quarter), in the keys' order."""
    out: dict[str, int] = {}
    for key, amount in zip(keys, amounts, strict=True):
        out[key] = out.get(key, 0) + amount
    return out


def _parts_table(ws, row, title, parts, target, f, loc, gross_profit=None) -> int:
    """Each part's target and share; with `gross_profit` (part -> yuan), its gross-profit
    target and margin too."""
    if not parts:
        return row
    ws.write_string(row, 0, title, f.header)
    ws.write_string(row, 1, f.money_header("target"), f.header)
    ws.write_string(row, 2, label("share", loc), f.header)
    if gross_profit is not None:
        ws.write_string(row, 3, f.money_header("gross_profit"), f.header)
        ws.write_string(row, 4, label("margin", loc), f.header)
    for name, amount in parts:
        row += 1
        ws.write_string(row, 0, name)
        ws.write_number(row, 1, amount, f.money)
        ws.write_number(row, 2, amount / target if target else 0, f.pct)
        if gross_profit is not None:
            gp = gross_profit.get(name, 0)
            ws.write_number(row, 3, gp, f.money)
            ws.write_number(row, 4, gp / amount if amount else 0, f.pct)
    return row + 2


def _plan(ws, b: RepBook, f: _Formats) -> None:
    loc = b.locale
    ws.write_string(0, 0, f"{label('weekly_plan', loc)} — {b.name} ({b.rep_id})", f.subtitle)
    heads = ("week", "week_start", "month", "plan", "cumulative_plan", "floor_plan")
    for j, key in enumerate(heads):
        ws.write_string(2, j, f.money_header(key) if j >= 3 else label(key, loc), f.header)
    first = 3
    for i, (start, month, amount, floor) in enumerate(
        zip(b.weeks, b.months, b.plan, b.floor_plan, strict=True)
    ):
        r = first + i
        ws.write_number(r, 0, i + 1)
        ws.write_datetime(r, 1, dt.datetime.combine(start, dt.time()), f.date)
        ws.write_string(r, 2, month)
        ws.write_number(r, 3, amount, f.money)
        ws.write_formula(r, 4, f"=SUM($D${first + 1}:D{r + 1})", f.money, sum(b.plan[: i + 1]))
        ws.write_number(r, 5, floor, f.money)
        if b.holidays and b.holidays[i]:  # why a week's plan is low: its holidays
            ws.write_string(r, 6, b.holidays[i])
    if any(b.holidays):
        ws.write_string(2, 6, label("holidays", loc), f.header)
        ws.set_column(6, 6, 40)
    last = first + len(b.weeks) - 1
    ws.write_string(last + 2, 0, label("month", loc), f.header)
    ws.write_string(last + 2, 1, f.money_header("plan"), f.header)
    months = _sums(b.months, b.plan)
    for k, (month, total) in enumerate(months.items()):
        r = last + 3 + k
        ws.write_string(r, 0, month)
        ws.write_formula(
            r,
            1,
            f'=SUMPRODUCT(($C${first + 1}:$C${last + 1}="{month}")*$D${first + 1}:$D${last + 1})',
            f.money,
            total,
        )
    if b.quarters:
        _quarter_table(ws, b, f, last + 2, len(months))
    ws.set_column(0, 0, 8)
    ws.set_column(1, 5, 15)
    ws.freeze_panes(3, 0)


def _quarter_table(ws, b: RepBook, f: _Formats, head: int, n_months: int) -> None:
    """An annual plan's quarters below its months (the month table's header at row `head`):
    each month's quarter beside it, each quarter the SUMPRODUCT of its months, and the full
    year the sum of the quarters, each with the value it computes stored."""
    loc = b.locale
    quarter_of = dict(zip(b.months, b.quarters, strict=True))
    first, last = head + 2, head + 1 + n_months  # the months, 1-based as Excel counts
    ws.write_string(head, 2, label("quarter", loc), f.header)
    for k, month in enumerate(dict.fromkeys(b.months)):
        ws.write_string(head + 1 + k, 2, quarter_of[month], f.indent)
    top = head + n_months + 2  # the quarter table's header, a blank row below the months
    ws.write_string(top, 0, label("quarter", loc), f.header)
    ws.write_string(top, 1, f.money_header("plan"), f.header)
    quarters = _sums(b.quarters, b.plan)
    for k, (quarter, total) in enumerate(quarters.items()):
        ws.write_string(top + 1 + k, 0, quarter)
        ws.write_formula(
            top + 1 + k,
            1,
            f'=SUMPRODUCT(($C${first}:$C${last}="{quarter}")*$B${first}:$B${last})',
            f.money,
            total,
        )
    year = top + 1 + len(quarters)
    ws.write_string(year, 0, label("full_year", loc), f.label)
    ws.write_formula(year, 1, f"=SUM(B{top + 2}:B{year})", f.money_bold, sum(quarters.values()))


def _actuals(wb, ws, b: RepBook, f: _Formats) -> None:
    loc = b.locale
    n = len(b.weeks)
    last = FIRST + n - 1

    def col(letter: str) -> str:
        return f"${letter}${FIRST + 1}:${letter}${last + 1}"

    ws.write_string(0, 0, f"{label('actuals_title', loc)} — {b.name} ({b.rep_id})", f.subtitle)
    ws.write_string(1, 0, label("actuals_hint", loc))
    heads = (
        "week",
        "week_start",
        "plan",
        "floor_plan",
        "amount",
        *ACTIVITY,
        "cumulative_plan",
        "cumulative_actual",
    )
    money = {"plan", "floor_plan", "cumulative_plan", "cumulative_actual"}
    for j, key in enumerate(heads):
        if key == "amount":  # typed in yuan, to the cent: the numbers the formulas sum
            text = with_unit(label(key, loc), YUAN, loc)
        else:
            text = f.money_header(key) if key in money else label(key, loc)
        ws.write_string(FIRST - 1, j, text, f.header)

    # the terms the formulas use, below the summary (constants of this rep only)
    terms_row = 20
    terms = {
        "floor": (b.floor, f.money),
        "target": (b.target, f.money),
        "challenge": (b.challenge, f.money),
        "floor_rate": (float(dict(b.rates)["floor"]), f.rate),
        "target_rate": (float(dict(b.rates)["target"]), f.rate),
        "challenge_rate": (float(dict(b.rates)["challenge"]), f.rate),
        "RedBelow": (float(b.red_below), f.pct),
        "cap": (float(b.cap) if b.cap is not None else None, f.cents),
    }
    ws.write_string(terms_row - 1, 12, label("terms", loc), f.header)
    ws.write_string(terms_row - 1, 13, "", f.header)
    at = {}
    for k, (key, (value, fmt)) in enumerate(terms.items()):
        r = terms_row + k
        ws.write_string(r, 12, f.header_for(key, fmt), f.label)
        if value is not None:
            ws.write_number(r, 13, value, fmt)
        at[key] = xl_rowcol_to_cell(r, 13, row_abs=True, col_abs=True)
    ws.write_string(
        terms_row + len(terms), 12, f"{label('CommissionMode', loc)}: {label(b.mode, loc)}"
    )
    assert terms_row + len(terms) < FORECAST_ROW - 2

    summary = (
        ("latest_week", f.int),
        ("to_date", f.money),
        ("plan_to_date", f.money),
        ("floor_to_date", f.money),
        ("completion", f.pct),
        ("pace", f.pct),
        ("status", None),
        ("tier", None),
        ("rate", f.rate),
        ("commission", f.cents),
        ("next_tier", None),
        ("to_next_tier", f.cents),
        ("commission_at_next_tier", f.cents),
    )
    ws.write_string(FIRST - 1, 12, label("progress", loc), f.header)
    ws.write_string(FIRST - 1, 13, "", f.header)
    cell = {
        key: xl_rowcol_to_cell(FIRST + k, 13, row_abs=True, col_abs=True)
        for k, (key, _) in enumerate(summary)
    }
    formulas = _summary_formulas(b, cell, at, col)
    stored = _stored(b)
    for k, (key, fmt) in enumerate(summary):
        ws.write_string(FIRST + k, 12, f.header_for(key, fmt), f.label)
        ws.write_formula(FIRST + k, 13, formulas[key], fmt, stored[key])
    _forecast(ws, b, f, cell, at, col)
    status = cell["status"].replace("$", "")
    for word, colour in (
        (tracking.RED, "red"),
        (tracking.AMBER, "amber"),
        (tracking.GREEN, "green"),
    ):
        ws.conditional_format(
            status,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{status_label(word, loc)}"',
                "format": f.colours[colour],
            },
        )

    latest = b.standing.latest_week
    cumulative, shown = 0, []  # the actual line: to the last week with an amount, then gaps
    for i in range(n):
        r = FIRST + i
        x = r + 1  # Excel row
        ws.write_number(r, 0, i + 1)
        ws.write_datetime(r, 1, dt.datetime.combine(b.weeks[i], dt.time()), f.date)
        ws.write_number(r, 2, b.plan[i], f.money)
        ws.write_number(r, 3, b.floor_plan[i], f.money)
        typed = b.actuals[i] if b.actuals else (None,) * 5
        if typed[0] is None:
            ws.write_blank(r, 4, None, f.input_cents)
        else:
            ws.write_number(r, 4, typed[0] / 100, f.input_cents)
        for j, value in enumerate(typed[1:], 5):
            if value is None:
                ws.write_blank(r, j, None, f.input_int)
            else:
                ws.write_number(r, j, value, f.input_int)
        ws.write_formula(r, 9, f"=SUM($C${FIRST + 1}:C{x})", f.money, sum(b.plan[: i + 1]))
        cumulative += typed[0] or 0
        shown.append(cumulative / 100 if i < latest else None)
        ws.write_formula(
            r,
            10,
            f"=IF(A{x}<={cell['latest_week']},ROUND(SUM($E${FIRST + 1}:E{x}),2),NA())",
            f.money,
            "#N/A" if shown[i] is None else shown[i],  # a gap in the chart, never a zero
        )
    ws.conditional_format(
        FIRST,
        10,
        last,
        10,
        {"type": "formula", "criteria": f"=ISNA(K{FIRST + 1})", "format": f.muted},
    )
    ws.data_validation(
        FIRST, 4, last, 4,
        {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": label("no_negative", loc)},
    )  # fmt: skip
    ws.data_validation(
        FIRST, 5, last, 8,
        {"validate": "integer", "criteria": ">=", "value": 0, "error_message": label("no_negative", loc)},
    )  # fmt: skip

    chart = wb.add_chart({"type": "line"})
    sheet = ws.get_name()
    plan_line = [sum(b.plan[: i + 1]) for i in range(n)]
    for j, colour, data in ((9, "#1F4E78", plan_line), (10, "#C55A11", shown)):
        chart.add_series(
            {
                "name": [sheet, FIRST - 1, j],
                "categories": [sheet, FIRST, 0, last, 0],
                "values": [sheet, FIRST, j, last, j],
                # the chart's own copy of the numbers (what a preview draws): XlsxWriter would
                # copy a #N/A as 0; no point there is a gap, as Excel draws #N/A
                "values_data": data,
                "line": {"color": colour},
            }
        )
    chart.set_title({"name": label("plan_vs_actual", loc)})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"num_format": money_format(b.unit)})
    chart.set_size({"width": 560, "height": 300})
    ws.insert_chart(last + 3, 0, chart)
    ws.set_column(0, 0, 7)
    ws.set_column(1, 10, 13)
    ws.set_column(12, 12, 22)
    ws.set_column(13, 13, 16)
    ws.freeze_panes(FIRST, 0)


def _forecast(ws, b: RepBook, f: _Formats, cell: dict, at: dict, col) -> None:
    """Where the rep lands at the pace so far and what that pays, as live formulas over the
    summary, with the values the engine computes for the actuals issued."""
    loc = b.locale
    kinds = (f.money, None, f.cents, None, f.cents, f.cents)
    ws.write_string(FORECAST_ROW - 1, 12, label("forecast_rep_title", loc), f.header)
    ws.write_string(FORECAST_ROW - 1, 13, "", f.header)
    here = {
        key: xl_rowcol_to_cell(FORECAST_ROW + k, 13, row_abs=True, col_abs=True)
        for k, key in enumerate(FORECAST)
    }
    formulas, stored = _forecast_formulas(b, cell, here, at, col), _forecast_stored(b)
    for k, (key, fmt) in enumerate(zip(FORECAST, kinds, strict=True)):
        ws.write_string(FORECAST_ROW + k, 12, f.header_for(key, fmt), f.label)
        ws.write_formula(FORECAST_ROW + k, 13, formulas[key], fmt, stored[key])
    ws.write_string(FORECAST_ROW + len(FORECAST), 12, label("forecast_rep_method", loc))


def _forecast_formulas(b: RepBook, cell: dict, here: dict, at: dict, col) -> dict[str, str]:
    """projected = to date + ROUND(remaining plan × to date ÷ plan to date, 2) (the plan when
    nothing is typed yet, to date + the remaining plan while the plan to date is 0), then the
    tier, the commission and the next tier at the projection, as the summary's formulas."""
    week, plan = col("A"), col("C")
    s, latest, due = cell["to_date"], cell["latest_week"], cell["plan_to_date"]
    left = f"SUMPRODUCT(({week}>{latest})*{plan})"
    paced = f"ROUND({s}+ROUND(ROUND({left}*{s}/{due},6),2),2)"
    projected = f"=IF(OR({latest}=0,{due}=0),ROUND({s}+{left},2),{paced})"
    at_projection = _summary_formulas(b, {**cell, "to_date": here["projected"]}, at, col)
    return {
        "projected": projected,
        "projected_tier": at_projection["tier"],
        # the rate at the projection is inline: the summary's rate cell is the rate to date
        "projected_commission": at_projection["commission"].replace(
            cell["rate"], "(" + at_projection["rate"][1:] + ")"
        ),
        "projected_next_tier": at_projection["next_tier"],
        "projected_to_next_tier": at_projection["to_next_tier"],
        "projected_commission_at_next_tier": at_projection["commission_at_next_tier"].replace(
            cell["commission"], here["projected_commission"]
        ),
    }


def _forecast_stored(b: RepBook) -> dict[str, object]:
    """The forecast cells' values with the actuals issued (the engine's Forecast)."""
    fc, loc = b.forecast, b.locale
    return {
        "projected": fc.projected / 100,
        "projected_tier": label(fc.tier, loc) if fc.tier else "",
        "projected_commission": fc.commission / 100,
        "projected_next_tier": label(fc.next_tier, loc) if fc.next_tier else "",
        "projected_to_next_tier": fc.to_next_tier / 100,
        "projected_commission_at_next_tier": fc.commission_at_next_tier / 100,
    }


def _stored(b: RepBook) -> dict[str, object]:
    """The summary cells' values with the actuals issued (the engine's Standing), as the
    formulas compute them: stored in the file, so that a reader that does not recalculate
    (a preview, LibreOffice by default) shows them; "" where a formula gives empty text."""
    st, loc = b.standing, b.locale
    return {
        "latest_week": st.latest_week,
        "to_date": st.to_date / 100,
        "plan_to_date": st.plan_to_date / 100,
        "floor_to_date": st.floor_to_date / 100,
        "completion": st.to_date / (b.target * 100) if b.target > 0 else "",
        "pace": st.to_date / st.plan_to_date if st.plan_to_date > 0 else "",
        "status": status_label(st.status, loc),
        "tier": label(st.tier, loc) if st.tier else "",
        "rate": float(st.rate),
        "commission": st.commission / 100,
        "next_tier": label(st.next_tier, loc) if st.next_tier else "",
        "to_next_tier": st.to_next_tier / 100,
        "commission_at_next_tier": st.commission_at_next_tier / 100,
    }


def _summary_formulas(b: RepBook, cell: dict, at: dict, col) -> dict[str, str]:
    loc = b.locale
    week, amount, plan, floor = col("A"), col("E"), col("C"), col("D")
    s = cell["to_date"]
    fl, tg, ch = at["floor"], at["target"], at["challenge"]
    rf, rt, rc = at["floor_rate"], at["target_rate"], at["challenge_rate"]

    def tiered(sales: str, challenge: str, target: str, floor_: str, below: str) -> str:
        return f"IF({sales}>={ch},{challenge},IF({sales}>={tg},{target},IF({sales}>={fl},{floor_},{below})))"

    def pay(sales: str, rate: str) -> str:
        if b.mode == "marginal":
            bands = f"MIN({sales},{tg})*{rf}+MAX(0,MIN({sales},{ch})-{tg})*{rt}+MAX(0,{sales}-{ch})*{rc}"
            amount_ = f"IF({sales}<{fl},0,ROUND(ROUND({bands},6),2))"
        else:
            amount_ = f"ROUND(ROUND({sales}*{rate},6),2)"
        return f"MIN({at['cap']},{amount_})" if b.cap is not None else amount_

    names = {t: f'"{label(t, loc)}"' for t in ("floor", "target", "challenge")}
    word = {st: f'"{status_label(st, loc)}"' for st in tracking.STATUSES}
    next_amount = f"IF({s}>={tg},{ch},IF({s}>={fl},{tg},{fl}))"
    next_rate = f"IF({s}>={tg},{rc},IF({s}>={fl},{rt},{rf}))"
    red = f"ROUND({s},2)<ROUNDUP(ROUND({at['RedBelow']}*{cell['floor_to_date']},6),2)"
    return {
        "latest_week": f'=SUMPRODUCT(MAX(({amount}<>"")*{week}))',
        "to_date": f"=ROUND(SUM({amount}),2)",
        "plan_to_date": f"=SUMPRODUCT(({week}<={cell['latest_week']})*{plan})",
        "floor_to_date": f"=SUMPRODUCT(({week}<={cell['latest_week']})*{floor})",
        "completion": f'=IF({tg}>0,{s}/{tg},"")',
        "pace": f'=IF({cell["plan_to_date"]}>0,{s}/{cell["plan_to_date"]},"")',
        "status": f"=IF({red},{word[tracking.RED]},IF(ROUND({s},2)>=ROUND({cell['plan_to_date']},2),"
        f"{word[tracking.GREEN]},{word[tracking.AMBER]}))",
        "tier": "=" + tiered(s, names["challenge"], names["target"], names["floor"], '""'),
        "rate": "=" + tiered(s, rc, rt, rf, "0"),
        "commission": "=" + pay(s, cell["rate"]),
        "next_tier": "=" + tiered(s, '""', names["challenge"], names["target"], names["floor"]),
        "to_next_tier": f"=IF({s}>={ch},0,ROUND({next_amount}-{s},2))",
        "commission_at_next_tier": f"=IF({s}>={ch},{cell['commission']},{pay(next_amount, next_rate)})",
    }


HEADER_LIMIT = 255  # characters Excel allows in a page header (XlsxWriter drops a longer one)


def header_text(text: str, room: int) -> str:
    """User text for a page header: its & doubled (a lone & starts a header code), shortened
    with … to `room` characters, never cut inside a doubled &."""
    escaped = text.replace("&", "&&")
    if len(escaped) <= room:
        return escaped
    cut = escaped[: room - 1]
    if (len(cut) - len(cut.rstrip("&"))) % 2:  # an odd run of & at the end: half a pair
        cut = cut[:-1]
    return cut + "…"


def _print_setup(ws, b: RepBook) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    period = f"&R{b.period_start:%Y-%m-%d} – {b.period_end:%Y-%m-%d}"
    rep = header_text(f" ({b.rep_id})", HEADER_LIMIT // 2)
    name = header_text(b.name, HEADER_LIMIT - len("&L") - len(rep) - len(period))
    ws.set_header(f"&L{name}{rep}{period}")  # a name too long is shortened, the RepID kept
    ws.set_footer("&C&P / &N")
