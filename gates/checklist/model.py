"""The typed checklist: what ``checklist.yml`` means once loaded, validated and overlaid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gates.checklist.deploy import NotifyTarget, RollbackSpec
from gates.checks.base import OptionsBase

TOP_LEVEL_KEYS = (
    "version",
    "project",
    "defaults",
    "environments",
    "gates",
    "waivers",
    "require",
    "rollback",
    "notify",
    "baseline",
    "waiver_max_days",
)
DEFAULTS_KEYS = ("timeout", "blocking")
ENVIRONMENT_KEYS = ("require", "gates", "defaults")
WAIVER_KEYS = ("gate", "match", "reason", "owner", "expires", "paths", "max_matches")
WAIVER_REQUIRED = ("gate", "match", "reason", "owner", "expires")
DEFAULT_TIMEOUT_S = 600.0
DEFAULT_WAIVER_MAX_DAYS = 90
DEFAULT_WAIVER_MAX_MATCHES = 20
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class Waiver:
    """Accepts findings of one gate named by ``match`` (rule id, fingerprint or advisory id),
    optionally only under ``paths`` (globs that narrow), until ``expires``."""

    gate: str
    match: str
    reason: str
    owner: str
    expires: date
    paths: tuple[str, ...] = ()
    max_matches: int = DEFAULT_WAIVER_MAX_MATCHES

    def expired(self, today: date) -> bool:
        """A waiver is valid through its expiry day and expired the day after."""
        return today > self.expires


@dataclass(frozen=True)
class GateSpec:
    """One gate of the checklist with defaults applied."""

    id: str
    options: OptionsBase
    timeout: float
    blocking: bool

    @property
    def type(self) -> str:
        """The gate type (``coverage``...)."""
        return self.options.type

    @property
    def stage(self) -> str:
        """``pre-deploy`` or ``post-deploy``."""
        return self.options.stage

    @property
    def needs(self) -> tuple[str, ...]:
        """Ids of gates that must pass before this one runs."""
        return tuple(self.options.needs)


@dataclass(frozen=True)
class Checklist:
    """A validated checklist for one environment (or none)."""

    path: str
    sha256: str
    project: str
    version: int
    environment: str | None
    environments: tuple[str, ...]
    gates: dict[str, GateSpec]
    require: tuple[str, ...]
    waivers: tuple[Waiver, ...]
    rollback: RollbackSpec | None = None
    notify: tuple[NotifyTarget, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    """The expanded, overlaid data (for ``gates list``); never contains unset variables."""
