"""Checklist options of the ``secrets`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gates.checks.base import (
    OptionsBase,
    SeverityName,
    Size,
    StrList,
)


class SecretsOptions(OptionsBase):
    """Options of the ``secrets`` gate."""

    type: Literal["secrets"] = "secrets"
    paths: StrList = Field(default_factory=lambda: ["."], description="Tracked folders to scan")
    bundle: StrList = Field(default_factory=list, description="Built client output folder(s)")
    fail_on: SeverityName = Field(default="medium", description="Findings at or above this block")
    baseline: str | None = Field(default=None, description="JSON file of accepted fingerprints")
    exclude: StrList = Field(default_factory=list, description="Project-relative globs to skip")
    include_untracked: bool = Field(default=False, description="Also untracked, not-ignored files")
    entropy_threshold: float = Field(
        default=3.5, ge=1.0, le=8.0, description="Shannon bits/char for generic secret values"
    )
    max_file_size: Size = Field(default=5 * 1024 * 1024, description="Skip (and list) larger files")
