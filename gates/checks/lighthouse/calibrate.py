"""``cpu_slowdown: auto``: the CPU multiplier with which this host emulates Lighthouse's phone.

Lighthouse's mobile preset slows the CPU 4× on the assumption that the host is a fast desktop. On a
slower or busier host (a shared 2-core CI runner) the same 4× makes blocking time and LCP look worse
than the page is, and a clean release is blocked. Lighthouse's documentation (docs/throttling.md,
"calibrating an appropriate CPU slowdown multiplier") points to the calculator that maps the host's
``benchmarkIndex`` to the multiplier; ``slowdown_for`` is that mapping, piecewise linear through
its published points: 150 → 1×, 800 → 2×, 1300 → 3×, 1533 → 4× (and on, 233 per step above).
"""

from __future__ import annotations

import math

from gates.errors import ToolError

SLOWEST_EMULATING_HOST = 150.0
"""Below this benchmarkIndex the calculator has no multiplier: the host cannot emulate a phone."""


def slowdown_for(benchmark_index: float) -> float:
    """The CPU multiplier for a host of ``benchmark_index``; ``ToolError`` when none fits."""
    if not math.isfinite(benchmark_index) or benchmark_index <= 0:
        raise ToolError(f"Lighthouse reported no usable benchmarkIndex ({benchmark_index!r})")
    if benchmark_index >= 1300:
        return 3 + (benchmark_index - 1300) / 233
    if benchmark_index >= 800:
        return 2 + (benchmark_index - 800) / 500
    if benchmark_index >= SLOWEST_EMULATING_HOST:
        return 1 + (benchmark_index - SLOWEST_EMULATING_HOST) / 650
    raise ToolError(
        f"this host's benchmarkIndex is {benchmark_index:g}, under {SLOWEST_EMULATING_HOST:g}: too "
        "slow (or too busy) to emulate Lighthouse's mobile device at any CPU slowdown; measure on "
        "a less loaded machine"
    )
