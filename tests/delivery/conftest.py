"""Fixtures for `salesplan send`: a fake clock, an issued example company, outbox-only env."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest

from tests.examples import example_plan
from xl_addin.cli import main

START = 1_790_000_000.0  # 2026-09-21, seconds since the epoch


@dataclass
class FakeTime:
    """An injected clock that only moves when `sleep` is called: no test really waits."""

    now: float = START
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(scope="session")
def issued_example(tmp_path_factory):
    """The example company (zh-CN) issued once: plan.xlsx and books/ with its manifest."""
    root = tmp_path_factory.mktemp("example")
    example_plan(root / "plan.xlsx", "zh-CN")
    assert main(["issue", str(root / "plan.xlsx"), "--out", str(root / "books")]) == 0
    return root / "books"


@pytest.fixture
def books(issued_example, tmp_path):
    """A fresh copy of the issued example's folder, for a test to send from."""
    return shutil.copytree(issued_example, tmp_path / "books")
