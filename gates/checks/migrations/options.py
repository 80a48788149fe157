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

    model_config = ConfigDict(extra="forbid", frozen=True)

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

        from gates.checks.migrations.report import INTEGRITY_RULES

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


class DryRunOptions(BaseModel):
    """``dry_run:`` — a throwaway cluster (``database: ephemeral``) or a shadow server (``dsn``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database: Literal["ephemeral"] | None = Field(
        default=None, description="`ephemeral`: start a throwaway PostgreSQL (initdb + pg_ctl)"
    )
    dsn: str | None = Field(
        default=None, description="A server where a scratch database is created and dropped"
    )
    preset: Literal["supabase", "none"] = Field(
        default="none", description="`supabase`: create auth/storage schemas, roles, auth.uid()…"
    )

    @model_validator(mode="after")
    def _one_target(self) -> DryRunOptions:
        if (self.database is None) == (self.dsn is None):
            raise ValueError("dry_run needs exactly one of `database: ephemeral` or `dsn`")
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
