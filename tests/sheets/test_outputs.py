"""The output-sheet descriptions: labels in both locales, exact yuan where exactness is the point."""

from engine import decompose
from engine.settings import Settings
from tests import builders as b
from xl_addin.sheets.labels import LABELS
from xl_addin.sheets.outputs import describe


def test_every_reconciliation_check_is_labelled_in_both_locales():
    d = decompose(b.plan(b.reps(3)))
    assert set(d.reconciliation["check"]) <= set(LABELS)
    zh = describe(d, Settings({**b.settings().values, "Locale": "zh-CN", "Unit": 10000}))
    recon = next(s for s in zh if s.key == "Reconciliation").blocks[0]
    assert recon.frame["check"].iloc[0] == "团队 = Σ 区域 + 未分配"


def test_reconciliation_shows_whole_yuan_even_when_the_plan_shows_wan():
    # a difference of 1 yuan would read "0.0万" in the plan's Unit; here it must read "1"
    d = decompose(b.plan(b.reps(3)))
    sheets = describe(d, Settings({**b.settings().values, "Unit": 10000}))
    recon = next(s for s in sheets if s.key == "Reconciliation").blocks[0]
    formats = {c.key: c.fmt for c in recon.columns}
    assert formats["difference"] == "#,##0"
    targets = next(s for s in sheets if s.key == "Targets").blocks[0]
    assert {c.key: c.fmt for c in targets.columns}["target"] == formats["expected"] == "0\\.0,"
