"""Plain data + marks → a typed :class:`Checklist`, or a :class:`ChecklistError` that says where.

Every message names file, line, column and key path; unknown keys get a did-you-mean from the
keys that are valid at that place. Environments are deep-merged over ``gates:`` before the gate
options are validated, so an overlay's typo is reported at the overlay's own line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from gates.checklist.deploy import NotifyTarget, RollbackSpec
from gates.checklist.model import (
    DEFAULT_TIMEOUT_S,
    DEFAULTS_KEYS,
    ENVIRONMENT_KEYS,
    TOP_LEVEL_KEYS,
    WAIVER_KEYS,
    Checklist,
    GateSpec,
    Waiver,
)
from gates.checklist.yaml_nodes import KeyPath, Marks, Unresolved, find_unresolved, settle
from gates.checks import CHECKS
from gates.errors import ChecklistError
from gates.units import parse_duration

_GATE_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def suggest(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the nearest valid key, or a list of the valid ones."""
    options = sorted(set(choices))
    close = (
        difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        or [o for o in options if word and (o.startswith(word) or word.startswith(o))][:1]
    )
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(options) if options else ""


def check_keys(data: Mapping[str, Any], allowed: Sequence[str], at: KeyPath, marks: Marks) -> None:
    """Every key of ``data`` must be in ``allowed``."""
    for key in data:
        if key not in allowed:
            raise marks.error(f"unknown key '{key}'", (*at, key), suggest(key, allowed))


def expect_mapping(value: Any, at: KeyPath, marks: Marks, what: str) -> dict[str, Any]:
    """``value`` as a dict, or an error saying a mapping was expected."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise marks.error(f"{what} must be a mapping, got {type(value).__name__}", at)
    return value


def expect_id_list(value: Any, at: KeyPath, marks: Marks) -> list[str]:
    """A list of gate ids (a single string is accepted)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise marks.error("expected a list of gate ids", at)
    return list(value)


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay mappings recursively; anything else in the overlay replaces the base."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return overlay


def build(
    data: Any,
    marks: Marks,
    *,
    sha256: str,
    environment: str | None,
    stage: str | None,
    selected: set[str] | None = None,
) -> Checklist:
    """Validate the whole checklist for ``environment``.

    Unset variables are errors in every gate that this run will execute (its stage, its
    selection); in other gates they stay literal, so a pre-deploy run does not need
    ``DEPLOY_URL``. ``gates validate`` passes ``stage=None`` to require them everywhere.
    """
    root = expect_mapping(data, (), marks, "the checklist")
    check_keys(root, TOP_LEVEL_KEYS, (), marks)
    version = root.get("version", 1)
    if version != 1:
        raise marks.error(
            f"unsupported checklist version {version!r} (this gates reads 1)", ("version",)
        )
    project = root.get("project") or "project"
    if not isinstance(project, str):
        raise marks.error("project must be a string", ("project",))
    defaults = _defaults(root.get("defaults"), ("defaults",), marks)
    gates_raw = expect_mapping(root.get("gates"), ("gates",), marks, "gates")
    if not gates_raw:
        raise marks.error("the checklist defines no gates", ("gates",))
    require = expect_id_list(root.get("require"), ("require",), marks)
    environments = expect_mapping(
        root.get("environments"), ("environments",), marks, "environments"
    )
    if environment is not None:
        if environment not in environments:
            raise marks.error(
                f"environment '{environment}' is not defined",
                ("environments",),
                suggest(environment, environments)
                if environments
                else "define it under environments:",
            )
        overlay = expect_mapping(
            environments[environment],
            ("environments", environment),
            marks,
            f"environment '{environment}'",
        )
        check_keys(overlay, ENVIRONMENT_KEYS, ("environments", environment), marks)
        env_gates = expect_mapping(
            overlay.get("gates"), ("environments", environment, "gates"), marks, "gates"
        )
        for gate_id in env_gates:
            if gate_id not in gates_raw:
                raise marks.error(
                    f"environment overlay names unknown gate '{gate_id}'",
                    ("environments", environment, "gates", gate_id),
                    suggest(gate_id, gates_raw),
                )
        gates_raw = deep_merge(gates_raw, env_gates)
        require = require + expect_id_list(
            overlay.get("require"), ("environments", environment, "require"), marks
        )
        if "defaults" in overlay:
            defaults = {
                **defaults,
                **_defaults(overlay["defaults"], ("environments", environment, "defaults"), marks),
            }
    else:
        for name, overlay in environments.items():
            check_keys(
                expect_mapping(overlay, ("environments", name), marks, "an environment"),
                ENVIRONMENT_KEYS,
                ("environments", name),
                marks,
            )
    gates = {
        gate_id: _gate(
            gate_id, spec, defaults, marks, stage=stage, selected=selected, env_overlay=environment
        )
        for gate_id, spec in gates_raw.items()
    }
    for index, gate_id in enumerate(require):
        if gate_id not in gates:
            where = ("require", index)
            raise marks.error(
                f"required gate '{gate_id}' is not defined", where, suggest(gate_id, gates)
            )
    _check_needs(gates, marks)
    waivers = _waivers(root.get("waivers"), gates, marks)
    rollback, notify = _deploy_sections(root, gates, marks, stage)
    return Checklist(
        path=marks.path,
        sha256=sha256,
        project=project,
        version=1,
        environment=environment,
        environments=tuple(environments),
        gates=gates,
        require=tuple(dict.fromkeys(require)),
        waivers=waivers,
        rollback=rollback,
        notify=notify,
        raw=settle({**root, "gates": gates_raw}),
    )


