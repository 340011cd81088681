"""Read a planning workbook into a Plan, collecting every problem of the run (SPEC §13).

Driven by the column specs in xl_addin/workbook/columns.py: which tables and columns exist, which are
required, of what kind. Cross-table rules (a rep's region must exist …) are one table too.
"""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.actuals_columns import Header
from engine.calendar import week_index
from engine.money import to_cents
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, did_you_mean, said, where
from engine.scenarios import Scenario
from engine.settings import (
    HOLIDAYS_NONE,
    LOCALES,
    SPECS,
    Settings,
    choice_value,
    choice_word,
    choices,
)
from engine.workdays import country_code
from xl_addin.workbook import coerce
from xl_addin.workbook.columns import (
    AMOUNT,
    BY_KEY,
    CHOICE,
    DATE,
    FRACTION,
    INTEGER,
    NUMBER,
    TABLES,
    TableSpec,
    header_lookup,
    normalise_header,
)
from xl_addin.workbook.sheetcells import MAX_TEXT
from xl_addin.workbook.sourcerows import SourceRows
from xl_addin.workbook.tablesource import CellError, RawTable, TableSource

if TYPE_CHECKING:  # sources.py loads DuckDB: only a plan with tblSources rows needs it
    from xl_addin.workbook.sources import Source

# (table, column) must be one of (table, column); blank values are not checked
FOREIGN_KEYS = (
    ("reps", "region", "regions", "region"),
    ("history", "region", "regions", "region"),
    ("history", "product", "products", "product"),
    ("history", "customer_type", "customer_types", "customer_type"),
    ("coverage", "rep_id", "reps", "rep_id"),
    ("coverage", "product", "products", "product"),
    ("actuals", "rep_id", "reps", "rep_id"),
)
UNIQUE = (
    ("reps", "rep_id"),
    ("regions", "region"),
    ("products", "product"),
    ("customer_types", "customer_type"),
)
# Holidays typed as "none" in either language: every week a normal week
NO_HOLIDAYS = {"none", "no", "无", "不考虑", "否", "-"}

NON_NEGATIVE = {
    "amount",
    "potential",
    "weight",
    "locked_target",
    "visits",
    "demos",
    "deals",
    "new_customers",
    "rate",
    "weeks",
    "share",
    "margin",
}
POSITIVE = {  # a column whose values must be above 0, and the hint when one is not
    "capability": "hint_coefficient",
    "resource": "hint_coefficient",
    "conversion": "hint_conversion",
}
# Where a column's values make sense (a number outside is a typo the engine would carry
# into overflowing or absurd targets): a conversion of 1e-300 needs 10³⁰⁰ visits.
BETWEEN = {
    "conversion": (0.001, 1.0),
    "capability": (0.0, 100.0),
    "resource": (0.0, 100.0),
    "rate": (0.0, 1.0),
    "weeks": (0.0, 106.0),
    "visits": (0.0, 1e9),
    "demos": (0.0, 1e9),
    "deals": (0.0, 1e9),
    "new_customers": (0.0, 1e9),
    "margin": (0.0, 1.0),  # gross profit cannot exceed the sales it is made on
}
WEIGHTED = ("regions", "products", "customer_types")
KEPT_SETTINGS = ("Version", "PlanID")  # salesplan keeps them: no scenario changes them
BLANK_MEANS_DEFAULT = {("settings", "value")}
NEVER_READ = {
    ("settings", "description")
}  # the user's own words beside each setting  # `init` leaves TeamTarget, AvgDealSize … blank


