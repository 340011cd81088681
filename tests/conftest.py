"""Fixtures shared by the suite's folders."""

from __future__ import annotations

import os
import time

import pytest


@pytest.fixture
def in_zone(monkeypatch):
    """set_zone(zone): this computer's time zone set to `zone` for the test (TZ and tzset,
    POSIX), restored after it. Where there is no tzset the test skips, and fails under
    CI=true."""
    if not hasattr(time, "tzset"):
        if os.environ.get("CI") == "true":
            raise AssertionError("time.tzset is needed to set the time zone (CI=true)")
        pytest.skip("no time.tzset on this platform (a failure under CI=true)")

    def set_zone(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()
