"""Time `salesplan decompose` on a generated organisation: read, engine, write, in seconds.

    .venv/bin/python bench/decompose_bench.py --reps 2000 --weeks 104
Builds the workbook once (not timed), then times each stage and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine import decompose
from engine.settings import choice_word
from xl_addin.sheets.outputs import describe
from xl_addin.workbook.example_company import (
    CUSTOMER_TYPES,
    PRODUCTS,
    example_tables,
)
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.init import _write
from xl_addin.workbook.reader import read_plan

# Made up in the style of the example company's tables, to reach the shape SPEC §14 promises
# (10 products × 5 customer types): product zh, product en, stage, margin, share of sales at
# history start, growth a year; customer type zh, customer type en, weight.
MORE_PRODUCTS = (
    ("数据分析", "Data Analytics", "growth", 0.42, 0.08, 1.30),
    ("网络设备", "Network Equipment", "mature", 0.25, 0.20, 1.01),
    ("安全服务", "Security Services", "growth", 0.48, 0.06, 1.20),
    ("维保服务", "Maintenance Contracts", "mature", 0.33, 0.12, 1.03),
    ("培训认证", "Training", "longtail", 0.40, 0.04, 0.90),
)
MORE_CUSTOMER_TYPES = (("政府机构", "Government", 0.12), ("教育机构", "Education", 0.08))


def organisation(
    n_reps: int,
    weeks: int,
    seed: int = 7,
    products: int = len(PRODUCTS),
    customer_types: int = len(CUSTOMER_TYPES),
    actual_weeks: int = 0,
) -> dict[str, pd.DataFrame]:
    """The example company's regions with n_reps reps, `products` product lines and
    `customer_types` customer types (the example's, then MORE_*), one history row per rep-week
    (a random product and customer type), and `actual_weeks` weeks of actuals per rep."""
    rng = np.random.default_rng(seed)
    tables = example_tables("en")
    lines = (PRODUCTS + MORE_PRODUCTS)[:products]
    kinds_given = (CUSTOMER_TYPES + MORE_CUSTOMER_TYPES)[:customer_types]
    if len(lines) < products or len(kinds_given) < customer_types:
        raise ValueError(
            f"at most {len(PRODUCTS + MORE_PRODUCTS)} products and "
            f"{len(CUSTOMER_TYPES + MORE_CUSTOMER_TYPES)} customer types"
        )
    tables["products"] = pd.DataFrame(
        {
            "product": [p[1] for p in lines],
            "stage": [choice_word("Stage", p[2], "en") for p in lines],
            "weight": np.nan,
            "margin": [p[3] for p in lines],
        }
    )[tables["products"].columns]
    tables["customer_types"] = pd.DataFrame(
        {"customer_type": [c[1] for c in kinds_given], "weight": [c[2] for c in kinds_given]}
    )[tables["customer_types"].columns]
    regions = tables["regions"]["region"].to_numpy()
    names = tables["products"]["product"].to_numpy()
    kinds = tables["customer_types"]["customer_type"].to_numpy()
    ids = np.array([f"R{i:06d}" for i in range(n_reps)])
    reps = pd.DataFrame({c: None for c in tables["reps"].columns}, index=range(n_reps))
    reps["rep_id"] = ids
    reps["name"] = [f"Rep {i}" for i in range(n_reps)]
    reps["region"] = rng.choice(regions, n_reps)
    reps["level"] = rng.choice(["senior", "standard", "new"], n_reps, p=[0.2, 0.7, 0.1])
    reps["territory"] = rng.choice(["core", "standard", "suburb"], n_reps)
    tables["reps"] = reps
    tables["coverage"] = tables["coverage"].iloc[0:0]
    start = pd.Timestamp("2026-10-05")
    k = n_reps * weeks
    skill = rng.lognormal(0, 0.3, n_reps)
    tables["history"] = pd.DataFrame(
        {
            "period": start
            - pd.to_timedelta(np.tile(np.arange(1, weeks + 1), n_reps) * 7, unit="D"),
            "amount": np.round(np.repeat(skill, weeks) * rng.gamma(4, 20_000 / 4, k), 2),
            "region": np.repeat(reps["region"].to_numpy(), weeks),
            "product": rng.choice(names, k),
            "customer_type": rng.choice(kinds, k),
            "rep_id": np.repeat(ids, weeks),
        }
    )
    tables["actuals"] = actuals(rng, ids, skill, actual_weeks)[tables["actuals"].columns]
    return tables


def actuals(rng, ids: np.ndarray, skill: np.ndarray, weeks: int) -> pd.DataFrame:
    """Weeks 1 to `weeks` of the period, one row per rep-week, at each rep's pace of history
    (some behind, some ahead)."""
    n = len(ids) * weeks
    pace = np.repeat(skill * rng.uniform(0.6, 1.25, len(ids)), weeks)
    amount = np.round(pace * rng.gamma(4, 20_000 / 4, n), 2)
    deals = np.maximum(np.round(amount / 30_000), 1).astype(int)
    return pd.DataFrame(
        {
            "week": np.tile(np.arange(1, weeks + 1), len(ids)),
            "rep_id": np.repeat(ids, weeks),
            "amount": amount,
            "visits": deals * 5,
            "demos": deals * 2,
            "deals": deals,
            "new_customers": rng.poisson(0.8, n),
            "gross_profit": np.round(amount * 0.33, 2),
        }
    )


EXCEL_ROWS = 1_048_576


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=104)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="salesplan-bench-"))
    path = folder / "plan.xlsx"
    t = time.perf_counter()
    tables = organisation(args.reps, args.weeks)
    rows = len(tables["history"])
    if rows >= EXCEL_ROWS:  # XlsxWriter would drop the rest, and the table with them
        raise SystemExit(
            f"{rows:,} history rows do not fit one Excel sheet ({EXCEL_ROWS:,} rows with the "
            "header): fewer reps or weeks"
        )
    _write(str(path), tables, "en")
    print(
        f"built {args.reps} reps × {args.weeks} weeks of history ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s"
    )
    t0 = time.perf_counter()
    book = FileBook(path)
    plan = read_plan(book)
    t1 = time.perf_counter()
    result = decompose(plan)
    t2 = time.perf_counter()
    book.write_sheets(describe(result, plan.settings))
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"read {t1 - t0:.2f} s · engine {t2 - t1:.2f} s · write {t3 - t2:.2f} s · total {t3 - t0:.2f} s · peak RSS {peak:.0f} MiB"
    )
    print(
        f"breakdown rows {len(result.breakdown):,}; reconciliation max difference {result.reconciliation['difference'].abs().max()}"
    )


if __name__ == "__main__":
    main()