def _defaults(value: Any, at: KeyPath, marks: Marks) -> dict[str, Any]:
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


def _gate(
    gate_id: str,
    raw: Any,
    defaults: Mapping[str, Any],
    marks: Marks,
    *,
    stage: str | None,
    selected: set[str] | None,
    env_overlay: str | None,
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
            f"gate '{gate_id}' has no type", (*at, "type"), "types: " + ", ".join(sorted(CHECKS))
        )
    if gate_type not in CHECKS:
        raise marks.error(
            f"unknown gate type '{gate_type}'", (*at, "type"), suggest(gate_type, CHECKS)
        )
    gate_stage = spec.get("stage", "pre-deploy")
    will_run = (stage is None or gate_stage == stage) and (selected is None or gate_id in selected)
    unresolved = find_unresolved(spec, at)
    if will_run and unresolved:
        path, value = unresolved[0]
        names = ", ".join(value.missing)
        raise marks.error(
            f"environment variable {names} is not set (write ${{{value.missing[0]}:-default}} "
            "for a default)",
            path,
        )
    spec = settle(spec)
    options_model = CHECKS[gate_type].options
    try:
        options = options_model.model_validate(spec)
    except ValidationError as exc:
        raise _pydantic_error(exc, spec, at, marks, options_model) from None
    timeout = (
        options.timeout
        if options.timeout is not None
        else defaults.get("timeout", DEFAULT_TIMEOUT_S)
    )
    blocking = options.blocking if options.blocking is not None else defaults.get("blocking", True)
    return GateSpec(id=gate_id, options=options, timeout=float(timeout), blocking=bool(blocking))