class Reader:
    def __init__(self, source: TableSource):
        self.source = source
        self.problems: list[Problem] = []
        self.notes: list[Message] = []
        self.raw: dict = {}  # table key -> (RawTable, {column key: position}, values) as read
        self.unsourced: set[str] = set()  # tables whose tblSources row cannot be read

    def add(self, sheet: str, cell: str, message: Message, hint: Message | str = "") -> None:
        self.problems.append(Problem(sheet, cell, message, hint))

    def read(self) -> Plan:
        settings = self.settings(self.table(BY_KEY["settings"]))
        sourced = self.sources(settings)
        frames: dict = {}
        try:
            return self._read(settings, sourced, frames)
        finally:  # a source's DuckDB (up to sources.DUCKDB_MEMORY) is not kept with the plan
            for frame in frames.values():
                if frame is not None:
                    frame.attrs.pop("locate_value", None)
            for source in sourced.values():
                source.con.close()

    def _read(self, settings: Settings, sourced: dict, frames: dict) -> Plan:
        frames |= {
            spec.key: self.sourced(spec, sourced[spec.key], settings)
            if spec.key in sourced
            else None  # its source cannot be read: that is the problem, not the sheet's table
            if spec.key in self.unsourced
            else self.table(spec)
            for spec in TABLES
            if spec.key not in ("settings", "sources", "scenarios")
        }
        for key in ("history", "reps", "products", "regions"):
            if frames[key] is not None and frames[key].empty:
                spec = next(t for t in TABLES if t.key == key)
                raw_sheet = frames[key].attrs.get("sheet", spec.sheet)
                self.add(
                    raw_sheet,
                    "",
                    said("table_no_rows", table=spec.name),
                    said("table_no_rows_hint", table=spec.name),
                )
        self.relations(frames)
        self.dated(frames.get("actuals"), settings)
        self.departed(frames)
        self.headers(frames)
        kpi_actuals = self.kpi_actuals(frames)
        scenarios = self.scenarios()
        if self.problems:
            raise PlanError(self.problems)
        return Plan(
            settings=settings,
            notes=tuple(self.notes),
            kpi_actuals=kpi_actuals,
            scenarios=scenarios,
            **frames,
        )

    # -- what-if variants of the settings (SPEC §17) -----------------------------------------
    def scenarios(self) -> tuple[Scenario, ...]:
        """tblScenarios' rows, grouped by scenario in the order they first appear: each Value
        read and checked as tblSettings reads that setting, every problem at its cell."""
        frame = self.table(BY_KEY["scenarios"])
        if frame is None or frame.empty:
            return ()
        raw, found, data = self.raw["scenarios"]
        sheet, letters = frame.attrs["sheet"], frame.attrs["columns"]
        names = {normalise_header(k): k for k in SPECS}
        grouped: dict[str, Scenario] = {}
        rows: dict[tuple[str, str], int] = {}
        for i in frame.index:
            r = int(frame.at[i, "_row"])
            scenario, typed_name = frame.at[i, "scenario"], frame.at[i, "setting"]
            if pd.isna(scenario) or pd.isna(typed_name):
                continue  # reported as an empty cell
            setting_cell = f"{letters['setting']}{r}"
            name = names.get(normalise_header(typed_name))
            if name is None or name in KEPT_SETTINGS:
                self.add(
                    sheet,
                    setting_cell,
                    said(
                        "setting_unknown",
                        setting=typed_name,
                        suggestion=did_you_mean(typed_name, SPECS),
                    )
                    if name is None
                    else said("scenario_setting_kept", name=name),
                    said("setting_unknown_hint" if name is None else "scenario_setting_kept_hint"),
                )
                continue
            key = str(scenario).strip()
            s = grouped.setdefault(key.casefold(), Scenario(key, {}, {}, {}))
            if (key.casefold(), name) in rows:
                self.add(
                    sheet,
                    setting_cell,
                    said("scenario_setting_twice", scenario=key, name=name,
                         row=rows[(key.casefold(), name)]),
                    said("setting_twice_hint"),
                )  # fmt: skip
                continue
            rows[(key.casefold(), name)] = r
            cell = f"{letters['value']}{r}" if "value" in letters else setting_cell
            typed = data.at[r - raw.first_row - 1, found["value"]] if "value" in found else None
            value = None
            if not pd.isna(frame.at[i, "value"]):
                value = self.setting_value(name, frame.at[i, "value"], sheet, cell)
                if value is None:
                    continue  # not of its kind: reported at its cell
                wrong = out_of_range(name, value)
                if wrong:
                    self.add(
                        sheet, cell, said("setting_wrong", name=name, wrong=wrong[0]), wrong[1]
                    )
                    continue
            elif name == "PeriodStart":
                self.add(sheet, cell, said("period_start_empty"), said("period_start_empty_hint"))
                continue
            s.values[name] = value
            s.typed[name] = None if value is None else typed
            s.cells[name] = (sheet, cell)
        return tuple(grouped.values())

    # -- tables read from tblSources (SPEC §16) --------------------------------------------
    def sources(self, settings: Settings) -> dict[str, Source]:
        """tblSources' rows, opened: {table key: Source}. A row that cannot be opened is a
        problem at its cell."""
        frame = self.table(BY_KEY["sources"])
        if frame is None or frame.empty:
            return {}
        from xl_addin.workbook.sources import SourceError, open_source

        opened: dict[str, Source] = {}
        sheet, letters = frame.attrs["sheet"], frame.attrs["columns"]
        folder = getattr(self.source, "folder", None)
        for i in frame.index:
            r = frame.at[i, "_row"]
            where = {
                k: (sheet, f"{letters[k]}{r}" if k in letters else "")
                for k in ("table", "source", "query", "columns")
            }
            key = sourced_table(frame.at[i, "table"])
            if key is None or key in opened:
                self.add(
                    *where["table"],
                    said(
                        "source_table_twice" if key else "source_table_unknown",
                        table=frame.at[i, "table"],
                    ),
                    said("source_table_hint"),
                )
                continue
            row = {k: frame.at[i, k] for k in ("source", "query", "columns")}
            row = {k: None if pd.isna(v) else v for k, v in row.items()}
            try:
                opened[key] = open_source({**row, "table": BY_KEY[key].name}, folder, where)
                self.notes.extend(opened[key].notes)
            except SourceError as exc:
                self.problems.extend(exc.problems)
                self.unsourced.add(key)
        if "PeriodStart" not in settings.values and "history" in opened:
            opened.pop("history")  # history is bucketed by it: its problem is reported
            self.unsourced.add("history")
        return opened

    def sourced(
        self, spec: TableSpec, source: Source, settings: Settings, noted: bool = False
    ) -> pd.DataFrame | None:
        """A table read from its source instead of the workbook; the workbook's own table,
        if it has rows, is not read, and the run log says so (unless `noted` already)."""
        own = None if noted else self.source.table(spec.name)
        if own is not None and any(v is not None for row in own.rows for v in row):
            self.notes.append(
                said(
                    "note_table_from_source", table=spec.name, sheet=own.sheet, source=source.label
                )
            )
        import duckdb

        from xl_addin.workbook.sourcehistory import history_frame
        from xl_addin.workbook.sources import SourceError, not_utf8, source_rows, unreadable

        before = len(self.problems)
        try:
            if spec.key == "history":
                return history_frame(source, settings.period_start, self.problems)
            return self.table(spec, source_rows(source))
        except duckdb.Error as exc:
            if not not_utf8(source, exc):
                self.problems.append(unreadable(source, exc))
                return None
        del self.problems[before:]  # what the first read said, it says again
        try:  # not UTF-8 further down than its start told: read again, decoded
            again = source.reopen()
        except SourceError as exc:
            self.problems.extend(exc.problems)
            return None
        self.notes.extend(again.notes)
        return self.sourced(spec, again, settings, noted=True)

    def at(self, frame: pd.DataFrame, key: str, row: int) -> tuple[str, str]:
        """(sheet, cell) of the table row numbered `row`, in column `key`."""
        if "locate" in frame.attrs:
            return frame.attrs["locate"](key, row)
        return frame.attrs["sheet"], f"{frame.attrs['columns'][key]}{row}"

    def kpi_actuals(self, frames: dict) -> pd.DataFrame | None:
        """Each KPI's weekly values from the tblActuals column headed with its name (a column
        of the table's own, like NewCustomers/新客户, or one the user added): long, one row per
        actuals row per KPI with a column."""
        kpis, actuals = frames.get("kpis"), frames.get("actuals")
        if kpis is None or kpis.empty or actuals is None or "actuals" not in self.raw:
            return None
        raw, found, data = self.raw["actuals"]
        spec = BY_KEY["actuals"]
        lookup = header_lookup(spec)
        extra = {normalise_header(h): j for j, h in enumerate(raw.headers)}
        positions = (actuals["_row"] - raw.first_row - 1).to_numpy()
        parts = []
        for name in dict.fromkeys(kpis["kpi"].dropna()):
            key = normalise_header(name)
            known = lookup.get(key)
            j = found.get(known.key) if known is not None else extra.get(key)
            if j is None:
                continue
            cells = pd.Series(data[j].to_numpy()[positions], dtype=object)
            values, bad, _ = coerce.number(cells)
            for k in np.flatnonzero(bad.to_numpy()):
                self.add(
                    raw.sheet,
                    raw.cell(int(positions[k]), j),
                    said("kpi_actual_not_a_number", kpi=name, value=shown(cells.iat[k])),
                    said("kpi_actual_not_a_number_hint"),
                )
            parts.append(
                pd.DataFrame(
                    {
                        "rep_id": actuals["rep_id"].to_numpy(),
                        "week": actuals["week"].to_numpy(),
                        "kpi": str(name),
                        "value": values.to_numpy(dtype=float),
                    }
                )
            )
        if not parts:
            return pd.DataFrame({"rep_id": [], "week": [], "kpi": [], "value": []})
        return pd.concat(parts, ignore_index=True)

    def headers(self, frames: dict) -> None:
        """Record where each tblActuals header sits and which column it is, so the engine can
        name a column nothing uses, at its cell (engine/actuals_columns.py)."""
        if frames.get("actuals") is None or "actuals" not in self.raw:
            return
        raw, found, _ = self.raw["actuals"]
        spec = BY_KEY["actuals"]
        known = {j: spec.column(key) for key, j in found.items()}
        frames["actuals"].attrs["headers"] = tuple(
            Header(
                shown(h) if h is not None else "",
                where(raw.sheet, raw.header_cell(j)),
                (c.key, c.en, c.zh, *c.aliases) if (c := known.get(j)) else (),
            )
            for j, h in enumerate(raw.headers)
        )

    def dated(self, actuals: pd.DataFrame | None, settings: Settings) -> None:
        """An order-level tblActuals row (a Date, any day) counts in the plan's week of that day,
        as history does; a Week typed beside a Date must be that day's week. A row with
        neither, or a day outside the period, is a problem at its cell (SPEC §1)."""
        if actuals is None or actuals.empty or "PeriodStart" not in settings.values:
            return  # no table, or a PeriodStart problem already reported
        columns = actuals.attrs["columns"]
        weeks = settings.weeks
        first = "week" if "week" in columns else "date"
        for i in actuals.index[actuals["week"].isna() & actuals["date"].isna()]:
            self.add(
                *self.at(actuals, first, actuals.at[i, "_row"]),
                said("value_empty", column=self.header("actuals", first)),
                said("actuals_week_or_date_hint", weeks=weeks),
            )
        dated = actuals["date"].notna()
        if not dated.any():
            return
        start = pd.Timestamp(settings.period_start)
        day_week = pd.Series(np.nan, index=actuals.index)
        day_week[dated] = week_index(actuals.loc[dated, "date"], start) + 1
        last = start + pd.Timedelta(days=7 * weeks - 1)
        outside = dated & ~day_week.between(1, weeks)
        for i in actuals.index[outside]:
            self.add(
                *self.at(actuals, "date", actuals.at[i, "_row"]),
                said(
                    "actuals_date_outside",
                    date=shown(actuals.at[i, "date"]),
                    first=f"{start:%Y-%m-%d}",
                    last=f"{last:%Y-%m-%d}",
                ),
                said("actuals_date_outside_hint"),
            )
        typed = actuals["week"]
        differ = dated & ~outside & typed.notna() & (typed != day_week)
        for i in actuals.index[differ]:
            self.add(
                *self.at(actuals, "week", actuals.at[i, "_row"]),
                said(
                    "actuals_week_not_date",
                    week=shown(typed.at[i]),
                    date=shown(actuals.at[i, "date"]),
                    day_week=int(day_week.at[i]),
                ),
                said("actuals_week_not_date_hint"),
            )
        actuals["week"] = typed.fillna(day_week.where(~outside))

    def departed(self, frames: dict) -> None:
        """History of reps no longer in tblReps (a CRM export keeps leavers): it counts for the
        team, regions and products, and the run log says so."""
        history, reps = frames.get("history"), frames.get("reps")
        if history is None or reps is None or "rep_id" not in history.attrs.get("columns", {}):
            return
        gone = history["rep_id"].notna() & ~history["rep_id"].isin(set(reps["rep_id"].dropna()))
        if gone.any():
            ids = list(dict.fromkeys(history.loc[gone, "rep_id"]))
            shown = ", ".join(map(str, ids[:5])) + (" …" if len(ids) > 5 else "")
            rows = int(history.loc[gone, "_rows"].sum()) if "_rows" in history else int(gone.sum())
            self.notes.append(said("note_history_departed", rows=rows, n=len(ids), reps=shown))

    # -- one table -------------------------------------------------------------------
    def table(self, spec: TableSpec, raw: RawTable | None = None) -> pd.DataFrame | None:
        """A table of the workbook (or `raw`, a source's rows) as typed values, every cell
        the reader cannot read a problem at its place."""
        raw = raw if raw is not None else self.source.table(spec.name)
        if raw is None:
            if not spec.optional:
                self.add(
                    spec.sheet,
                    "",
                    said("table_missing", table=spec.name),
                    said("table_missing_hint", table=spec.name),
                )
            return None
        lookup = header_lookup(spec)
        found: dict[str, int] = {}
        for j, h in enumerate(raw.headers):
            col = lookup.get(normalise_header(h))
            if col is None:
                continue  # the user's own column
            if col.key in found:
                self.add(
                    raw.sheet,
                    raw.header_cell(j),
                    said("column_twice", table=spec.name, column=col.en),
                    said("column_twice_hint"),
                )
            found.setdefault(col.key, j)
        missing = [c for c in spec.columns if c.required and c.key not in found]
        others = {
            normalise_header(h): j
            for j, h in enumerate(raw.headers)
            if normalise_header(h) not in lookup
        }
        for c in missing:
            near = difflib.get_close_matches(normalise_header(c.en), list(others), n=1, cutoff=0.8)
            if near:  # a typo in the header: point at it
                j = others[near[0]]
                where, hint = j, said("column_rename", header=raw.headers[j], column=c.en)
            else:
                where, hint = 0, said("column_add", column=c.en)
            self.add(
                raw.sheet,
                raw.header_cell(where),
                said("column_missing", table=spec.name, column=c.en, column_zh=c.zh),
                hint,
            )
        if spec.one_of and not any(k in found for k in spec.one_of):
            named = [spec.column(k) for k in spec.one_of]
            self.add(
                raw.sheet,
                raw.header_cell(0),
                said(
                    "column_missing_one_of",
                    table=spec.name,
                    first=f"{named[0].en} ({named[0].zh})",
                    second=f"{named[1].en} ({named[1].zh})",
                ),
                said(f"column_missing_one_of_hint_{spec.key}"),
            )
            return None
        if missing:
            return None
        if isinstance(raw, SourceRows):
            data = raw.frame
        elif raw.columns is not None:
            data = pd.DataFrame(
                dict(enumerate(raw.columns)), columns=range(len(raw.headers)), dtype=object
            )
        elif raw.rows:
            data = pd.DataFrame(raw.rows, columns=range(len(raw.headers)), dtype=object)
        else:
            data = pd.DataFrame(columns=range(len(raw.headers)))
        data.index = pd.RangeIndex(len(data))
        self.raw[spec.key] = (raw, found, data)
        # each column's distinct values, found once for the blank rows and the column's read
        seen = {j: coerce.distinct(data[j]) for j in set(found.values())} if len(data) else {}
        blank = (
            pd.concat(
                [coerce.blank_cells(data[j], seen=seen[j]) for j in found.values()], axis=1
            ).all(axis=1)
            if len(data)
            else pd.Series(dtype=bool)
        )
        keep = ~blank
        out = pd.DataFrame(index=data.index[keep])
        for col in spec.columns:
            if col.key not in found:
                out[col.key] = None if col.kind in ("text", CHOICE, DATE) else np.nan
                continue
            j = found[col.key]
            name = _typed_header(raw.headers[j], col)  # the problems name it as the user does
            cells, unread = data.loc[keep, j], pd.Series(False, index=data.index[keep])
            if (spec.key, col.key) not in NEVER_READ and raw.errors:
                cells, unread = self.unreadable(raw, cells, j, name)
            # a table with error cells (equal to their text, read as blanks) has its columns'
            # distinct values found again, among the cells read
            shared = coerce.FIND if raw.errors else seen.get(j) and seen[j].rows(keep.to_numpy())
            values, bad = self.coerce(col, cells, name, shared)
            if col.kind == "text" and spec.key != "history" and len(values):
                values = self.within_cell_limit(raw, values, j, name)
            for i in values.index[bad]:
                self.add(
                    raw.sheet,
                    raw.cell(i, j),
                    self.bad_message(col, data.at[i, j], name),
                    said("hint_decimal_comma")
                    if col.kind in (NUMBER, AMOUNT, FRACTION, INTEGER)
                    and coerce.decimal_comma(data.at[i, j])
                    else self.bad_hint(col),
                )
            if col.required and (spec.key, col.key) not in BLANK_MEANS_DEFAULT:
                empty = values.isna() & ~bad & ~unread
                for i in values.index[empty]:
                    self.add(
                        raw.sheet,
                        raw.cell(i, j),
                        said("value_empty", column=name),
                        said("value_empty_hint"),
                    )
            if col.key in NON_NEGATIVE and col.kind != "text":
                for i in values.index[values.notna() & (values < 0)]:
                    self.add(
                        raw.sheet,
                        raw.cell(i, j),
                        said("value_negative", column=name, value=shown(data.at[i, j])),
                        said("value_negative_hint"),
                    )
            if col.key in POSITIVE:
                for i in values.index[values.notna() & (values <= 0)]:
                    self.add(
                        raw.sheet,
                        raw.cell(i, j),
                        said("value_not_positive", column=name, value=shown(data.at[i, j])),
                        said(POSITIVE[col.key]),
                    )
            if col.key in BETWEEN:
                low, high = BETWEEN[col.key]
                shown_already = (values < 0) if col.key in NON_NEGATIVE else (values <= 0)
                outside = (values < low) | (values > high)
                for i in values.index[values.notna() & outside & ~shown_already]:
                    self.add(
                        raw.sheet,
                        raw.cell(i, j),
                        said(
                            "value_between",
                            column=name,
                            value=shown(data.at[i, j]),
                            low=shown(low),
                            high=shown(high),
                        ),
                        said("range_at_most_hint"),
                    )
            out[col.key] = values
        if "amount" in out:
            out["amount_cents"] = to_cents(out["amount"].fillna(0))
        if "gross_profit" in out:  # blank stays blank: a column left empty is not tracked
            typed = out["gross_profit"].notna()
            cents = pd.Series(to_cents(out["gross_profit"].fillna(0)), index=out.index)
            out["gross_profit_cents"] = cents.astype("Int64").where(typed, pd.NA)
        out["_row"] = out.index + raw.first_row + 1
        out = out.reset_index(drop=True)
        out.attrs["sheet"] = raw.sheet
        out.attrs["columns"] = {k: raw.cell(0, j).rstrip("0123456789") for k, j in found.items()}
        if isinstance(raw, SourceRows):
            out.attrs["locate"] = raw.locate
        # the headers as typed, for the engine's problems to name a column as the user does
        out.attrs["headers"] = {
            k: _typed_header(raw.headers[j], spec.column(k)) for k, j in found.items()
        }
        return out

    def unreadable(self, raw: RawTable, cells: pd.Series, j: int, name: str):
        """The cells holding an error value or a formula never calculated (CellError), each a
        problem at its cell: the column without them (read as blanks), and where they were."""
        flagged = cells.map(type, na_action="ignore").eq(CellError)
        for i in cells.index[flagged]:
            error = str(cells[i])
            self.add(
                raw.sheet,
                raw.cell(i, j),
                said("value_error_cell", column=name, error=error)
                if error
                else said("value_formula_unsaved", column=name),
                said("value_error_cell_hint" if error else "value_formula_unsaved_hint"),
            )
        return (cells.where(~flagged, None) if flagged.any() else cells), flagged

    def coerce(self, col, values: pd.Series, name: str, seen=coerce.FIND):
        """`seen`: the column's distinct values, when found already (coerce.by_distinct)."""
        if col.kind == AMOUNT:
            return coerce.amount(values, seen=seen)
        if col.kind == NUMBER:
            v, bad, _ = coerce.number(values)
            return v, bad
        if col.kind == FRACTION:
            v, bad, over = coerce.number(values, percent_over_one=True)
            if over.any():
                self.notes.append(said("note_percent_column", column=name))
            return v, bad
        if col.kind == INTEGER:
            return coerce.integer(values)
        if col.kind == DATE:
            return coerce.date(values, seen=seen)
        if col.kind == CHOICE:
            return coerce.choice(values, col.en, seen=seen)
        return coerce.text(values, seen=seen)

    @staticmethod
    def bad_message(col, value, name: str) -> Message:
        if col.kind == CHOICE:
            return not_a_choice(col.en, value, name)
        key = {
            NUMBER: "value_not_a_number",
            AMOUNT: "value_not_an_amount",
            FRACTION: "value_not_a_fraction",
            INTEGER: "value_not_whole",
            DATE: "value_not_a_date",
        }.get(col.kind, "value_not_valid")
        return said(key, column=name, value=shown(value))

    @staticmethod
    def bad_hint(col) -> Message | str:
        key = {
            NUMBER: "hint_number",
            AMOUNT: "hint_amount",
            FRACTION: "hint_fraction",
            INTEGER: "hint_whole",
            DATE: "hint_date",
            CHOICE: "hint_choice",
        }.get(col.kind)
        return said(key) if key else ""

    def within_cell_limit(self, raw, values: pd.Series, j: int, name: str) -> pd.Series:
        """Text longer than an Excel cell holds (only another program can write it) is cut
        to 32,767 characters, so every sheet salesplan writes shows the same text; a note
        names each cell."""
        lengths = values.str.len()
        long = lengths > MAX_TEXT
        if not long.any():
            return values
        values = values.copy()
        for i in values.index[long]:
            at = where(raw.sheet, raw.cell(i, j))
            self.notes.append(
                said("note_text_cut", at=at, column=name, n=int(lengths[i]), most=MAX_TEXT)
            )
            values[i] = values[i][:MAX_TEXT]
        return values

    # -- settings --------------------------------------------------------------------
    def settings(self, frame: pd.DataFrame | None) -> Settings:
        values: dict = {}
        if frame is None:
            return Settings(values)
        sheet = frame.attrs["sheet"]
        names = {normalise_header(k): k for k in SPECS}
        cells: dict[str, str] = {}
        rows: dict[str, int] = {}
        blank: set[str] = set()
        for _, row in frame.iterrows():
            if pd.isna(row["setting"]):
                continue  # reported as "Setting is empty"
            cell = f"{frame.attrs['columns']['value']}{row['_row']}"
            name = names.get(normalise_header(row["setting"]))
            if name is None:
                self.add(
                    sheet,
                    f"{frame.attrs['columns']['setting']}{row['_row']}",
                    said(
                        "setting_unknown",
                        setting=row["setting"],
                        suggestion=did_you_mean(row["setting"], SPECS),
                    ),
                    said("setting_unknown_hint"),
                )
                continue
            if name in cells:  # two values for one setting: never guess which one is meant
                self.add(
                    sheet,
                    f"{frame.attrs['columns']['setting']}{row['_row']}",
                    said("setting_twice", name=name, row=rows[name]),
                    said("setting_twice_hint"),
                )
                continue
            cells[name], rows[name] = cell, row["_row"]
            if pd.isna(row["value"]):
                blank.add(name)  # blank: the default
                continue
            value = self.setting_value(name, row["value"], sheet, cell)
            if value is not None:
                values[name] = value
        if "PeriodStart" not in cells:
            self.add(
                sheet,
                "",
                said("period_start_missing"),
                said("period_start_missing_hint"),
            )
        elif "PeriodStart" in blank:
            self.add(
                sheet,
                cells["PeriodStart"],
                said("period_start_empty"),
                said("period_start_empty_hint"),
            )
        for name, value in values.items():
            wrong = out_of_range(name, value)
            if wrong:
                self.add(
                    sheet, cells[name], said("setting_wrong", name=name, wrong=wrong[0]), wrong[1]
                )
        return Settings(values, {name: (sheet, cell) for name, cell in cells.items()})

    def setting_value(self, name: str, value, sheet: str, cell: str):
        kind = SPECS[name][0]
        if value is None:
            return None
        if kind == "date":
            day, bad = coerce.date_of(value)
            if bad:
                self.add(
                    sheet,
                    cell,
                    said("value_not_a_date", column=name, value=value),
                    said("hint_date"),
                )
                return None
            return day.date()
        if kind in ("int", "amount", "fraction", "ratio"):
            if kind == "amount":
                v, bad = coerce.amount_of(value)
                over = False
            else:
                v, bad, over = coerce.number_of(value, percent_over_one=kind == "fraction")
            if bad or (kind == "int" and not float(v).is_integer()):
                what = {"int": "value_not_whole", "amount": "value_not_an_amount"}
                self.add(
                    sheet,
                    cell,
                    said(what.get(kind, "value_not_a_number"), column=name, value=value),
                    said("hint_fraction")
                    if kind == "fraction"
                    else said("hint_whole_like", example=SPECS[name][1] or 26)
                    if kind == "int"
                    else said("hint_amount_setting")
                    if kind == "amount"
                    else said("hint_a_number"),
                )
                return None
            if over:
                self.notes.append(
                    said("note_percent_setting", name=name, value=shown(value), read=float(v))
                )
            if kind == "int":
                return int(v)
            if kind == "amount":
                return (
                    int(to_cents([v])[0]) // 100
                    if float(v).is_integer()
                    else Decimal(repr(float(v)))
                )
            return Decimal(repr(float(v)))
        if kind.startswith("choice:"):
            match = choice_value(name, value)
            if match is None:
                self.add(sheet, cell, not_a_choice(name, value), said("pick_from_list"))
            return match
        if kind == "country":
            if str(value).strip().casefold() in NO_HOLIDAYS:
                return HOLIDAYS_NONE
            code = country_code(value)
            if code is None:
                self.add(
                    sheet,
                    cell,
                    said("holidays_unknown", value=value),
                    said("holidays_unknown_hint"),
                )
            return code
        if kind == "ratios":
            parts = [
                p for p in str(value).replace("，", ",").replace(";", ",").split(",") if p.strip()
            ]
            read = [coerce.number_of(p) for p in parts]  # `number` reads cell by cell
            if not parts or any(bad for _, bad, _ in read):
                self.add(
                    sheet,
                    cell,
                    said("setting_not_numbers", name=name, value=value),
                    said("setting_not_numbers_hint"),
                )
                return None
            return tuple(Decimal(repr(float(x))) for x, _, _ in read)
        if kind == "stage_weights":
            out = {}
            for part in str(value).replace("，", ",").split(","):
                typed, _, w = part.replace("＝", "=").partition("=")
                stage = choice_value("Stage", typed)  # 成长=0.25 as growth=0.25
                v, bad, _ = coerce.number_of(w)
                if stage is None or bad:
                    self.add(
                        sheet,
                        cell,
                        said("setting_not_stage_weights", name=name, value=value),
                        said("setting_not_stage_weights_hint", options=choice_options("Stage")),
                    )
                    return None
                out[stage] = Decimal(repr(float(v)))
            return out
        return str(value).strip()

    # -- across tables ---------------------------------------------------------------
    def header(self, table: str, key: str) -> str:
        """The header of a column as the table read has it."""
        col = next(t for t in TABLES if t.key == table).column(key)
        if table not in self.raw or key not in self.raw[table][1]:
            return col.en
        raw, found, _ = self.raw[table]
        return _typed_header(raw.headers[found[key]], col)

    def relations(self, frames: dict) -> None:
        for table, key in UNIQUE:
            f = frames.get(table)
            if f is None or f.empty:
                continue
            dup = f[key].notna() & f[key].duplicated(keep="first")
            first = f.drop_duplicates(key).set_index(key)["_row"]
            for i in f.index[dup]:
                self.add(
                    *self.at(f, key, f.at[i, "_row"]),
                    said(
                        "key_twice",
                        column=self.header(table, key),
                        value=f.at[i, key],
                        row=first[f.at[i, key]],
                    ),
                    said("key_twice_hint"),
                )
        for table, key, ref_table, ref_key in FOREIGN_KEYS:
            f, ref = frames.get(table), frames.get(ref_table)
            if f is None or ref is None or ref.empty or key not in f.attrs.get("columns", {}):
                continue  # a missing or empty table is reported on its own
            known = set(ref[ref_key].dropna())
            unknown = f[key].notna() & ~f[key].isin(known)
            ref_name = next(t.name for t in TABLES if t.key == ref_table)
            # one problem per unknown value, at its first row: a CRM export repeats it thousands of times
            for value, rows in f.loc[unknown, "_row"].groupby(f.loc[unknown, key], sort=False):
                fields = {
                    "column": self.header(table, key),
                    "value": value,
                    "table": ref_name,
                    "suggestion": did_you_mean(value, known) if key != "rep_id" else "",
                }
                # a source's history comes summed: `_rows` counts the rows of each
                n = int(f.loc[rows.index, "_rows"].sum()) if "_rows" in f else len(rows)
                if n > 1:
                    message = said("not_in_table_rows", **fields, rows=n)
                    hint = said("not_in_table_rows_hint", table=ref_name)
                else:
                    message = said("not_in_table", **fields)
                    hint = said("not_in_table_hint", table=ref_name)
                if "locate_value" in f.attrs:
                    place = f.attrs["locate_value"](key, value)
                else:
                    place = self.at(f, key, rows.iloc[0])
                self.add(*place, message, hint)
        for table in WEIGHTED:
            f = frames.get(table)
            if f is None or f.empty or "weight" not in f.attrs.get("columns", {}):
                continue
            w = f["weight"]
            if w.notna().all() and w.sum() <= 0:
                self.add(
                    f.attrs["sheet"],
                    f"{f.attrs['columns']['weight']}{f['_row'].iloc[0]}",
                    said("table_weights_zero"),
                    said("table_weights_zero_hint"),
                )
        reps = frames.get("reps")
        if (
            reps is not None
            and "end_date" in reps.attrs["columns"]
            and "start_date" in reps.attrs["columns"]
        ):
            wrong = (
                reps["end_date"].notna()
                & reps["start_date"].notna()
                & (reps["end_date"] < reps["start_date"])
            )
            for i in reps.index[wrong]:
                self.add(
                    reps.attrs["sheet"],
                    f"{reps.attrs['columns']['end_date']}{reps.at[i, '_row']}",
                    said(
                        "end_before_start",
                        end=shown(reps.at[i, "end_date"]),
                        start=shown(reps.at[i, "start_date"]),
                    ),
                    said("end_before_start_hint"),
                )


