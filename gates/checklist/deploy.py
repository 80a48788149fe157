"""The checklist's deployment sections: ``rollback:`` and ``notify:`` (top level).

They are not gates: ``gates run --rollback`` carries out ``rollback`` after a failing
post-deploy verdict, and every run posts to the ``notify`` webhooks once its reports are written
(:mod:`gates.deploy`). Their contract is in docs/post-deploy.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gates.checks.base import Duration, StrList

NotifyOn = Literal["pass", "fail", "rollback", "emergency"]
ALL_EVENTS: tuple[NotifyOn, ...] = ("pass", "fail", "rollback", "emergency")


class RollbackBudgets(BaseModel):
    """Budgets measured from the deploy: detect within 2m, rolled back within 10m, recovered
    within 15m by default."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    detect: Duration = 120.0
    rollback: Duration = 600.0
    recover: Duration = 900.0


class RollbackSpec(BaseModel):
    """``rollback:``: the command that restores the previous deployment and how to verify it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    run: str | list[str] = Field(description="Command restoring the previous deployment")
    shell: bool = Field(default=False, description="Run `run:` through /bin/sh -c")
    timeout: Duration = Field(default=600.0, description="Deadline of the rollback command")
    verify: StrList = Field(
        default_factory=list, description="Gate ids re-run against the restored deployment"
    )
    url: str | None = Field(
        default=None, description="URL of the restored deployment (default: the run's --url)"
    )
    budgets: RollbackBudgets = Field(default_factory=RollbackBudgets)

    @field_validator("run")
    @classmethod
    def _not_empty(cls, value: str | list[str]) -> str | list[str]:
        if not (value.strip() if isinstance(value, str) else value):
            raise ValueError("rollback.run must name a command")
        return value


class NotifyTarget(BaseModel):
    """One ``notify:`` entry: a webhook that receives the outcome of the run."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    webhook: str = Field(description="http(s) URL the message is POSTed to (a secret)")
    format: Literal["slack", "json"] = "json"
    on: list[NotifyOn] = Field(
        default_factory=lambda: list(ALL_EVENTS),
        description="When to post: pass, fail, rollback, emergency (default: all)",
    )
    timeout: Duration = Field(default=10.0, description="Deadline of one attempt")
    retries: int = Field(default=2, ge=0, le=5, description="Attempts after the first")

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, value: str) -> str:
        # `gates validate` leaves an unset ${VAR} as written (the pre-commit hook has no CI
        # secrets); the URL is checked once the run has expanded it.
        if value.startswith("${") and value.endswith("}"):
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("webhook must be an http:// or https:// URL")
        return value
