"""Percentiles and the Mann-Whitney U test (no scipy): what decides "slower than the baseline".

The test is one-sided: are the deployment's latencies stochastically greater than the
baseline's? Ranks are averaged over ties, the variance is tie-corrected and the normal
approximation uses a continuity correction (the textbook asymptotic test);
tests/checks/analysis/test_stats.py measures its agreement with the exact permutation
distribution of U (within 0.03 at 8 + 8 samples).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (the smallest value with ``pct``% of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def p95_exceeded_for_sure(slow: int, planned: int) -> bool:
    """True when ``slow`` samples above a limit already force the final p95 (over ``planned``
    samples) above it, whatever the remaining samples are."""
    return slow > planned - max(1, math.ceil(0.95 * planned))


def mann_whitney_greater(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """``(U of x, one-sided p-value)`` for the alternative "x tends to be greater than y"."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need values")
    pooled = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    ranks = [0.0] * len(pooled)
    tie_term = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[k] = average
        size = j - i + 1
        tie_term += size**3 - size
        i = j + 1
    rank_sum_x = sum(r for r, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u_x = rank_sum_x - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))) if n > 1 else 0.0
    if variance <= 0:
        return u_x, 0.5 if u_x == mean else (0.0 if u_x > mean else 1.0)
    z = (u_x - mean - 0.5) / math.sqrt(variance)
    return u_x, 0.5 * math.erfc(z / math.sqrt(2))
