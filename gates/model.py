"""The result model: statuses, findings, measurements, gate results and the report.

Everything here is a frozen dataclass or a ``StrEnum`` spelled as in docs/reports.md. Gates build
these; the runner, waivers and baseline derive new ones with :func:`dataclasses.replace`;
writers only read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Status of one gate (contract)."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def rank(self) -> int:
        """How much attention the status needs; higher is worse (used to sort and to combine)."""
        return _STATUS_RANK[self]

    @property
    def blocks(self) -> bool:
        """``fail`` and ``error`` block a blocking gate; ``error`` blocks exactly like ``fail``."""
        return self in (Status.FAIL, Status.ERROR)


_STATUS_RANK = {
    Status.SKIPPED: 0,
    Status.PASS: 1,
    Status.WARN: 2,
    Status.FAIL: 3,
    Status.ERROR: 4,
}


def worst(*statuses: Status) -> Status:
    """The status needing the most attention among ``statuses`` (``pass`` for none)."""
    return max(statuses, key=lambda s: s.rank, default=Status.PASS)


class Severity(StrEnum):
    """Severity of a finding, ordered ``info < low < medium < high < critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order above (0 for info)."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        """True when this severity is ``other`` or more severe."""
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity as tools spell it (``moderate`` is medium, ``error`` is high...)."""
        key = text.strip().lower()
        alias = _SEVERITY_ALIASES.get(key, key)
        return cls(alias)


_SEVERITY_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
_SEVERITY_ALIASES = {
    "moderate": "medium",
    "undefined": "info",
    "unknown": "info",
    "none": "info",
    "note": "low",
    "warning": "medium",
    "error": "high",
}


