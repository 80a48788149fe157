"""The effective options of each gate: what a report evidences, and what promotion compares.

A gate's effective options are its options model after overlays and ``${VAR}`` expansion, with
the timeout and blocking flag the run applied, as JSON data with every known secret masked
(:mod:`gates.redact`). Their digest is ``sha256:`` of the canonical JSON
(:mod:`gates.report.codec`), so anyone can recompute it from the report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterable
from typing import Any

from gates.checklist.model import Checklist, GateSpec
from gates.model import Report
from gates.redact import Redactor
from gates.report.codec import canonical_json


def effective_options(spec: GateSpec, redactor: Redactor) -> dict[str, Any]:
    """``spec``'s options as JSON data, secrets masked, with the applied timeout and blocking."""
    data = spec.options.model_dump(mode="json")
    data["timeout"] = spec.timeout
    data["blocking"] = spec.blocking
    masked = redactor.value(_finite(data))
    assert isinstance(masked, dict)
    return masked


def _finite(value: Any) -> Any:
    """Non-finite floats as text: JSON has no NaN/Infinity, and the digest must be computable."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def options_digest(options: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``options``."""
    return "sha256:" + hashlib.sha256(canonical_json(options)).hexdigest()


def attach_options(report: Report, checklist: Checklist, secrets: Iterable[str]) -> Report:
    """``report`` with every gate's effective options and their digest recorded."""
    redactor = Redactor(secrets)
    gates = []
    for gate in report.gates:
        spec = checklist.gates.get(gate.id)
        if spec is None:  # pragma: no cover - the runner reports only the checklist's gates
            gates.append(gate)
            continue
        options = effective_options(spec, redactor)
        gates.append(
            dataclasses.replace(gate, options=options, options_sha256=options_digest(options))
        )
    return dataclasses.replace(report, gates=tuple(gates))


def flatten(data: Any, prefix: tuple[str | int, ...] = ()) -> dict[tuple[str | int, ...], Any]:
    """Nested mappings → ``{key path: leaf}``; lists are leaves (compared whole)."""
    if isinstance(data, dict) and data:
        out: dict[tuple[str | int, ...], Any] = {}
        for key, value in data.items():
            out.update(flatten(value, (*prefix, str(key))))
        return out
    return {prefix: data}


def differences(
    reported: dict[str, Any], expected: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], Any, Any]]:
    """``(key path, reported value, expected value)`` for every leaf that differs, key order."""
    ran, wanted = flatten(reported), flatten(expected)
    missing = object()
    keys = list(dict.fromkeys([*wanted, *ran]))
    out = []
    for key in keys:
        a, b = ran.get(key, missing), wanted.get(key, missing)
        if a is missing or b is missing or canonical_json(a) != canonical_json(b):
            out.append((key, None if a is missing else a, None if b is missing else b))
    return out