# fraction settings that cannot exceed 100 %: a floor above target, more than all reps in the top
# The largest value a setting can sensibly take: beyond it, a typo (10⁹ weeks, 1e308 growth)
# that would only make the engine overflow or run out of memory.
LARGEST_SENSIBLE = {
    "PeriodWeeks": 106,  # two years of weeks
    "ShareWindow": 520,  # ten years of history
    "Unit": 100_000_000,
    "RoundTo": 100_000_000,
    "MarketGrowth": Decimal(10),  # +1000 %
    "ChallengePct": Decimal(10),
    "PoolThreshold": Decimal(10),
    "CapabilityTop": Decimal(100),
    "CapabilityMid": Decimal(100),
    "CapabilityBottom": Decimal(100),
    "ResourceCore": Decimal(100),
    "ResourceStandard": Decimal(100),
    "ResourceSuburb": Decimal(100),
    "RecalibrationCap": Decimal(10),
    "FlexReserve": Decimal(1),
    "RedBelow": Decimal(1),
    "Version": 1_000_000,
}

AT_MOST_ALL = {
    "FloorPct",
    "NewRepTargetPct",
    "NewRepFloorPct",
    "CapabilityTopShare",
    "CapabilityBottomShare",
    "PoolRate",
    "MarginFloor",
}


