"""The plan as plain data: what the reader builds and the engine consumes (STYLE §2)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.settings import Settings


@dataclass(frozen=True)
class Plan:
    """Every input table as a DataFrame with the engine's column keys (xl_addin/workbook/columns.py).

    Amounts in History and Actuals are int64 cents (`amount_cents`); optional tables that
    the workbook lacks are None. `notes` carries what the reader assumed (e.g. 30 -> 30 %).
    """

    settings: Settings
    history: pd.DataFrame
    reps: pd.DataFrame
    products: pd.DataFrame
    regions: pd.DataFrame
    customer_types: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    commission: pd.DataFrame | None = None
    rhythm: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    kpis: pd.DataFrame | None = None
    actuals: pd.DataFrame | None = None
    change_log: pd.DataFrame | None = None
    sign_offs: pd.DataFrame | None = None  # reps' acceptances, written by `collect`
    kpi_actuals: pd.DataFrame | None = None  # long: rep_id, week, kpi, value (from tblActuals)
    scenarios: tuple = ()  # engine.scenarios.Scenario each, from tblScenarios, in its order
    notes: tuple[str, ...] = field(default_factory=tuple)
