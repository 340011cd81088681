"""Identities over random organisations (hypothesis): whatever the input, nothing is lost."""

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import PlanError, decompose
from engine.money import to_cents
from engine.plan import Plan
from tests import builders as b


@st.composite
def organisations(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 500))
    round_to = draw(st.sampled_from([1, 100, 1000, 10000]))
    n_regions = draw(st.integers(1, min(5, n)))
    n_products = draw(st.integers(1, 6))
    regions = [f"Region{i}" for i in range(n_regions)]
    reps = b.reps(n, regions=tuple(regions))
    reps["level"] = rng.choice(["senior", "standard", "new"], n, p=[0.2, 0.65, 0.15])
    reps["territory"] = rng.choice(["core", "standard", "suburb"], n)
    starts = pd.Timestamp(b.START) + pd.to_timedelta(rng.integers(-400, 80, n), unit="D")
    reps["start_date"] = [d.date() if rng.random() < 0.3 else None for d in starts]
    products = [f"P{j}" for j in range(n_products)]
    weeks = 13 * 2
    k = n * weeks
    hist = pd.DataFrame(
        {
            "period": pd.Timestamp(b.START)
            - pd.to_timedelta(np.tile(np.arange(1, weeks + 1), n) * 7, unit="D"),
            "amount": np.round(rng.gamma(2.0, 5000.0, k), 2),
            "region": np.repeat(reps["region"].to_numpy(), weeks),
            "product": rng.choice(products, k),
            "customer_type": "",
            "rep_id": np.repeat(reps["rep_id"].to_numpy(), weeks),
        }
    )
    hist["amount_cents"] = to_cents(hist["amount"])
    # some products with a Weight typed (0 among them), the rest shared by stage
    typed = np.where(
        rng.random(n_products) < 0.25, rng.choice([0, 0.05, 0.1, 0.3], n_products), np.nan
    )
    prods = pd.DataFrame(
        {
            "product": products,
            "stage": rng.choice(["new", "growth", "mature", "longtail"], n_products),
            "weight": typed,
            "margin": np.nan,
        }
    )
    stage_weights = {"new": 0.3, "growth": 0.2, "mature": 0.4, "longtail": 0.1}
    if rng.random() < 0.2:  # a stage left without a share
        stage_weights[str(rng.choice(list(stage_weights)))] = 0.0
    plan = b.plan(
        reps,
        hist=hist,
        products=prods,
        RoundTo=round_to,
        MarketGrowth=str(round(rng.uniform(-0.2, 0.5), 3)),
        StageWeights=stage_weights,
    )
    team_units = None
    lock = rng.random(n) < 0.05
    if lock.any():
        reps.loc[lock, "locked_target"] = rng.integers(0, 20, lock.sum()) * round_to
    coverage = None
    if n_products > 1 and rng.random() < 0.5:
        pairs = [(r, p) for r in reps["rep_id"] for p in products if rng.random() < 0.6]
        coverage = pd.DataFrame(pairs, columns=["rep_id", "product"])
    ct = pd.DataFrame({"customer_type": ["KA", "SMB", "New"], "weight": rng.dirichlet([1, 1, 1])})
    del team_units
    return Plan(**{**plan.__dict__, "reps": reps, "coverage": coverage, "customer_types": ct})


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(organisations())
def test_every_identity_holds_exactly_for_any_organisation(plan):
    try:
        d = decompose(plan)
    except PlanError as err:
        # the only refusals a random organisation may earn: coverage or locks it cannot carry,
        # or a product, region or customer type that sold but would get no target
        said = [(p.sheet, b.english(p.message)) for p in err.problems]
        assert all(
            ("Coverage" == sheet)
            or ("locked" in message)
            or ("no reps" in message)
            or ("no share" in message and sheet == "Products")
            or ("less than one RoundTo unit" in message)
            or ("more than 100 %" in message or "add up to zero" in message)
            for sheet, message in said
        ), b.english(err)
        return
    # no silent zero: whatever sold in the share window, and was not given Weight 0, has a target
    lo, hi = d.team["share_window"]
    weeks = (pd.to_datetime(plan.history["period"]) - pd.Timestamp(b.START)).dt.days // 7
    window = plan.history[(weeks >= lo) & (weeks <= hi)]
    for key, frame, got in (
        ("product", plan.products, d.products),
        ("region", plan.regions, d.regions),
    ):
        sold = window.groupby(key)["amount_cents"].sum()
        wanted = frame.loc[frame[key].map(sold).fillna(0).gt(0) & frame["weight"].ne(0), key]
        target = got.set_index(key)["target"]
        assert (target[wanted] > 0).all(), target[wanted]
    ct = d.customer_types.set_index("customer_type")["target"]
    assert (ct[plan.customer_types.set_index("customer_type")["weight"] > 0] > 0).all()
    unit = plan.settings.round_to
    assert d.reconciliation["difference"].eq(0).all(), d.reconciliation[
        d.reconciliation["difference"] != 0
    ]
    t = d.targets
    assert (t["floor"] <= t["target"]).all() and (t["target"] <= t["challenge"]).all()
    assert (t["target"] % unit == 0).all() and (d.breakdown["target"] % unit == 0).all()
    locked = plan.reps["locked_target"].notna().to_numpy()
    assert (t["target"].to_numpy()[locked] == plan.reps["locked_target"].to_numpy()[locked]).all()
    # independent sums, not the engine's own reconciliation
    assert t["target"].sum() + d.team["unallocated"] == d.team["target"]
    assert d.breakdown["target"].sum() == t["target"].sum()
    assert d.weekly.to_numpy().sum() == t["target"].sum() == d.months.to_numpy().sum()
    assert (d.weekly.sum(axis=1).to_numpy() == t["target"].to_numpy()).all()
    if plan.coverage is not None:
        listed = set(plan.coverage["rep_id"])
        allowed = set(zip(plan.coverage["rep_id"], plan.coverage["product"], strict=True))
        rows = d.breakdown[d.breakdown["rep_id"].isin(listed)]
        assert all((r, p) in allowed for r, p in zip(rows["rep_id"], rows["product"], strict=True))


def test_same_input_gives_the_same_decomposition():
    plan = b.plan(
        b.reps(30, regions=("A", "B", "C")), TeamTarget=9_999_000, PeriodStart=dt.date(2026, 1, 5)
    )
    one, two = decompose(plan), decompose(plan)
    for a, c in (
        (one.targets, two.targets),
        (one.breakdown, two.breakdown),
        (one.weekly, two.weekly),
    ):
        pd.testing.assert_frame_equal(a, c)