def out_of_range(name: str, value) -> tuple[Message, Message] | None:
    """(what is wrong, what to do) when a setting's value is of its kind but makes no sense;
    what is wrong follows the setting's name (`setting_wrong`)."""
    kind = SPECS[name][0]
    if kind == "int" and name in ("PeriodWeeks", "RoundTo", "Unit") and value <= 0:
        return said("range_above_zero", value=shown(value)), said(
            "hint_whole_like", example=SPECS[name][1]
        )
    if name in LARGEST_SENSIBLE and value > LARGEST_SENSIBLE[name]:
        most = LARGEST_SENSIBLE[name]
        if kind in ("fraction",):
            return said("range_at_most_pct", pct=float(value) * 100, most=float(most) * 100), said(
                "range_at_most_hint"
            )
        return said("range_at_most", value=shown(value), most=shown(most)), said(
            "range_at_most_hint"
        )
    if name == "FloorPct" and value <= 0:
        return said("range_above_zero", value=shown(value)), said("range_share_hint")
    if name == "ChallengePct" and value < 1:  # challenge below target: the tiers upside down
        return said("range_challenge", value=shown(value)), said("range_challenge_hint")
    if kind == "fraction":
        pct = float(value) * 100
        if name == "MarketGrowth":
            if value <= -1:  # the target would be zero or negative
                return said("range_growth", pct=pct), said("range_growth_hint")
        elif name == "Buffer":
            if not 0 <= value < 1:
                return said("range_buffer", pct=pct), said("range_buffer_hint")
        elif name in AT_MOST_ALL:
            if not 0 <= value <= 1:
                return said("range_share", pct=pct), said("range_share_hint")
        elif value < 0:
            return said("range_percent_negative", pct=pct), said("range_percent_negative_hint")
    if (kind == "ratio" or name == "AvgDealSize") and value <= 0:
        return said("range_above_zero", value=shown(value)), said(
            "hint_number_like", example=SPECS[name][1] or 30000
        )
    if kind == "amount" and value < 0:
        return said("range_amount_negative", value=value), said("range_amount_negative_hint")
    if kind == "ratios" and any(v < 0 for v in value):
        return said("range_ratios_negative"), said("range_ratios_negative_hint")
    return None


