"""Recalibration of SPEC §7, computed by hand.

The plan: four equal reps (R001, R003 in North; R002, R004 in South), TeamTarget 4,000,000
→ each rep 1,000,000, one rhythm phase of 13 weeks → 1,000,000 / 13 = 76,923 r 1, so week 1
plans 76,924 and weeks 2–13 plan 76,923. RecalibrationCap 20 % → 800,000 to 1,200,000;
FlexReserve 15 % → beyond 850,000 … 1,150,000 an approver signs.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import decompose
from engine.problems import PlanError
from engine.recalibrate import Request, replay, request, version
from tests import builders as b

RHYTHM = pd.DataFrame({"phase": ["all"], "weeks": [13], "share": [1.0]})
NOW = "2026-02-02 09:30:00"


def make_plan(log=None, reps=None):
    reps = b.reps(4, regions=("North", "South")) if reps is None else reps
    p = b.plan(reps, TeamTarget=4_000_000, CapabilityTopShare="0", CapabilityBottomShare="0")
    return dataclasses.replace(p, rhythm=RHYTHM, change_log=log)


def ask(p, scope, key, target, approver="", from_week=5, reason="lost key account"):
    original = decompose(p, with_changes=False)
    current = decompose(p)
    return request(
        p, original, current, Request(scope, key, target, reason, approver), from_week, NOW
    )


def logged(p, rows):
    old = p.change_log if p.change_log is not None else pd.DataFrame()
    frame = pd.concat([old, rows], ignore_index=True)
    frame["_row"] = np.arange(len(frame)) + 2
    frame.attrs = {"sheet": "ChangeLog", "columns": {"rep_id": "B", "new": "E", "version": "H"}}
    return dataclasses.replace(p, change_log=frame)


def problems_of(excinfo, locale="en"):
    return [b.words(x, locale) for x in excinfo.value.problems]


def test_the_plan_is_as_in_the_docstring():
    d = decompose(make_plan())
    assert d.targets["target"].tolist() == [1_000_000] * 4
    assert d.weekly.iloc[0].tolist() == [76_924] + [76_923] * 12


@pytest.mark.parametrize(
    "target, approver, accepted",
    [
        (1_199_000, "Director Wang", True),  # +19.9 %
        (1_200_000, "Director Wang", True),  # +20 % exactly: not beyond the cap
        (1_201_000, "Director Wang", False),  # +20.1 %
        (800_000, "Director Wang", True),  # −20 %
        (799_000, "Director Wang", False),  # −20.1 %
        (1_160_000, "", False),  # +16 % without an approver
        (1_160_000, "Director Wang", True),
        (1_150_000, "", True),  # +15 % exactly needs nobody
        (1_151_000, "", False),  # +15.1 %
        (850_000, "", True),
    ],
)
def test_cap_and_flex_reserve_at_their_boundaries(target, approver, accepted):
    p = make_plan()
    if accepted:
        rows = ask(p, "rep", "R001", target, approver)
        assert rows[["rep_id", "old", "new", "version", "from_week"]].values.tolist() == [
            ["R001", 1_000_000, target, 2, 5]
        ]
    else:
        with pytest.raises(PlanError) as e:
            ask(p, "rep", "R001", target, approver)
        (message,) = problems_of(e)
        assert "R001's target" in message


def test_refusal_messages_name_the_limit_and_the_range():
    with pytest.raises(PlanError) as e:
        ask(make_plan(), "rep", "R001", 1_201_000, "Director Wang")
    assert problems_of(e) == [
        "target: R001's target 1,201,000 is 20.1 % from its original 1,000,000, beyond "
        "RecalibrationCap 20 % (default) — choose a target from 800,000 to 1,200,000"
    ]
    with pytest.raises(PlanError) as e:
        ask(make_plan(), "rep", "R001", 1_160_000)
    assert problems_of(e) == [
        "approver: R001's target 1,160,000 is 16.0 % from its original 1,000,000, beyond "
        "FlexReserve 15 % (default), and needs an approver — name who approved it"
    ]
    assert problems_of(e, "zh-CN") == [
        "approver: R001的目标 1,160,000 偏离原目标 1,000,000 达 16.0 %，超出 "
        "FlexReserve 15 %（默认值），需要审批人 — 请填写批准人的姓名"
    ]


def test_bad_requests():
    p = make_plan()
    with pytest.raises(PlanError) as e:
        ask(p, "rep", "R01", 1_100_000)
    assert problems_of(e) == [
        'rep: RepID "R01" is not in tblReps (did you mean "R001"?) — give a RepID from the Targets sheet'
    ]
    assert problems_of(e, "zh-CN") == [
        "rep: 销售编号“R01”不在 tblReps 中（您是否想填“R001”？） — 请填写“目标”工作表中的销售编号"
    ]
    with pytest.raises(PlanError) as e:
        ask(p, "rep", "R001", 1_100_500, reason=" ")
    assert problems_of(e) == [
        "reason: a recalibration needs a reason — say why the target changes",
        "target: 1,100,500 is not a whole multiple of RoundTo 1,000 — give a target like 1,100,000",
    ]
    with pytest.raises(PlanError) as e:
        ask(p, "rep", "R001", 1_000_000)
    assert problems_of(e) == ["target: R001's target is already 1,000,000 — nothing to change"]
    with pytest.raises(PlanError) as e:
        ask(p, "rep", "R001", 1_100_000, from_week=14)
    assert "no weeks left to re-phase" in problems_of(e)[0]


def test_a_rep_change_rephases_only_the_remaining_weeks_and_everything_still_reconciles():
    p = make_plan()
    before = decompose(p)
    after = decompose(logged(p, ask(p, "rep", "R001", 1_199_000, "Director Wang")))
    w = after.weekly.to_numpy()
    # weeks 1–4 stay 76,924 + 3 × 76,923 = 307,693; the other 891,307 over 9 equal weeks:
    # 891,307 / 9 = 99,034 r 1 → week 5 gets 99,035
    assert w[0, :4].tolist() == [76_924, 76_923, 76_923, 76_923]
    assert w[0, 4:].tolist() == [99_035] + [99_034] * 8
    assert w[0].sum() == 1_199_000
    assert (w[1:] == before.weekly.to_numpy()[1:]).all()  # nobody else moves
    t = after.targets.set_index("rep_id")
    assert t.loc["R001", ["original_target", "target", "floor", "challenge"]].tolist() == [
        1_000_000,
        1_199_000,
        1_079_000,  # 0.9 × 1,199 units = 1,079.1 → 1,079
        1_379_000,  # 1.15 × 1,199 = 1,378.85 → 1,379
    ]
    assert after.team["target"] == 4_199_000 and after.team["original_target"] == 4_000_000
    assert after.regions.set_index("region")["target"].to_dict() == {
        "North": 2_199_000,
        "South": 2_000_000,
    }
    assert after.breakdown.groupby("rep_id")["target"].sum()["R001"] == 1_199_000
    assert (after.reconciliation["difference"] == 0).all()
    assert after.team["version"] == 2


def test_a_region_change_moves_its_reps_in_proportion_and_logs_exactly_them():
    p = make_plan()
    rows = ask(p, "region", "North", 2_300_000, "Director Wang")  # +15 % → 1,150,000 each
    assert rows[["rep_id", "field", "old", "new"]].values.tolist() == [
        ["R001", "Target (region North)", 1_000_000, 1_150_000],
        ["R003", "Target (region North)", 1_000_000, 1_150_000],
    ]
    after = decompose(logged(p, rows))
    assert after.targets["target"].tolist() == [1_150_000, 1_000_000, 1_150_000, 1_000_000]
    assert (after.reconciliation["difference"] == 0).all()


def test_a_region_change_keeps_locked_reps():
    reps = b.reps(4, regions=("North", "South"), locked_target=[np.nan, np.nan, 1_000_000, np.nan])
    p = make_plan(reps=reps)
    rows = ask(p, "region", "North", 2_150_000, "Director Wang")  # R001 takes all 150,000
    assert rows[["rep_id", "new"]].values.tolist() == [["R001", 1_150_000]]


def test_a_team_change_is_checked_for_every_rep_it_moves():
    p = make_plan()
    rows = ask(p, "team", "", 4_400_000)  # +10 %: 1,100,000 each, no approver needed
    assert rows["new"].tolist() == [1_100_000] * 4 and len(rows) == 4
    reps = b.reps(
        4, regions=("North", "South"), locked_target=[np.nan, 1_000_000, 1_000_000, 1_000_000]
    )
    with pytest.raises(PlanError) as e:
        ask(make_plan(reps=reps), "team", "", 4_300_000, "Director Wang")  # +7.5 % for the team
    # … but R001 alone carries it: 1,300,000 is 30 % from its original
    assert problems_of(e) == [
        "target: R001's target 1,300,000 is 30.0 % from its original 1,000,000, beyond "
        "RecalibrationCap 20 % (default) — choose a target from 800,000 to 1,200,000"
    ]


def test_changes_replay_in_version_order_and_the_cap_is_against_the_original():
    p = make_plan()
    p2 = logged(p, ask(p, "rep", "R001", 1_100_000, from_week=5))
    assert version(p2) == 2
    p3 = logged(p2, ask(p2, "rep", "R001", 1_190_000, "Director Wang", from_week=9))
    d = decompose(p3)
    w = d.weekly.to_numpy()[0]
    assert w[:4].sum() == 307_693  # untouched
    # v2: 1,100,000 − 307,693 = 792,307 over weeks 5–13 = 88,034 r 1 → 88,035, 88,034 × 8
    assert w[4:8].tolist() == [88_035, 88_034, 88_034, 88_034]
    # v3: 1,190,000 − 307,693 − 352,137 = 530,170 over weeks 9–13 = 106,034 each
    assert w[8:].tolist() == [106_034] * 5
    assert d.targets["original_target"].iat[0] == 1_000_000
    assert version(p3) == 3
    with pytest.raises(
        PlanError
    ) as e:  # only 1 % from the current target, but 20.1 % from the original
        ask(p3, "rep", "R001", 1_201_000, "Director Wang", from_week=10)
    assert "20.1 % from its original 1,000,000" in problems_of(e)[0]


def test_a_broken_change_log_row_is_named_by_its_cell():
    p = make_plan()
    rows = ask(p, "rep", "R001", 1_100_000)
    rows.loc[0, "rep_id"] = "R009"
    with pytest.raises(PlanError) as e:
        decompose(logged(p, rows))
    assert problems_of(e) == [
        'ChangeLog!B2: RepID "R009" is not in tblReps (did you mean "R004"?) — correct the RepID, or restore the rep in tblReps'
    ]
    assert problems_of(e, "zh-CN") == [
        "ChangeLog!B2: 销售编号“R009”不在 tblReps 中（您是否想填“R004”？） — "
        "请更正销售编号，或在 tblReps 中恢复该销售"
    ]


def test_rows_of_other_fields_are_left_alone():
    p = make_plan()
    rows = ask(p, "rep", "R001", 1_100_000).assign(field="Note")
    assert decompose(logged(p, rows)).targets["target"].tolist() == [1_000_000] * 4


@settings(max_examples=40, deadline=None)
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(["rep", "region", "team"]),
            st.integers(0, 3),
            st.integers(-20, 20),  # percent of the original
            st.integers(1, 13),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_every_identity_stays_exact_after_any_accepted_changes(changes):
    p = make_plan()
    original = decompose(p, with_changes=False)
    accepted = 0
    for scope, k, pct, week in changes:
        key = {"rep": f"R00{k + 1}", "region": ("North", "South")[k % 2], "team": ""}[scope]
        first = {
            "rep": 1_000_000,
            "region": 2_000_000,
            "team": 4_000_000,
        }[scope]
        target = first + first * pct // 100 // 1000 * 1000
        try:
            rows = ask(p, scope, key, target, "Director Wang", from_week=week)
        except PlanError:
            continue
        before = len(p.change_log) if p.change_log is not None else 0
        p = logged(p, rows)
        assert len(p.change_log) == before + len(rows)
        accepted += 1
    d = decompose(p)
    assert (d.reconciliation["difference"] == 0).all()
    assert (d.weekly.to_numpy() >= 0).all()
    moved = (d.targets["target"] - original.targets["target"]).abs()
    assert (moved <= original.targets["target"] * 0.2).all()
    assert d.team["target"] == d.targets["target"].sum()
    if accepted:
        assert replay(p, original).team["version"] == version(p)


def test_a_target_below_what_the_weeks_past_already_plan_is_refused():
    # from week 12, weeks 1–11 already plan 76,924 + 10 × 76,923 = 846,154
    with pytest.raises(PlanError) as e:
        ask(make_plan(), "rep", "R001", 840_000, "Director Wang", from_week=12)
    assert problems_of(e) == [
        "target: R001's plan for weeks 1–11 is already 846,154, above the new target — "
        "choose at least 847,000 (the weeks already past keep their plan)"
    ]
    assert problems_of(e, "zh-CN") == [
        "target: R001 在第 1–11 周的计划已达 846,154，高于新目标 — "
        "请至少填写 847,000（已过去的周保持原计划）"
    ]


def test_a_region_or_the_team_is_named_in_the_plans_language():
    # region North: R001 + R003 = 2,000,000; 20 % → 1,600,000 to 2,400,000; +25 % is refused
    with pytest.raises(PlanError) as e:
        ask(make_plan(), "region", "North", 2_500_000, "Director Wang")
    assert problems_of(e)[0] == (
        "target: region North's target 2,500,000 is 25.0 % from its original 2,000,000, beyond "
        "RecalibrationCap 20 % (default) — choose a target from 1,600,000 to 2,400,000"
    )
    assert problems_of(e, "zh-CN")[0] == (
        "target: North区域的目标 2,500,000 偏离原目标 2,000,000 达 25.0 %，超出 "
        "RecalibrationCap 20 %（默认值） — 请选择 1,600,000 至 2,400,000 之间的目标"
    )
    with pytest.raises(PlanError) as e:
        ask(make_plan(), "team", "", 4_000_000)
    assert problems_of(e) == ["target: the team's target is already 4,000,000 — nothing to change"]
    assert problems_of(e, "zh-CN") == ["target: 团队的目标已经是 4,000,000 — 无需调整"]
