"""What a decomposition yields (SPEC §2–§4): every target, in whole yuan."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engine.phasing import quarterly
from engine.problems import Message
from engine.settings import Settings


@dataclass(frozen=True)
class Decomposition:
    """All amounts in whole yuan (int64); targets are multiples of RoundTo."""

    team: dict
    regions: pd.DataFrame
    products: pd.DataFrame
    customer_types: pd.DataFrame
    targets: pd.DataFrame
    breakdown: pd.DataFrame
    weekly: pd.DataFrame  # reps × W1..Wn
    months: pd.DataFrame  # reps × 2026-10 …
    reconciliation: pd.DataFrame
    notes: tuple[str | Message, ...]  # the run log: catalogue messages, or English text
    settings: Settings  # what it was decomposed with (its Unit and Locale show it)
    # with a Holidays country: each week's start, month, working days, holidays and share
    work_weeks: pd.DataFrame | None = None

    @property
    def quarters(self) -> pd.DataFrame:
        """reps × 2027-Q1 …, the sums of their months, for an annual plan (none otherwise):
        derived, so a recalibration's months give its quarters too."""
        return quarterly(self.months, self.settings.weeks)