def not_a_choice(name: str, value, typed_name: str = "") -> Message:
    """`Baseline "x" is not one of last_period, … (or 上期、…)`, leading with the plan's
    language, with the closest of the names in either language. `name` is a choice setting
    or a choice column's English header (Level); `typed_name` the header as the user typed it."""
    english = choices(name)
    chinese = [choice_word(name, o, "zh-CN") for o in english]
    names = {n.casefold(): n for n in (*english, *chinese)}
    close = difflib.get_close_matches(str(value).strip().casefold(), list(names), n=1, cutoff=0.6)
    return said(
        "setting_not_a_choice",
        name=typed_name or name,
        value=shown(value),
        options=choice_options(name),
        suggestion=said("did_you_mean_choice", choice=names[close[0]]) if close else "",
    )


def choice_options(name: str) -> Message:
    """A choice's names in both languages: `senior, standard, new (or in Chinese 资深、标准、新人)`."""
    english = choices(name)
    chinese = [choice_word(name, o, "zh-CN") for o in english]
    return said("choice_options", en=", ".join(english), zh="、".join(chinese))


def shown(value) -> str:
    """A cell's value as the user typed it: 500 not 500.0, 2026-07-06 not 2026-07-06 00:00:00."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)) and value == value.replace(
        hour=0, minute=0, second=0, microsecond=0
    ):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _typed_header(typed, col) -> str:
    """A column's header as the user typed it (Region, 区域, region), for the problems."""
    return str(typed).strip() or col.en


