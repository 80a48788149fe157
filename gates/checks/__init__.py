"""The registry of gate types: checklist ``type:`` → :class:`~gates.checks.base.Check`.

Explicit on purpose (one line per gate type, sorted): a newcomer finds every gate here. The
module of a type is ``gates/checks/<type>.py`` (or its package) and is imported the first time
the type is looked up in :data:`CHECKS`; loading a checklist looks up :data:`OPTIONS`, which
imports only the options model. So ``gates validate`` pays for the option models of the types a
checklist uses and nothing else (startup time is a target: see benchmarks/README.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from gates.checks.base import Check, OptionsBase

T = TypeVar("T")

GATE_TYPES: Mapping[str, str] = {
    "analysis": "analysis.options:AnalysisOptions",
    "bundle": "bundle.options:BundleOptions",
    "command": "command:CommandOptions",
    "config": "config.options:ConfigOptions",
    "coverage": "coverage.options:CoverageOptions",
    "dependencies": "dependencies.options:DependenciesOptions",
    "headers": "headers:HeadersOptions",
    "lighthouse": "lighthouse.options:LighthouseOptions",
    "migrations": "migrations.options:MigrationsOptions",
    "sast": "sast:SastOptions",
    "secrets": "secrets.options:SecretsOptions",
    "smoke": "smoke.options:SmokeOptions",
    "tests": "tests:TestsOptions",
    "window": "window:WindowOptions",
}
"""Each type and where its options model is, under ``gates.checks``: loading a checklist needs
only the models (:data:`OPTIONS`), so it imports them alone, not the gate's evaluate with its
parsers and patterns (``tests/checks/test_registry.py`` checks each is its ``CHECK.options``)."""


REPORTS_SECRETS: frozenset[str] = frozenset(
    {"analysis", "config", "headers", "lighthouse", "migrations", "secrets", "smoke"}
)
"""The types whose gates may report secret values they found (``GateOutcome.secrets``). Such a
gate starts before the others, so that what it finds masks every line a gate started after it
prints; the runner must know that without importing the gates (``tests/checks/test_registry.py``
checks this is exactly the set of types whose code hands values to ``GateOutcome.secrets``)."""


class _Lazy(Mapping[str, T]):
    """A read-only mapping over the gate types that loads a type's value on first lookup."""

    def __init__(self, load: Callable[[str], T]) -> None:
        self._load = load
        self._loaded: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        if name not in GATE_TYPES:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in GATE_TYPES

    def __iter__(self) -> Iterator[str]:
        return iter(GATE_TYPES)

    def __len__(self) -> int:
        return len(GATE_TYPES)


def _check(name: str) -> Check[Any]:
    module = importlib.import_module(f"gates.checks.{name}")
    check: Check[Any] = module.CHECK
    if check.type != name:  # the module name is the checklist type, by rule
        raise RuntimeError(f"gates.checks.{name} registers type {check.type!r}")
    return check


def _options(name: str) -> type[OptionsBase]:
    module_name, _, attribute = GATE_TYPES[name].partition(":")
    model: type[OptionsBase] = getattr(
        importlib.import_module(f"gates.checks.{module_name}"), attribute
    )
    return model


CHECKS: Mapping[str, Check[Any]] = _Lazy(_check)
"""Type → the gate (``gates.checks.<type>`` imported on first lookup)."""
OPTIONS: Mapping[str, type[OptionsBase]] = _Lazy(_options)
"""Type → options model, importing only the model's module: what ``gates validate`` and the
run's checklist load need."""
