"""Two-way tables that match both margins exactly: fitting, rounding, feasibility.

A rep × product table must add up to every rep's target and to every product's target
at once, with zeros where a rep does not sell a product. Iterative proportional fitting
gives the real-valued table; controlled rounding makes it whole while keeping both margins
(the fix-up is a max-flow, so it always succeeds when any whole table exists).
"""

from __future__ import annotations

import numpy as np

from engine.money import allocate_rows


def fit(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iterations: int = 500) -> np.ndarray:
    """Iterative proportional fitting of `seed` (zeros stay zero) to the two margins."""
    x = np.asarray(seed, dtype=np.float64).copy()
    r = np.asarray(rows, dtype=np.float64)
    c = np.asarray(cols, dtype=np.float64)
    for _ in range(iterations):
        rs = x.sum(axis=1)
        x *= np.divide(r, rs, out=np.zeros_like(r), where=rs > 0)[:, None]
        cs = x.sum(axis=0)
        x *= np.divide(c, cs, out=np.zeros_like(c), where=cs > 0)[None, :]
        if np.abs(x.sum(axis=1) - r).max(initial=0) <= 1e-7 * max(1.0, r.max(initial=0)):
            break
    return x


def _flow(n_rows: int, n_cols: int, src_cap, edges_r, edges_c, sink_cap, cap=None):
    """Max flow source -> rows -> cols -> sink; returns (value, flow on each row->col edge)."""
    from scipy.sparse import csr_matrix  # ~150 ms to load: only commands that decompose do
    from scipy.sparse.csgraph import maximum_flow

    s, t = n_rows + n_cols, n_rows + n_cols + 1
    rows_idx = np.nonzero(src_cap)[0]
    cols_idx = np.nonzero(sink_cap)[0]
    ecap = np.ones(len(edges_r), dtype=np.int64) if cap is None else np.asarray(cap, np.int64)
    u = np.concatenate([np.full(len(rows_idx), s), edges_r, n_rows + cols_idx])
    v = np.concatenate([rows_idx, n_rows + edges_c, np.full(len(cols_idx), t)])
    w = np.concatenate([np.asarray(src_cap)[rows_idx], ecap, np.asarray(sink_cap)[cols_idx]])
    if w.max(initial=0) >= 2**31:
        raise OverflowError("flow capacities too large")
    graph = csr_matrix((w.astype(np.int32), (u, v)), shape=(t + 1, t + 1))
    result = maximum_flow(graph, s, t)
    f = result.flow.tocsr()
    edge_flow = np.asarray(f[edges_r, n_rows + edges_c]).ravel() if len(edges_r) else np.zeros(0)
    return int(result.flow_value), edge_flow.astype(np.int64)


def shortfall(rows: np.ndarray, cols: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per column, how much of its total no whole table can place (all zeros = feasible)."""
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    er, ec = np.nonzero(allowed)
    big = np.full(len(er), int(min(r.sum(), 2**31 - 1)), dtype=np.int64)
    value, flow = _flow(len(r), len(c), r, er, ec, c, cap=big)
    placed = np.bincount(ec, weights=flow, minlength=len(c)).astype(np.int64)
    return c - placed


def round_matrix(exact: np.ndarray, rows: np.ndarray, cols: np.ndarray, allowed=None):
    """Whole-number table matching integer margins `rows` and `cols` exactly.

    First every row by largest remainder; then whole units move between columns inside
    rows (a max-flow: column -> row where a unit can leave, row -> column where one can
    arrive) until every column matches. The first pass only undoes or adds a round-up, so
    each cell stays next to its exact value; a second, free pass exists for margins that
    the fitted table missed by more than rounding.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    x = np.asarray(exact, dtype=np.float64)
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    ok = (x > 0) if allowed is None else np.asarray(allowed, dtype=bool)
    out = allocate_rows(r, np.where(ok, np.maximum(x, 1e-12), 0.0))
    n_rows, n_cols = out.shape
    for strict in (True, False):
        excess = out.sum(axis=0) - c
        if not excess.any():
            break
        if strict:
            give, take = out > np.floor(x), ok & (out < np.ceil(x))
        else:
            give, take = out > 0, ok
        gi, gj = np.nonzero(give)
        ti, tj = np.nonzero(take)
        big = int(np.abs(excess).sum())
        cap_give = np.ones(len(gi), np.int64) if strict else out[gi, gj]
        cap_take = np.full(len(ti), 1 if strict else big, np.int64)
        # nodes: columns 0..n_cols-1, rows n_cols.., source, sink
        s, t = n_cols + n_rows, n_cols + n_rows + 1
        cols_idx = np.arange(n_cols)
        u = np.concatenate([np.full(n_cols, s), gj, n_cols + ti, cols_idx])
        v = np.concatenate([cols_idx, n_cols + gi, tj, np.full(n_cols, t)])
        w = np.concatenate(
            [np.clip(excess, 0, None), cap_give, cap_take, np.clip(-excess, 0, None)]
        )
        keep = w > 0
        graph = csr_matrix((w[keep].astype(np.int32), (u[keep], v[keep])), shape=(t + 1, t + 1))
        flow = maximum_flow(graph, s, t).flow.tocsr()
        removed = np.asarray(flow[gj, n_cols + gi]).ravel().astype(np.int64)
        added = np.asarray(flow[n_cols + ti, tj]).ravel().astype(np.int64)
        np.subtract.at(out, (gi, gj), np.clip(removed, 0, None))
        np.add.at(out, (ti, tj), np.clip(added, 0, None))
    if (out.sum(axis=0) != c).any() or (out.sum(axis=1) != r).any() or (out < 0).any():
        raise ValueError("no whole-number table matches both margins")
    return out
