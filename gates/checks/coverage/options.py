"""Checklist options of the ``coverage`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gates.checks.base import Percent, RunOptionsBase, StrList

Format = Literal["auto", "cobertura", "lcov", "coverage-json", "istanbul-summary", "coverage-data"]


class Thresholds(BaseModel):
    """Minimum percentages; each key is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    lines: Percent | None = Field(default=None, description="Covered lines, %")
    branches: Percent | None = Field(default=None, description="Covered branch exits, %")
    statements: Percent | None = Field(default=None, description="Covered statements, %")
    functions: Percent | None = Field(default=None, description="Covered functions, %")
    total: Percent | None = Field(
        default=None, description="coverage.py's TOTAL: lines and branches combined, %"
    )


class ChangedLines(BaseModel):
    """Coverage of the lines this change adds or edits."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    base: str | None = Field(
        default=None, description="Git ref to diff against (default --base-ref)"
    )
    min: Percent = Field(description="Minimum covered share of coverable changed lines, %")
    per_file_min: Percent | None = Field(
        default=None,
        description="Minimum covered share of each changed file's coverable changed lines, %",
    )
    source: StrList = Field(
        default_factory=list,
        description="Globs of source files the report must cover: a changed file matching them "
        "that the report never saw (a new module no test imports) counts every changed line "
        "as missed",
    )
    exclude: StrList = Field(
        default_factory=list, description="Globs taken out of `source` (tests, generated code)"
    )


class CoverageOptions(RunOptionsBase):
    """Options of the ``coverage`` gate."""

    type: Literal["coverage"] = "coverage"
    report: StrList = Field(description="Coverage report path(s) or globs, inside the project")
    format: Format = Field(default="auto", description="Report format; auto-detected by content")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="Totals to reach")
    paths: dict[str, Thresholds] = Field(
        default_factory=dict, description="Glob → thresholds over the files it matches"
    )
    changed_lines: ChangedLines | None = Field(default=None, description="Changed-lines coverage")
    max_drop: Percent | None = Field(
        default=None, description="Most percentage points `lines` may fall below the baseline"
    )
