"""Helpers every part of checklist validation shares: did-you-mean, shapes, error lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from gates.checklist.yaml_nodes import KeyPath, Marks
from gates.errors import ChecklistError, ChecklistErrors

T = TypeVar("T")


def suggest(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the nearest valid key, or a list of the valid ones."""
    import difflib  # only a checklist with a mistake needs it: 4-5 ms of every load otherwise

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


class Errors:
    """Collects checklist errors so ``gates validate`` shows all of them, in file order."""

    def __init__(self) -> None:
        self.items: list[ChecklistError] = []

    def add(self, error: ChecklistError) -> None:
        if isinstance(error, ChecklistErrors):
            self.items.extend(error.errors)
        else:
            self.items.append(error)

    def attempt(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except ChecklistError as exc:
            self.add(exc)
            return None

    def raise_any(self) -> None:
        if not self.items:
            return
        seen: dict[str, ChecklistError] = {}
        for item in self.items:
            seen.setdefault(item.render(), item)
        ordered = sorted(seen.values(), key=lambda e: (e.line or 0, e.column or 0))
        raise ordered[0] if len(ordered) == 1 else ChecklistErrors(ordered)
