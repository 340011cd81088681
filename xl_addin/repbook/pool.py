"""Workbooks handled on every core, in order, with a progress bar: the rep workbooks issue
writes and the returned ones collect reads (20,000 of each at SPEC §14's scale)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from tqdm import tqdm

PARALLEL_FROM = 64  # fewer jobs than this are done in this process
CHUNK = 50  # jobs per hand-over to a worker: at most about half a second of work


def in_order(
    work: Callable,
    jobs: Sequence,
    workers: int | None = None,
    desc: str = "",
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> list:
    """work(job) for each job, on `workers` processes (all cores by default), each process
    first running initializer(*initargs); the results in the order of `jobs`."""
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=len(jobs), unit="workbook", desc=desc, leave=False, disable=None)
    out = []
    try:
        if workers == 1 or len(jobs) < PARALLEL_FROM:
            if initializer is not None:
                initializer(*initargs)
            for job in jobs:
                out.append(work(job))
                bar.update()
            return out
        with ProcessPoolExecutor(workers, initializer=initializer, initargs=initargs) as pool:
            for result in pool.map(work, jobs, chunksize=_chunk(len(jobs), workers)):
                out.append(result)
                bar.update()
        return out
    finally:
        bar.close()


def _chunk(jobs: int, workers: int) -> int:
    """Jobs handed to a worker at a time: enough to make the hand-over cheap, few enough (at
    most CHUNK) that no worker is left with a long last chunk while the others wait."""
    return max(1, min(CHUNK, jobs // (workers * 8)))
