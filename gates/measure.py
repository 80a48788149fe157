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
    detail: str = "",
) -> Measurement:
    """Compare ``value`` with ``threshold`` by ``op``.

    Without a ``message`` the message is ``NAME VALUE DETAIL meets|misses OP THRESHOLD``, the
    verdict taken from this comparison (callers never decide it a second time); ``detail`` is
    what the caller adds after the value, e.g. ``(56/248)``.

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
        message = (
            f"{name} {_fmt(value, threshold)}{unit}{detail} {verdict} {op} {_fmt(threshold)}{unit}"
        )
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


def relative_limit(
    name: str,
    baseline: float,
    current: float,
    limit: float,
    *,
    quantity: str,
    unit: str,
    min_delta: float,
    points: bool = False,
    text: str = "",
) -> Measurement:
    """A relative limit (``max_increase``, ``max_growth``, ``max_drop``) with a noise floor.

    The measured value is the change of ``quantity`` from ``baseline`` to ``current``: in % of the
    baseline (an increase or growth; from a baseline of 0 any rise is +100 %), or with
    ``points=True`` a drop in percentage points (``baseline - current``). A change whose absolute
    size, in the quantity's own ``unit``, is at most ``min_delta`` is noise and passes whatever
    its percentage (0 → 4 ms of TBT is not +∞ %). ``text`` opens the message.
    """
    delta = current - baseline
    if points:
        value = baseline - current
        shown_unit = "pp"
    else:
        value = 0.0 if delta == 0 else (100.0 * delta / baseline if baseline else 100.0)
        value = round(value, 3)
        shown_unit = "%"
    change = Change(quantity=quantity, unit=unit, baseline=baseline, current=current)
    opening = text or f"{quantity}: {_fmt(baseline)}{unit} → {_fmt(current)}{unit}"
    limit_text = f"max {'' if points else '+'}{_fmt(limit)}{shown_unit}"
    floor = f"noise floor ±{_fmt(min_delta)}{unit}"
    if min_delta > 0 and abs(delta) <= min_delta:
        return Measurement(
            name=name,
            value=value,
            unit=shown_unit,
            op="<=",
            threshold=limit,
            status=Status.PASS,
            message=f"{opening} ({_signed(delta)}{unit}, within the {floor}; {limit_text})",
            rounding=f"a change of at most {_fmt(min_delta)}{unit} passes (min_delta)",
            change_of=change,
        )
    return compare(
        name,
        value,
        "<=",
        limit,
        unit=shown_unit,
        change_of=change,
        message=f"{opening} ({_signed(value)}{shown_unit}, {limit_text}"
        + (f"; {floor})" if min_delta > 0 else ")"),
    )


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _fmt(value)


def _fmt(value: float, against: float | None = None) -> str:
    """Short, but never so short that a miss prints as equal to its threshold."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"
    if against is not None and value != against and float(text) == against:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text
