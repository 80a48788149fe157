"""``measure.relative_limit``: relative limits (max_increase, max_growth, max_drop) with an
absolute noise floor (issue 16), and the quantity they compare carried for the writers."""

from __future__ import annotations

import pytest

from gates.checks.bundle.options import BundleOptions
from gates.measure import relative_limit
from gates.model import Status


@pytest.mark.parametrize(
    ("base", "current", "floor", "status", "value"),
    [
        (0.0, 4.0, 10.0, Status.PASS, 100.0),  # 0 → 4 ms TBT: +∞ % of nothing, inside the floor
        (0.0, 4.0, 0.0, Status.FAIL, 100.0),  # the floor switched off: a rise from 0 is +100 %
        (20.0, 29.0, 10.0, Status.PASS, 45.0),
        (20.0, 31.0, 10.0, Status.FAIL, 55.0),
        (1000.0, 1040.0, 0.0, Status.PASS, 4.0),  # under the limit, no floor needed
        (1000.0, 900.0, 0.0, Status.PASS, -10.0),  # shrinking is never a failure
    ],
)
def test_noise_floor_decides_before_the_percentage(
    base: float, current: float, floor: float, status: Status, value: float
) -> None:
    row = relative_limit("t increase", base, current, 5.0, quantity="t", unit="ms", min_delta=floor)
    assert (row.status, row.op, row.threshold, row.unit) == (status, "<=", 5.0, "%")
    assert row.value == pytest.approx(value)
    assert row.change_of is not None
    assert (row.change_of.quantity, row.change_of.unit) == ("t", "ms")
    assert (row.change_of.baseline, row.change_of.current) == (base, current)
    assert row.baseline is None  # never a raw baseline beside a percentage


def test_drop_in_points() -> None:
    row = relative_limit(
        "lines drop", 80.0, 79.2, 0.5, quantity="lines", unit="%", min_delta=0.0, points=True
    )
    assert (row.status, row.unit) == (Status.FAIL, "pp") and row.value == pytest.approx(0.8)


def test_bundle_growth_default_floor_is_a_few_hundred_bytes() -> None:
    options = BundleOptions.model_validate({"dir": "dist", "max_growth": "5%"})
    assert options.min_delta == 300
    small = relative_limit(
        "total gzip growth",
        1000,
        1250,
        5.0,
        quantity="total gzip",
        unit="B",
        min_delta=options.min_delta,
    )
    assert small.status is Status.PASS and "noise floor" in small.message
    big = relative_limit(
        "total gzip growth",
        1000,
        1400,
        5.0,
        quantity="total gzip",
        unit="B",
        min_delta=options.min_delta,
    )
    assert big.status is Status.FAIL
    assert (
        BundleOptions.model_validate(
            {"dir": "dist", "max_growth": "5%", "min_delta": "1 KiB"}
        ).min_delta
        == 1024
    )
