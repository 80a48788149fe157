"""One gate's options: the gate type's pydantic model, errors mapped to file:line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from gates.checklist.common import check_keys, expect_mapping, suggest
from gates.checklist.model import (
    DEFAULT_TIMEOUT_S,
    DEFAULTS_KEYS,
    GateSpec,
)
from gates.checklist.policy import run_key_error
from gates.checklist.yaml_nodes import KeyPath, Marks, find_unresolved, settle
from gates.checks import OPTIONS
from gates.checks.base import RUN_KEYS, runs_commands
from gates.errors import ChecklistError, ChecklistErrors
from gates.units import parse_duration

_GATE_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def parse_defaults(value: Any, at: KeyPath, marks: Marks) -> dict[str, Any]:
    mapping = expect_mapping(value, at, marks, "defaults")
    check_keys(mapping, DEFAULTS_KEYS, at, marks)
    result: dict[str, Any] = {}
    if "timeout" in mapping:
        try:
            result["timeout"] = parse_duration(mapping["timeout"])
        except ValueError as exc:
            raise marks.error(str(exc), (*at, "timeout")) from None
    if "blocking" in mapping:
        if not isinstance(mapping["blocking"], bool):
            raise marks.error("blocking must be true or false", (*at, "blocking"))
        result["blocking"] = mapping["blocking"]
    return result


def gate_spec(
    gate_id: str,
    raw: Any,
    defaults: Mapping[str, Any],
    marks: Marks,
    *,
    stage: str | None,
    selected: set[str] | None,
    overlay_at: KeyPath | None = None,
    overlay: Any = None,
) -> GateSpec:
    at: KeyPath = ("gates", gate_id)
    if not set(gate_id) <= _GATE_ID_CHARS or not gate_id[:1].isalnum():
        raise marks.error(
            f"gate id '{gate_id}' must be lower-case letters, digits, '-', '_' or '.'", at
        )
    spec = expect_mapping(raw, at, marks, f"gate '{gate_id}'")
    gate_type = spec.get("type")
    if not isinstance(gate_type, str):
        raise marks.error(
            f"gate '{gate_id}' has no type", (*at, "type"), "types: " + ", ".join(sorted(OPTIONS))
        )
    if gate_type not in OPTIONS:
        raise marks.error(
            f"unknown gate type '{gate_type}'", (*at, "type"), suggest(gate_type, OPTIONS)
        )

    def where(path: KeyPath) -> KeyPath:
        """The overlay's own position when the key came from the environment's overlay."""
        if overlay_at is not None and _has_path(overlay, path):
            return (*overlay_at, *path)
        return (*at, *path)

    options_model = OPTIONS[gate_type]
    if not runs_commands(options_model):
        problems = [run_key_error(k, gate_type, where((k,)), marks) for k in RUN_KEYS if k in spec]
        if problems:
            raise problems[0] if len(problems) == 1 else ChecklistErrors(problems)
    gate_stage = spec.get("stage", "pre-deploy")
    will_run = (
        stage is not None and gate_stage == stage and (selected is None or gate_id in selected)
    )
    unresolved = find_unresolved(spec, ())
    if will_run and unresolved:
        path, value = unresolved[0]
        names = ", ".join(value.missing)
        raise marks.error(
            f"environment variable {names} is not set (write ${{{value.missing[0]}:-default}} "
            "for a default)",
            where(path),
        )
    spec = settle(spec)
    try:
        options = options_model.model_validate(spec)
    except ValidationError as exc:
        raise pydantic_errors(exc, spec, where, marks, options_model) from None
    except (OverflowError, ArithmeticError):
        raise marks.error("a number in this gate is too large", where(())) from None
    timeout = (
        options.timeout
        if options.timeout is not None
        else defaults.get("timeout", DEFAULT_TIMEOUT_S)
    )
    blocking = options.blocking if options.blocking is not None else defaults.get("blocking", True)
    return GateSpec(id=gate_id, options=options, timeout=float(timeout), blocking=bool(blocking))


def _has_path(data: Any, path: KeyPath) -> bool:
    node = data
    for part in path:
        inside = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not inside:
            return False
        node = node[part]
    return bool(path)


def pydantic_errors(
    exc: ValidationError,
    data: Any,
    where: Callable[[KeyPath], KeyPath],
    marks: Marks,
    model: type[BaseModel],
) -> ChecklistError:
    """One checklist error per pydantic error (unions reduced to their best branch)."""
    problems: list[ChecklistError] = []
    seen: set[KeyPath] = set()
    # An unknown key first: a typo ("runn") explains the "missing" error of the key it meant.
    for error in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
        loc = _data_path(data, error["loc"])
        if loc in seen:
            continue  # several union branches failing at one key: report the key once
        seen.add(loc)
        hint = ""
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'" if loc else "unknown key"
            hint = suggest(str(loc[-1]), _property_names(model)) if loc else ""
        elif error["type"] == "missing":
            message = f"missing required key '{error['loc'][-1]}'"
        else:
            message = error["msg"].removeprefix("Value error, ")
            given = error.get("input")
            if isinstance(given, str | int | float | bool):
                message += f" (got {given!r})"
                expected = (error.get("ctx") or {}).get("expected")
                if error["type"] == "literal_error" and isinstance(given, str) and expected:
                    choices = [
                        c.strip().strip("'") for c in str(expected).replace(" or ", ",").split(",")
                    ]
                    import difflib  # only a checklist with a mistake needs it

                    near = difflib.get_close_matches(given, choices, n=1, cutoff=0.5)
                    hint = f"did you mean '{near[0]}'?" if near else ""
        problems.append(marks.error(message, where(loc), hint))
    return problems[0] if len(problems) == 1 else ChecklistErrors(problems)


def _data_path(data: Any, loc: Sequence[Any]) -> KeyPath:
    """Keep the parts of a pydantic ``loc`` that index into the data (drop union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in ("function-after", "function-before")
            and "[" not in part
        ):
            path.append(part)  # a key that is not in the data: the missing or unknown key
            break
    return tuple(path)


def _property_names(model: type[BaseModel]) -> set[str]:
    """Every property name anywhere in the model's JSON schema (for suggestions)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(props)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(model.model_json_schema(by_alias=True))
    return names


def check_needs(gates: Mapping[str, GateSpec], marks: Marks) -> None:
    for gate_id, spec in gates.items():
        for index, need in enumerate(spec.needs):
            if need not in gates:
                raise marks.error(
                    f"'{gate_id}' needs unknown gate '{need}'",
                    ("gates", gate_id, "needs", index),
                    suggest(need, gates),
                )
            if need == gate_id:
                raise marks.error(f"'{gate_id}' needs itself", ("gates", gate_id, "needs", index))
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for need in gates[node].needs:
            if state.get(need) == 1:
                cycle = [*stack[stack.index(need) :], need]
                raise marks.error("cycle in needs: " + " -> ".join(cycle), ("gates", node, "needs"))
            if need not in state:
                visit(need)
        stack.pop()
        state[node] = 2

    for gate_id in gates:
        if gate_id not in state:
            visit(gate_id)
