"""Checklist options of the ``dependencies`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gates.checks.base import (
    OptionsBase,
    SeverityName,
    StrList,
)

if TYPE_CHECKING:
    pass


Tool = Literal["npm-audit", "pip-audit", "safety", "osv-scanner", "osv"]


class DependencySource(BaseModel):
    """One audit source: a report ``file``, a ``run`` command, or ``lockfile`` + ``db`` (osv)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    tool: Tool = Field(description="npm-audit | pip-audit | safety | osv-scanner | osv (offline)")
    file: str | None = Field(default=None, description="A saved JSON report, in the project")
    run: str | list[str] | None = Field(
        default=None, description="Command printing the JSON report"
    )
    shell: bool = Field(default=False, description="Run `run:` through /bin/sh -c")
    requirements: str | None = Field(
        default=None, description="pip-audit only: run it on this file"
    )
    lockfile: StrList | None = Field(
        default=None,
        description="osv: lock files to audit; other tools: the lock file the audit covers, whose "
        "package count the audited count must reach (npm-audit: package-lock.json by default)",
    )
    db: str | None = Field(default=None, description="osv only: folder of OSV JSON advisories")

    @model_validator(mode="after")
    def _one_input(self) -> DependencySource:
        if self.tool == "osv":
            if not self.lockfile or not self.db or self.file or self.run:
                raise ValueError("tool osv needs `lockfile` and `db` (and no file/run)")
            return self
        given = [k for k in ("file", "run", "requirements") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"tool {self.tool} needs exactly one of file / run"
                + (" / requirements" if self.tool == "pip-audit" else "")
            )
        if self.requirements and self.tool != "pip-audit":
            raise ValueError("`requirements` is for tool pip-audit only")
        return self

    @property
    def label(self) -> str:
        """How the source is named in messages."""
        what = (
            self.file
            or self.requirements
            or (", ".join(self.lockfile or ()) if self.lockfile else None)
        )
        if what is None:
            what = self.run if isinstance(self.run, str) else " ".join(self.run or ())
        return f"{self.tool}: {what}"


class DependenciesOptions(OptionsBase):
    """Options of the ``dependencies`` gate."""

    type: Literal["dependencies"] = "dependencies"
    sources: list[DependencySource] = Field(min_length=1, description="Where advisories come from")
    fail_on: SeverityName = Field(default="high", description="Advisories at or above this block")
    unknown_severity: SeverityName = Field(
        default="high", description="Severity assumed for advisories without one (fail closed)"
    )
    advisories_db: str | None = Field(
        default=None, description="OSV folder used to look up missing severities by id/alias"
    )
    allow_unaudited: StrList = Field(
        default_factory=list, description="Package-name globs accepted as not audited"
    )
