"""Comparisons: one operator table, one ``compare`` that yields a :class:`Measurement`.

Rounding is explicit: a value is compared as measured (full precision) unless the gate names a
number of decimals, and the measurement says which. 79.95% against ``>= 80`` is a fail.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from gates.model import Change, Measurement, Status

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}

EXACT = "compared at full precision, no rounding"


def compare(
    name: str,
    value: float | None,
    op: str,
    threshold: float,
    *,
    unit: str = "",
    baseline: float | None = None,
    warn_within: float | None = None,
    values: Sequence[float] = (),
    decimals: int | None = None,
    message: str = "",
    change_of: Change | None = None,
) -> Measurement:
    """Compare ``value`` with ``threshold`` by ``op``.

    ``value is None`` (nothing measured) is an ``error`` measurement, never a pass.
    ``warn_within`` is a relative band (0.05 = 5%) on the passing side of the threshold in which
    a pass is reported as ``warn``; a value that misses the threshold but lies within the band on
    the failing side is also only a ``warn`` (run-to-run noise, not a coin-flip block).
    """
    check = OPS[op]
    rounding = EXACT if decimals is None else f"rounded to {decimals} decimals before comparing"
    if value is None:
        return Measurement(
            name=name,
            value=None,
            unit=unit,
            op=op,
            threshold=threshold,
            baseline=baseline,
            status=Status.ERROR,
            message=message or f"{name}: nothing was measured",
            values=tuple(values),
            rounding=rounding,
            change_of=change_of,
        )
    compared = value if decimals is None else round(value, decimals)
    passed = check(compared, threshold)
    status = Status.PASS if passed else Status.FAIL
    if warn_within is not None and op in (">=", ">", "<=", "<"):
        band = abs(threshold) * warn_within
        if abs(compared - threshold) <= band:
            status = Status.WARN
    if not message:
        verdict = "meets" if passed else "misses"
        message = f"{name} {_fmt(value)}{unit} {verdict} {op} {_fmt(threshold)}{unit}"
    return Measurement(
        name=name,
        value=value,
        unit=unit,
        op=op,
        threshold=threshold,
        baseline=baseline,
        status=status,
        message=message,
        values=tuple(values),
        rounding=rounding,
        change_of=change_of,
    )


def shown(
    name: str,
    value: float | None,
    unit: str = "",
    *,
    baseline: float | None = None,
    message: str = "",
) -> Measurement:
    """A value reported without a threshold (context for the reader)."""
    return Measurement(name=name, value=value, unit=unit, baseline=baseline, message=message)


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"
