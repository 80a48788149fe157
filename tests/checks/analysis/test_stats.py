"""The statistics behind "slower": nearest-rank p95 and the one-sided Mann-Whitney U test,
measured against the exact permutation distribution of U (enumerated here)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from gates.checks.analysis.stats import mann_whitney_greater, p95_exceeded_for_sure, percentile


def exact_p_greater(x: Sequence[float], y: Sequence[float]) -> float:
    """P(U >= u_observed) over every relabelling of the pooled values (exact, ties included)."""

    def u_of(first: Sequence[float], second: Sequence[float]) -> float:
        return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in first for b in second)

    pooled = [*x, *y]
    observed = u_of(x, y)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(x)):
        first = [pooled[i] for i in chosen]
        second = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        hits += u_of(first, second) >= observed - 1e-9
    return hits / total


def test_u_statistic_counts_pairs() -> None:
    u, _ = mann_whitney_greater([19, 22, 16, 29, 24], [20, 11, 17, 12])
    assert u == 17  # the textbook example: 17 of the 20 pairs have x > y


@pytest.mark.parametrize("shift", [0.0, 5.0, 15.0, 40.0])
def test_asymptotic_p_agrees_with_the_exact_distribution(shift: float) -> None:
    rng = random.Random(7)
    x = [round(rng.gauss(100 + shift, 20)) for _ in range(8)]
    y = [round(rng.gauss(100, 20)) for _ in range(8)]
    _, p = mann_whitney_greater(x, y)
    exact = exact_p_greater(x, y)
    assert abs(p - exact) < 0.03, (p, exact)


def test_with_heavy_ties() -> None:
    x = [10, 10, 10, 12, 12, 12, 14, 14]
    y = [10, 10, 10, 10, 12, 12, 12, 12]
    _, p = mann_whitney_greater(x, y)
    assert abs(p - exact_p_greater(x, y)) < 0.05


def test_identical_samples_are_not_slower() -> None:
    _, p = mann_whitney_greater([5.0] * 10, [5.0] * 10)
    assert p == 0.5


@seed(18)
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=30),
    st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=30),
)
def test_p_is_a_probability_and_shifting_up_never_raises_it(x: list[float], y: list[float]) -> None:
    _, p = mann_whitney_greater(x, y)
    assert 0.0 <= p <= 1.0
    _, shifted = mann_whitney_greater([v + 2000 for v in x], y)
    assert shifted <= p + 1e-12


def test_percentile_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 95) == 95
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 95) is None
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 95) == 100


@pytest.mark.parametrize("planned", [1, 5, 13, 20, 100])
def test_certain_p95_breach_matches_the_final_p95(planned: int) -> None:
    for slow in range(planned + 1):
        # worst case for a breach: every remaining sample is fast
        final = [1000.0] * slow + [1.0] * (planned - slow)
        p95 = percentile(final, 95)
        assert p95 is not None
        assert p95_exceeded_for_sure(slow, planned) == (p95 > 500)
