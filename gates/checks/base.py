"""The small interface every gate type implements.

A gate type is a module in ``gates/checks/`` that ends with::

    CHECK = Check(type="coverage", options=CoverageOptions, evaluate=evaluate, rules=RULES)

``evaluate(options, ctx) -> GateOutcome`` is a plain function. It resolves its inputs through
``ctx`` (paths inside the project, commands through :mod:`gates.process`), calls parsers, compares,
and returns. It never decides waivers, baselines of findings, blocking or the verdict: the runner
does that the same way for every gate.

Rule: nothing outside a gate reads a result's ``details`` or a finding's ``data`` to decide
anything. What the core needs is a typed field: :attr:`Finding.always_blocks`,
:attr:`Finding.ids`, :attr:`GateOutcome.tool_versions`, and what a type declares in its
:class:`Check` (``security``, ``runs_commands``, ``commands``).
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gates.errors import InputError, ToolError, ToolMissing
from gates.io import globs
from gates.model import (
    Artifact,
    Evidence,
    Finding,
    GateResult,
    Measurement,
    Series,
    Severity,
    Status,
)
from gates.units import parse_duration, parse_percent, parse_size

if TYPE_CHECKING:
    from gates.process import ToolRun

# gates.process (subprocess, the process-tree helpers, the masked logs) and gates.io.safe
# (defusedxml) are imported by the methods that use them: every options model derives from this
# module, and `gates validate` and the run's own process, which only build options, skip them.

Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Seconds, written ``800ms``, ``30s``, ``10m`` in the checklist."""
Size = Annotated[int, BeforeValidator(parse_size)]
"""Bytes, written ``250kB``, ``1.5MiB`` in the checklist."""
Percent = Annotated[float, BeforeValidator(parse_percent)]
"""Percentage points, written ``80`` or ``5%`` in the checklist."""
SeverityName = Literal["info", "low", "medium", "high", "critical"]
Stage = Literal["pre-deploy", "post-deploy"]
StrList = Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]
"""A list of strings where a single string is accepted too (``junit: out.xml``)."""


RUN_KEYS = ("run", "shell", "cwd")
"""Keys only gate types whose options derive from :class:`RunOptionsBase` accept."""


class OptionsBase(BaseModel):
    """Keys every gate accepts (contract): type, description, needs, stage, timeout, blocking."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: str
    description: str = Field(default="", description="Shown with the gate in the HTML/MD report")
    needs: StrList = Field(default_factory=list)
    stage: Stage = "pre-deploy"
    timeout: Duration | None = None
    blocking: bool | None = None
    fail_on_new_only: bool = Field(
        default=False, description="Only findings not in the baseline report block"
    )
    baseline_optional: bool = Field(
        default=False,
        description="Comparisons against --baseline are skipped (not an error) when none is given",
    )


class RunOptionsBase(OptionsBase):
    """Options of a gate type that runs a command itself (``command``, ``tests``, ``coverage``).

    Every other type refuses ``run:``/``shell:``/``cwd:`` at ``gates validate``: a key that is
    accepted and ignored would judge yesterday's evidence (use a ``command`` gate and ``needs:``).
    """

    run: str | list[str] | None = Field(
        default=None, description="Command to run first; argv split like a shell, no shell"
    )
    shell: bool = Field(default=False, description="Run `run:` through /bin/sh -c")
    cwd: str | None = Field(default=None, description="Working directory of `run:`, in the project")


OptionsT = TypeVar("OptionsT", bound=OptionsBase)

DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path(environ: Mapping[str, str], configured: str | None = None) -> str:
    """The Chromium every browser gate uses: the checklist's own path when it names one, else
    ``$CHROME_PATH``, else Debian's ``/usr/bin/chromium``. Missing is :class:`ToolMissing`."""
    path = configured or environ.get("CHROME_PATH") or DEFAULT_CHROMIUM
    if not Path(path).is_file():
        raise ToolMissing(f"Chromium not found at {path} (set CHROME_PATH or install chromium)")
    return path


def tool_version(
    ctx: GateContext, argv: Sequence[str], name: str, said: re.Pattern[str]
) -> dict[str, str]:
    """``{name: version}`` as ``argv`` (a ``--version`` call, at most 30s) prints it, the
    version being ``said``'s first group in its stdout; nothing when the tool does not answer
    with one (the gate's own run of that tool then fails the gate if it cannot run)."""
    try:
        run = ctx.run(list(argv), timeout=min(ctx.timeout, 30.0))
    except ToolError:
        return {}
    found = said.search(run.stdout.strip()) if run.returncode == 0 else None
    return {name: found.group(1)} if found else {}


_CHROMIUM_VERSION = re.compile(r"\b(\d+\.\d+\.\d+\.\d+)\b")


def chromium_version(ctx: GateContext, path: str) -> dict[str, str]:
    """``{"chromium": "156.0.8078.114"}`` as ``<path> --version`` says it (see tool_version)."""
    return tool_version(ctx, [path, "--version"], "chromium", _CHROMIUM_VERSION)


@dataclass(frozen=True)
class Rule:
    """A rule a gate can emit, for ``gates explain`` and SARIF rule metadata."""

    id: str
    severity: Severity
    title: str
    why: str
    fix: str
    help_uri: str = ""
    always_blocks: bool = False
    """Its findings are never softened (waivers, ``blocking: false``, ``fail_on``) and a waiver
    or lint setting naming it is refused by ``gates validate``."""


