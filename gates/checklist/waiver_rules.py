"""Waivers in the checklist: owned, reasoned, expiring within waiver_max_days, narrow."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from gates.checklist.common import Errors, check_keys, expect_mapping, suggest
from gates.checklist.model import (
    DEFAULT_WAIVER_MAX_MATCHES,
    MIN_REASON_CHARS,
    WAIVER_KEYS,
    WAIVER_REQUIRED,
    GateSpec,
    Waiver,
)
from gates.checklist.yaml_nodes import KeyPath, Marks
from gates.checks import CHECKS
from gates.io import globs

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9._-]*)(?:/[A-Za-z0-9._-]+)?$")


def waivers(
    value: Any,
    gates: Mapping[str, GateSpec],
    gates_raw: Mapping[str, Any],
    marks: Marks,
    *,
    today: date,
    max_days: int,
) -> tuple[Waiver, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise marks.error("waivers must be a list", ("waivers",))
    errors = Errors()
    waivers = []
    for index, item in enumerate(value):
        waiver = errors.attempt(
            _waiver, item, ("waivers", index), gates, gates_raw, marks, today, max_days
        )
        if waiver is not None:
            waivers.append(waiver)
    errors.raise_any()
    return tuple(waivers)


def _waiver(
    item: Any,
    at: KeyPath,
    gates: Mapping[str, GateSpec],
    gates_raw: Mapping[str, Any],
    marks: Marks,
    today: date,
    max_days: int,
) -> Waiver:
    entry = expect_mapping(item, at, marks, "a waiver")
    errors = Errors()
    errors.attempt(check_keys, entry, WAIVER_KEYS, at, marks)
    for key in WAIVER_REQUIRED:
        if key not in entry or entry[key] is None:
            errors.add(
                marks.error(
                    f"waiver needs '{key}' (gate, match, reason, owner, expires are all required)",
                    (*at, key) if key in entry else at,
                )
            )
    errors.raise_any()
    for key in ("gate", "match", "reason", "owner"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            errors.add(marks.error(f"waiver '{key}' must be non-blank text", (*at, key)))
    errors.raise_any()
    gate, match = entry["gate"].strip(), entry["match"].strip()
    reason, owner = entry["reason"].strip(), entry["owner"].strip()
    if gate not in gates_raw:
        errors.add(
            marks.error(
                f"waiver names unknown gate '{gate}'", (*at, "gate"), suggest(gate, gates_raw)
            )
        )
    if any(ch in match for ch in "*?[") or not match.strip("/. "):
        errors.add(
            marks.error(
                f"waiver match {match!r} is not an id: name a rule id, fingerprint or advisory id",
                (*at, "match"),
                "narrow it to files with `paths: [glob, ...]`",
            )
        )
    elif gate in gates:
        rule = next((r for r in CHECKS[gates[gate].type].rules if r.id == match), None)
        if rule is not None and rule.always_blocks:
            errors.add(
                marks.error(
                    f"rule '{match}' always blocks: no waiver can accept it",
                    (*at, "match"),
                    "fix the finding (rotate the key, restore the migration)",
                )
            )
    if len(reason) < MIN_REASON_CHARS:
        errors.add(
            marks.error(
                f"waiver reason must say why, in at least {MIN_REASON_CHARS} characters",
                (*at, "reason"),
            )
        )
    if not (_EMAIL.match(owner) or _HANDLE.match(owner)):
        errors.add(
            marks.error(
                f"waiver owner {owner!r} must be an email address or an @handle", (*at, "owner")
            )
        )
    expires = entry["expires"]
    expiry: date | None = None
    try:
        expiry = expires if isinstance(expires, date) else date.fromisoformat(str(expires))
    except ValueError:
        errors.add(
            marks.error(f"expires must be a date YYYY-MM-DD, got {expires!r}", (*at, "expires"))
        )
    if expiry is not None and (expiry - today).days > max_days:
        errors.add(
            marks.error(
                f"waiver expires {expiry.isoformat()}, more than waiver_max_days ({max_days}) "
                f"after today ({today.isoformat()})",
                (*at, "expires"),
                "choose a nearer date and renew it when it is due",
            )
        )
    paths: list[str] = []
    raw_paths = entry.get("paths")
    if raw_paths is not None:
        raw_list = [raw_paths] if isinstance(raw_paths, str) else raw_paths
        if not isinstance(raw_list, list) or not raw_list:
            errors.add(
                marks.error("paths must be a glob or a non-empty list of globs", (*at, "paths"))
            )
        else:
            for i, pattern in enumerate(raw_list):
                try:
                    paths.append(globs.check(pattern))
                except globs.GlobError as exc:
                    errors.add(marks.error(str(exc), (*at, "paths", i)))
    max_matches = entry.get("max_matches", DEFAULT_WAIVER_MAX_MATCHES)
    if isinstance(max_matches, bool) or not isinstance(max_matches, int) or max_matches < 1:
        errors.add(
            marks.error("max_matches must be a whole number, at least 1", (*at, "max_matches"))
        )
    errors.raise_any()
    assert expiry is not None
    return Waiver(
        gate=gate,
        match=match,
        reason=reason,
        owner=owner,
        expires=expiry,
        paths=tuple(paths),
        max_matches=int(max_matches),
    )
