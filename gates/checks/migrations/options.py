"""Checklist options of the ``migrations`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gates.checks.base import OptionsBase, SeverityName
from gates.checks.migrations.lint_rules import RULES_BY_ID

if TYPE_CHECKING:
    pass


class LintOptions(BaseModel):
    """``lint:`` — which rules to drop or downgrade."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    disable: list[str] = Field(default_factory=list, description="Rule ids not reported")
    warn: list[str] = Field(default_factory=list, description="Rule ids reported, never blocking")
    exposed_schemas: list[str] = Field(
        default_factory=lambda: ["public"], description="Schemas where tables need RLS"
    )
    transaction_per_file: bool = Field(
        default=True,
        description="Each file runs in one transaction (Supabase CLI), so CONCURRENTLY must be "
        "alone in its file",
    )

    @field_validator("disable", "warn")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        import difflib

        from gates.checks.migrations.lint_rules import INTEGRITY_RULES

        for rule in value:
            if rule in INTEGRITY_RULES:
                raise ValueError(
                    f"'{rule}' reports broken evidence, not a lint opinion; it cannot be "
                    "disabled or downgraded"
                )
            if rule not in RULES_BY_ID:
                near = difflib.get_close_matches(rule, list(RULES_BY_ID), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise ValueError(f"unknown migrations rule '{rule}'{hint}")
        return value


def _duration(value: object) -> float:
    from gates.units import parse_duration

    return parse_duration(value)


class DataOptions(BaseModel):
    """``data:`` — generated rows in every table that exists before the new migrations."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    rows: int = Field(ge=1, le=10_000_000, description="Rows per table (bounded by the budget)")
    seed: int = Field(default=0, description="Seed of the generated values (deterministic)")
    budget: float = Field(
        default=60.0,
        description="Most seconds the fill may take (`60s`); tables get fewer rows past it",
    )

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: object) -> float:
        return _duration(value)


class ProbeOptions(BaseModel):
    """``probe:`` — a reader and a writer per touched table while each new migration applies."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    interval: float = Field(default=0.05, description="Pause between probe queries (`50ms`)")
    max_blocked: float = Field(
        default=0.5, description="Longest a probe may wait for a lock (`500ms`)"
    )

    @field_validator("interval", "max_blocked", mode="before")
    @classmethod
    def _durations(cls, value: object) -> float:
        seconds = _duration(value)
        if seconds <= 0:
            raise ValueError("must be more than 0")
        return seconds


class DryRunOptions(BaseModel):
    """``dry_run:`` — a throwaway cluster (``database: ephemeral``) or a shadow server (``dsn``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    database: Literal["ephemeral"] | None = Field(
        default=None, description="`ephemeral`: start a throwaway PostgreSQL (initdb + pg_ctl)"
    )
    dsn: str | None = Field(
        default=None, description="A server where a scratch database is created and dropped"
    )
    preset: Literal["supabase", "none"] = Field(
        default="none", description="`supabase`: create auth/storage schemas, roles, auth.uid()…"
    )
    restore: str | None = Field(
        default=None,
        description="pg_dump file (custom or plain) restored before the new migrations run",
    )
    max_age: float = Field(
        default=7 * 86400.0, description="A `restore:` dump older than this is an error (`7d`)"
    )
    data: DataOptions | None = Field(
        default=None, description="Without `restore:`: fill existing tables with generated rows"
    )
    probe: ProbeOptions | None = Field(
        default=None, description="Live traffic during each new migration; blocked time judged"
    )

    @field_validator("max_age", mode="before")
    @classmethod
    def _max_age(cls, value: object) -> float:
        return _duration(value)

    @model_validator(mode="after")
    def _one_target(self) -> DryRunOptions:
        if (self.database is None) == (self.dsn is None):
            raise ValueError("dry_run needs exactly one of `database: ephemeral` or `dsn`")
        if self.restore is not None and self.data is not None:
            raise ValueError(
                "dry_run: `restore:` brings its own data; `data:` is for runs without a restore"
            )
        return self


class MigrationsOptions(OptionsBase):
    """Options of the ``migrations`` gate."""

    type: Literal["migrations"] = "migrations"
    dir: str = Field(default="supabase/migrations", description="Folder of migration files")
    down: str | None = Field(default=None, description="Folder of rollback files (same names)")
    lock: str | None = Field(default=None, description="Lock file of applied migrations")
    lock_base: str | None = Field(
        default=None,
        description="Git ref whose lock entries must survive unchanged (default: --base-ref)",
    )
    lint: LintOptions = Field(default_factory=LintOptions, description="Lint rule settings")
    fail_on: SeverityName = Field(default="medium", description="Findings at/above this block")
    dry_run: DryRunOptions | None = Field(default=None, description="Dry run on PostgreSQL")