@dataclass
class GateOutcome:
    """What ``evaluate`` returns. ``status=None`` lets the runner derive it from the rest."""

    summary: str = ""
    status: Status | None = None
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    secrets: list[str] = field(default_factory=list)
    """Secret values this gate saw; the runner scrubs them from every output (defence in depth:
    gates redact their own findings first)."""
    tool_versions: dict[str, str] = field(default_factory=dict)
    """Real versions of the tools this gate ran (``{"bandit": "1.7.10"}``); into the report."""

    @classmethod
    def failed_closed(cls, reason: str, **kwargs: Any) -> GateOutcome:
        """An ``error`` outcome: the gate could not judge, so it blocks."""
        return cls(summary=reason, status=Status.ERROR, error=reason, **kwargs)


@dataclass
class GateContext:
    """Everything a gate may use from the run; built by the runner for each gate."""

    gate_id: str
    root: Path
    """Project root (the checklist's folder); every relative path resolves inside it."""
    out_dir: Path
    timeout: float
    env_name: str | None = None
    stage: str = "pre-deploy"
    baseline: GateResult | None = None
    """This gate's result in the ``--baseline`` report, if one was given and had it."""
    baseline_given: bool = False
    base_ref: str | None = None
    url: str | None = None
    commit: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    evidence: list[Evidence] = field(default_factory=list)
    _resolved_root: Path | None = field(default=None, init=False, repr=False, compare=False)
    """``root.resolve()``, once :meth:`record` needed it."""

    @property
    def log_path(self) -> Path:
        """``reports/logs/<gate>.log``: every command this gate runs is logged here."""
        return self.out_dir / "logs" / f"{self.gate_id}.log"

    @property
    def artifacts_dir(self) -> Path:
        """``reports/artifacts/<gate>/`` for screenshots and raw tool output."""
        path = self.out_dir / "artifacts" / self.gate_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, relative: str | Path) -> Path:
        """A project path, refused if it resolves outside the project root."""
        from gates.io.safe import resolve_inside

        return resolve_inside(self.root, relative)

    def glob(self, patterns: Sequence[str]) -> list[Path]:
        """Files matching any glob (:mod:`gates.io.globs`), inside the project, de-duplicated."""
        found: dict[Path, None] = {}
        for pattern in patterns:
            try:
                globs.check(pattern)
            except globs.GlobError as exc:
                raise InputError(str(exc)) from None
            for hit in globs.expand(self.root, pattern):
                if (self.root / hit).is_file():
                    found[self.path(hit)] = None
        return list(found)

    def record(self, path: Path) -> Evidence:
        """Record a file this gate judged (path + sha256) and return the record."""
        from gates.io.safe import evidence_for

        if self._resolved_root is None:
            self._resolved_root = self.root.resolve()
        item = evidence_for(path, self.root, resolved_root=self._resolved_root)
        self.evidence.append(item)
        return item

    def run(
        self,
        command: str | Sequence[str],
        *,
        shell: bool = False,
        cwd: str | None = None,
        timeout: float | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> ToolRun:
        """Run a command in its own process group, logged to :attr:`log_path`.

        Raises ToolMissing / ToolTimeout; the runner turns those into ``error``.
        """
        from gates.process import run_tool, split_command

        env = dict(self.environ)
        if extra_env:
            env.update(extra_env)
        return run_tool(
            split_command(command, shell=shell),
            timeout=timeout if timeout is not None else self.timeout,
            cwd=self.path(cwd) if cwd else self.root,
            env=env,
            log_path=self.log_path,
        )


@dataclass(frozen=True)
class Subcommand(Generic[OptionsT]):
    """``gates <type> <name>``: a helper a gate type offers (``gates migrations lock``).

    The CLI builds ``gates <type> <name> [--checklist FILE] [--gate ID]`` from this declaration
    (:mod:`gates.cli.gate_commands`). ``run(options, project_root)`` gets the chosen gate's
    options and returns the line the CLI prints; it raises a :mod:`gates.errors` exception on a
    user's mistake.
    """

    name: str
    help: str
    """One line for the command list of ``gates <type> --help``."""
    run: Callable[[OptionsT, Path], str]
    description: str = ""
    """The text of ``gates <type> <name> --help`` (default: ``help``)."""


@dataclass(frozen=True)
class Check(Generic[OptionsT]):
    """A gate type: its checklist key, its options model, its evaluate function, its rules, and
    what the rest of gates needs to know about it."""

    type: str
    options: builtins.type[OptionsT]
    evaluate: Callable[[OptionsT, GateContext], GateOutcome]
    rules: tuple[Rule, ...] = ()
    summary: str = ""
    security: bool = False
    """Its findings are security alerts (SARIF ``security-severity`` and the ``security`` tag)."""
    commands: tuple[Subcommand[OptionsT], ...] = ()
    """CLI helpers of this type, offered as ``gates <type> <name>``."""

    @property
    def runs_commands(self) -> bool:
        """Whether the type runs ``run:`` itself (so accepts ``run:``/``shell:``/``cwd:``)."""
        return runs_commands(self.options)


def runs_commands(options: builtins.type[OptionsBase]) -> bool:
    """Whether a gate type with these options runs ``run:`` itself (accepts :data:`RUN_KEYS`):
    what the checklist loader asks of an options model without importing its gate."""
    return issubclass(options, RunOptionsBase)