def sourced_table(typed) -> str | None:
    """The table a tblSources row stands for, named as a table, a sheet or a key, in either
    language (tblHistory, SalesHistory, History, 历史销售 …): history, actuals or None."""
    names = {
        "history": ("tblHistory", "SalesHistory", "History", "历史销售", "销售历史", "历史"),
        "actuals": ("tblActuals", "Actuals", "实际", "实际完成"),
    }
    key = normalise_header(typed)
    return next((k for k, ns in names.items() if key in {normalise_header(n) for n in ns}), None)


def read_plan(source: TableSource) -> Plan:
    return Reader(source).read()


def plan_locale(source: TableSource) -> str:
    """The plan's Locale, for words said before or without a clean read: the default when
    tblSettings, its Locale row or a valid value is missing (read_plan reports those)."""
    reader = Reader(source)
    frame = reader.table(BY_KEY["settings"])
    if frame is None:  # no tblSettings: the language its tables' headers are written in
        return headers_language(source) or LOCALES[0]
    locale = reader.settings(frame).values.get("Locale")
    return locale if locale in LOCALES else LOCALES[0]


def headers_language(source: TableSource) -> str | None:
    """en or zh-CN when the input tables' headers are mostly one language's, else None."""
    count = {"en": 0, "zh-CN": 0}
    for spec in TABLES:
        raw = source.table(spec.name)
        if raw is None:
            continue
        typed = {normalise_header(h) for h in raw.headers}
        count["en"] += sum(normalise_header(c.en) in typed for c in spec.columns)
        count["zh-CN"] += sum(normalise_header(c.zh) in typed for c in spec.columns)
    if count["en"] == count["zh-CN"]:
        return None
    return max(count, key=count.get)
