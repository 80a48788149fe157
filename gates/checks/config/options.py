"""Checklist options of the ``config`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from gates.checks.base import OptionsBase, SeverityName, StrList

if TYPE_CHECKING:
    pass


Scalar = str | bool | int | float


class DifferOptions(BaseModel):
    """Keys whose values must differ between two env files (staging vs production)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    keys: StrList = Field(description="Keys that must not have the same value in every file")
    files: dict[str, str] = Field(description="Env name → dotenv file, e.g. staging: .env.staging")


class ConfigOptions(OptionsBase):
    """Options of the ``config`` gate."""

    type: Literal["config"] = "config"
    env_file: str | None = Field(default=None, description="dotenv file for the target env")
    from_process_env: bool = Field(default=False, description="Read the process environment too")
    env_syntax: Literal["auto", "npm", "python"] = Field(
        default="auto",
        description="Env file rules: npm dotenv (Vite/SvelteKit), python-dotenv, or auto-detect",
    )
    expand: bool = Field(default=True, description="Expand ${VAR} / ${VAR:-default} in values")
    required: list[str] | dict[str, StrList] = Field(
        default_factory=list, description="Keys that must be set (list, or mapping per env)"
    )
    forbid: list[str] | dict[str, dict[str, Scalar | list[Scalar]] | list[str]] = Field(
        default_factory=list, description="KEY or KEY=value (list), or {env: {KEY: value}}"
    )
    formats: dict[str, str] = Field(
        default_factory=dict, description="KEY → url | https-url | int | bool | regex:PATTERN"
    )
    differ: DifferOptions | None = Field(default=None, description="Keys that must differ")
    public_prefix: StrList = Field(
        default_factory=lambda: ["PUBLIC_"], description="Prefixes of browser-visible keys"
    )
    headers_from: StrList = Field(
        default_factory=list, description="vercel.json / svelte.config.js / _headers to grade"
    )
    headers_path: str = Field(default="/", description="Request path whose headers are graded")
    min_score: int | None = Field(default=None, description="Lowest Observatory score accepted")
    require: StrList = Field(default_factory=list, description="Header tests that must pass")
    fail_on: SeverityName = Field(default="high", description="Lowest severity that blocks")