@dataclass(frozen=True)
class Location:
    """Where a finding is: a project-relative path and, when known, line and column (1-based)."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Finding:
    """One problem a gate found (contract fields: rule, severity, message, location, fingerprint,
    new, waived)."""

    rule: str
    """Rule or advisory id, e.g. ``B602``, ``GHSA-…``, ``test-failed``, ``ban-drop-column``."""
    severity: Severity
    message: str
    location: Location | None = None
    fingerprint: str = ""
    """Stable across runs and line shifts; see :mod:`gates.fingerprint`."""
    blocks: bool = True
    """Whether this finding, unwaived, makes its gate fail (the gate's ``fail_on`` decided it)."""
    new: bool | None = None
    """Not in the baseline report; ``None`` when no baseline was given."""
    waived: str | None = None
    """The match pattern of the waiver that waived it, or ``None``."""
    title: str = ""
    """Short human title of the rule (shown in HTML and SARIF)."""
    help_uri: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """Extra facts for people: CWE, confidence, fixed version, test output... (JSON-safe).
    Nothing outside the gate that made the finding reads it to decide anything."""
    always_blocks: bool = False
    """No waiver, ``blocking: false``, ``fail_on`` or ``fail_on_new_only`` softens this finding
    (a service_role key in a public place, a migration integrity finding)."""
    ids: tuple[str, ...] = ()
    """Other ids a waiver may name this finding by (advisory aliases: ``CVE-…``, ``GHSA-…``);
    :attr:`rule` is always one of its ids too (see :attr:`all_ids`)."""

    @property
    def all_ids(self) -> tuple[str, ...]:
        """The rule id and every alias, without repeats."""
        return tuple(dict.fromkeys((self.rule, *self.ids)))


@dataclass(frozen=True)
class Change:
    """What a relative limit compares (growth, increase, drop): one quantity, measured twice.

    A relative measurement's own value is a change (``%`` or ``pp``); the baseline and current
    values it was computed from are of another unit (bytes, ms, %). They live here, so a report
    never shows the baseline of one quantity beside the change of another.
    """

    quantity: str
    """The quantity compared: ``total gzip``, ``/ largest-contentful-paint``, ``lines``."""
    unit: str
    baseline: float
    current: float


@dataclass(frozen=True)
class Measurement:
    """A measured value compared with a threshold, in the manner of a Lighthouse CI assertion."""

    name: str
    value: float | None
    unit: str = ""
    op: str | None = None
    """One of :data:`gates.measure.OPS`; ``None`` for a value shown without a threshold."""
    threshold: float | None = None
    baseline: float | None = None
    status: Status = Status.PASS
    message: str = ""
    values: tuple[float, ...] = ()
    """Every run's value when the measured value is an aggregate (a median of runs)."""
    rounding: str = ""
    """How the comparison rounds, stated so that 79.95% against 80% is never a surprise."""
    change_of: Change | None = None
    """Set on a relative measurement (its ``value`` is a growth/increase/drop): the quantity it
    compares. ``baseline`` is then ``None``: ``baseline`` is only ever the baseline of ``value``."""


@dataclass(frozen=True)
class Evidence:
    """A file a gate read, with its digest, so a report says exactly what it judged."""

    path: str
    sha256: str
    size: int | None = None


@dataclass(frozen=True)
class Artifact:
    """Something to show in the HTML report: a screenshot (PNG) or a chart (SVG), embedded."""

    kind: str
    """``screenshot`` or ``chart`` or ``table``."""
    title: str
    media_type: str
    data_base64: str = ""
    path: str = ""


@dataclass(frozen=True)
class Sample:
    """One point of a time series: when (seconds after the series started) and what."""

    at_s: float
    value: float | None
    ok: bool = True
    """``False`` when the sample errored (timeout, refused, 5xx, empty or NaN query result)."""
    note: str = ""


@dataclass(frozen=True)
class Series:
    """Samples taken over a watch window (the ``analysis`` gate): one per probe or query."""

    name: str
    unit: str
    started_at: str
    """ISO 8601 UTC time of the first sample."""
    samples: tuple[Sample, ...] = ()


@dataclass(frozen=True)
class GateResult:
    """The outcome of one gate as it appears in the report (contract fields)."""

    id: str
    type: str
    status: Status
    blocking: bool
    summary: str
    duration_s: float = 0.0
    measurements: tuple[Measurement, ...] = ()
    findings: tuple[Finding, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    error: str | None = None
    log: str | None = None
    """Path of the gate's command log, relative to the report folder."""
    artifacts: tuple[Artifact, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    """Gate-specific tables (per-file test counts, largest chunks, per-URL runs...)."""
    stage: str = "pre-deploy"
    needs: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    """Time series the gate sampled (``analysis``); charted in the HTML report."""
    options: dict[str, Any] = field(default_factory=dict)
    """The effective options the gate ran with (overlays applied, ``${VAR}`` expanded, secrets
    masked); promotion compares them with the target environment's (docs/promotion.md)."""
    options_sha256: str = ""
    """``sha256:`` of the canonical JSON of ``options``."""
    description: str = ""
    """The checklist's ``description:`` of this gate (shown in the HTML and Markdown reports)."""
    tool_versions: dict[str, str] = field(default_factory=dict)
    """Real versions of the tools this gate ran (``bandit``, ``lighthouse``, ``chromium``…)."""


@dataclass(frozen=True)
class WaiverUse:
    """A waiver from the checklist and what became of it in this run."""

    gate: str
    match: str
    reason: str
    owner: str
    expires: str
    used: bool
    expired: bool
    matched: int = 0
    """How many findings it matched in this run."""
    problem: str = ""
    """Why the waiver needs attention: it matched nothing, or more than ``max_matches``."""


@dataclass(frozen=True)
class TimelineStep:
    """One moment of a rollback timeline, measured from the deploy, against its budget."""

    name: str
    """``deployed``, ``detected``, ``rollback started``, ``rollback finished``, ``recovered``."""
    at: str | None
    """ISO 8601 UTC; ``None`` when the moment never came (a rollback that failed)."""
    after_s: float | None = None
    budget_s: float | None = None
    within_budget: bool | None = None


@dataclass(frozen=True)
class RollbackOutcome:
    """What ``gates run --rollback`` did after a failing verdict (the verdict stays ``fail``)."""

    status: str
    """``recovered`` (rolled back, verify gates pass), ``failed`` (the command failed),
    ``unverified`` (rolled back but a verify gate did not pass) or ``not-configured``."""
    message: str
    command: str = ""
    exit_code: int | None = None
    timeline: tuple[TimelineStep, ...] = ()
    verify: tuple[GateResult, ...] = ()


@dataclass(frozen=True)
class Report:
    """The whole run (``gate-report.json``, schema ``gates-report/1``)."""

    verdict: Status
    environment: str | None
    stage: str
    project: str
    commit: str | None
    branch: str | None
    started_at: str
    duration_s: float
    checklist_sha256: str
    tool_versions: dict[str, str]
    gates: tuple[GateResult, ...]
    waivers: tuple[WaiverUse, ...] = ()
    required: tuple[str, ...] = ()
    verdict_reasons: tuple[str, ...] = ()
    interrupted: bool = False
    url: str | None = None
    rollback: RollbackOutcome | None = None
    schema: str = "gates-report/1"
    digest: str = ""
    signature: str | None = None


def tool_list(gates_version: str, results: Iterable[GateResult]) -> dict[str, str]:
    """A report's ``tool_versions``: ``gates`` and every tool its gates recorded. Two gates that
    met different versions of one tool (a ``dsn:`` server and an ephemeral one, two CI jobs) are
    both listed, ``", "``-joined in gate order."""
    seen: dict[str, list[str]] = {}
    for result in results:
        for name, version in result.tool_versions.items():
            if version not in seen.setdefault(name, []):
                seen[name].append(version)
    return {**{name: ", ".join(found) for name, found in seen.items()}, "gates": gates_version}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of the dataclass ``cls``, in order (cached: the report's codec and its
    redaction look them up for every finding of a large report)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names