def _pydantic_error(
    exc: ValidationError, data: Any, at: KeyPath, marks: Marks, model: type[BaseModel]
) -> ChecklistError:
    # An unknown key first: a typo ("runn") explains the "missing" error of the key it meant.
    error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    loc = _data_path(data, error["loc"])
    hint = ""
    if error["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'" if loc else "unknown key"
        hint = suggest(str(loc[-1]), _property_names(model)) if loc else ""
    elif error["type"] == "missing":
        field_name = error["loc"][-1]
        message = f"missing required key '{field_name}'"
    else:
        message = error["msg"]
        message = message.removeprefix("Value error, ")
        given = error.get("input")
        if isinstance(given, str | int | float | bool):
            message += f" (got {given!r})"
    more = len(exc.errors()) - 1
    if more:
        message += f"; and {more} more problem{'s' if more > 1 else ''} in this gate"
    return marks.error(message, (*at, *loc), hint)


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


def _check_needs(gates: Mapping[str, GateSpec], marks: Marks) -> None:
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


def _waivers(value: Any, gates: Mapping[str, GateSpec], marks: Marks) -> tuple[Waiver, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise marks.error("waivers must be a list", ("waivers",))
    waivers = []
    for index, item in enumerate(value):
        at: KeyPath = ("waivers", index)
        entry = expect_mapping(item, at, marks, "a waiver")
        check_keys(entry, WAIVER_KEYS, at, marks)
        for key in WAIVER_KEYS:
            if entry.get(key) in (None, ""):
                raise marks.error(
                    f"waiver needs '{key}' (gate, match, reason, owner, expires are all required)",
                    (*at, key) if key in entry else at,
                )
        if not str(entry["match"]).strip("*?/ "):
            raise marks.error(
                f"waiver match {entry['match']!r} would waive every finding; name a rule, "
                "fingerprint, advisory id or a path glob with a real path part",
                (*at, "match"),
            )
        if entry["gate"] not in gates:
            raise marks.error(
                f"waiver names unknown gate '{entry['gate']}'",
                (*at, "gate"),
                suggest(str(entry["gate"]), gates),
            )
        expires = entry["expires"]
        try:
            expiry = expires if isinstance(expires, date) else date.fromisoformat(str(expires))
        except ValueError:
            raise marks.error(
                f"expires must be a date YYYY-MM-DD, got {expires!r}", (*at, "expires")
            ) from None
        waivers.append(
            Waiver(
                gate=str(entry["gate"]),
                match=str(entry["match"]),
                reason=str(entry["reason"]),
                owner=str(entry["owner"]),
                expires=expiry,
            )
        )
    return tuple(waivers)


__all__ = ["Unresolved", "build", "deep_merge", "suggest"]


def _deploy_sections(
    root: Mapping[str, Any], gates: Mapping[str, GateSpec], marks: Marks, stage: str | None
) -> tuple[RollbackSpec | None, tuple[NotifyTarget, ...]]:
    """``rollback:`` (used by post-deploy runs) and ``notify:`` (used by every run)."""
    rollback = None
    if root.get("rollback") is not None:
        raw = expect_mapping(root["rollback"], ("rollback",), marks, "rollback")
        if stage in (None, "post-deploy"):
            _refuse_unresolved(raw, ("rollback",), marks)
        data = settle(raw)
        try:
            rollback = RollbackSpec.model_validate(data)
        except ValidationError as exc:
            raise _pydantic_error(exc, data, ("rollback",), marks, RollbackSpec) from None
        for index, gate_id in enumerate(rollback.verify):
            if gate_id not in gates:
                raise marks.error(
                    f"rollback verify names unknown gate '{gate_id}'",
                    ("rollback", "verify", index),
                    suggest(gate_id, gates),
                )
    notify: list[NotifyTarget] = []
    raw_list = root.get("notify")
    if raw_list is not None and not isinstance(raw_list, list):
        raise marks.error("notify must be a list of {webhook, format, on}", ("notify",))
    for index, entry in enumerate(raw_list or []):
        at: KeyPath = ("notify", index)
        item = expect_mapping(entry, at, marks, "a notify entry")
        _refuse_unresolved(item, at, marks)
        data = settle(item)
        try:
            notify.append(NotifyTarget.model_validate(data))
        except ValidationError as exc:
            raise _pydantic_error(exc, data, at, marks, NotifyTarget) from None
    return rollback, tuple(notify)


def _refuse_unresolved(raw: Any, at: KeyPath, marks: Marks) -> None:
    unresolved = find_unresolved(raw, at)
    if unresolved:
        path, value = unresolved[0]
        raise marks.error(
            f"environment variable {', '.join(value.missing)} is not set (write "
            f"${{{value.missing[0]}:-default}} for a default)",
            path,
        )
