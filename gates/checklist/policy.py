"""Policy floors and checks that span the checklist: overlays, required gates, numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gates.checklist.common import expect_mapping, suggest
from gates.checklist.model import (
    GateSpec,
)
from gates.checklist.yaml_nodes import KeyPath, Marks
from gates.checks import OPTIONS
from gates.checks.base import RUN_KEYS, runs_commands
from gates.errors import ChecklistError, ChecklistErrors


def _env(name: str) -> KeyPath:
    return ("environments", name)


def check_overlay(
    gate_id: str, overlay: Any, gates_raw: Mapping[str, Any], at: KeyPath, marks: Marks
) -> None:
    """An overlay entry names a defined gate and only keys its gate type knows (at its line)."""
    where = (*at, gate_id)
    if gate_id not in gates_raw:
        raise marks.error(
            f"environment overlay names unknown gate '{gate_id}'",
            where,
            suggest(gate_id, gates_raw),
        )
    mapping = expect_mapping(overlay, where, marks, f"overlay of gate '{gate_id}'")
    base = gates_raw[gate_id]
    gate_type = mapping.get("type", base.get("type") if isinstance(base, dict) else None)
    if "type" in mapping and isinstance(base, dict) and mapping["type"] != base.get("type"):
        raise marks.error("an overlay cannot change a gate's type", (*where, "type"))
    if not isinstance(gate_type, str) or gate_type not in OPTIONS:
        return  # the base gate's own error says it
    model = OPTIONS[gate_type]
    known = set(model.model_fields)
    problems = []
    for key in mapping:
        if key in RUN_KEYS and not runs_commands(model):
            problems.append(run_key_error(key, gate_type, (*where, key), marks))
        elif key not in known:
            problems.append(
                marks.error(f"unknown key '{key}'", (*where, key), suggest(key, sorted(known)))
            )
    if problems:
        raise problems[0] if len(problems) == 1 else ChecklistErrors(problems)


def run_key_error(key: str, gate_type: str, at: KeyPath, marks: Marks) -> ChecklistError:
    return marks.error(
        f"gate type '{gate_type}' does not run commands, so '{key}:' would be ignored",
        at,
        "run the command in a `command` gate and list it under this gate's `needs:`",
    )


def floors(
    gate_id: str,
    spec: GateSpec,
    gates_raw: Mapping[str, Any],
    overlay: Mapping[str, Any],
    environment: str | None,
    defaults: Mapping[str, Any],
) -> list[tuple[str, KeyPath, str]]:
    """Policy floors of a required gate: it is blocking and keeps its stage."""
    where = f"environment '{environment}'" if environment else "this checklist"
    found = overlay.get(gate_id)
    own: Mapping[str, Any] = found if isinstance(found, dict) else {}
    problems: list[tuple[str, KeyPath, str]] = []
    if not spec.blocking:
        if "blocking" in own:
            at: KeyPath = ("environments", str(environment), "gates", gate_id, "blocking")
        elif isinstance(gates_raw.get(gate_id), dict) and "blocking" in gates_raw[gate_id]:
            at = ("gates", gate_id, "blocking")
        else:
            at = ("defaults", "blocking")
        problems.append(
            (
                f"gate '{gate_id}' is required in {where}, so it must stay blocking",
                at,
                "remove `blocking: false`, or stop requiring the gate",
            )
        )
    if "stage" in own and environment is not None:
        problems.append(
            (
                f"gate '{gate_id}' is required in {where}: an overlay cannot move its stage",
                ("environments", environment, "gates", gate_id, "stage"),
                "set the stage on the gate itself",
            )
        )
    return problems


def max_days(value: Any, marks: Marks) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise marks.error(
            "waiver_max_days must be a whole number of days from 1 to 3650", ("waiver_max_days",)
        )
    return value


_MAX_INT = 10**15


def bad_numbers(data: Any, at: KeyPath) -> list[tuple[str, KeyPath]]:
    """Non-finite or absurdly large numbers anywhere in the checklist (``.nan``, ``.inf``)."""
    found: list[tuple[str, KeyPath]] = []
    if isinstance(data, bool):
        return found
    if isinstance(data, float) and not math.isfinite(data):
        found.append((f"{data!r} is not a finite number", at))
    elif isinstance(data, int) and abs(data) > _MAX_INT:
        found.append((f"number too large ({len(str(abs(data)))} digits)", at))
    elif isinstance(data, dict):
        for key, value in data.items():
            found.extend(bad_numbers(value, (*at, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(bad_numbers(value, (*at, index)))
    return found
