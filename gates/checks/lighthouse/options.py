"""Checklist options of the ``lighthouse`` gate type: models only, no gate code."""

from __future__ import annotations

import difflib
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gates.checks.base import (
    Duration,
    OptionsBase,
    Percent,
    StrList,
)
from gates.parsers import lighthouse as lhr
from gates.units import parse_duration, parse_size

DEFAULT_MIN_DELTA = {
    "first-contentful-paint": 50.0,
    "largest-contentful-paint": 50.0,
    "speed-index": 50.0,
    "interactive": 50.0,
    "total-blocking-time": 10.0,
    "cumulative-layout-shift": 0.01,
}
"""The noise floor of ``max_increase`` (ms; CLS unitless): smaller changes are run-to-run noise
(0 → 4 ms of TBT is +∞ %, not a regression)."""

# CLS has no unit; every other Lighthouse metric is a timing in milliseconds
TIMING_METRICS = frozenset(lhr.METRICS) - {"cumulative-layout-shift"}


NUMERIC_AUDITS = frozenset(
    {
        *lhr.METRICS,
        "first-meaningful-paint",
        "max-potential-fid",
        "interaction-to-next-paint",
        "server-response-time",
        "network-server-latency",
        "network-rtt",
        "bootup-time",
        "mainthread-work-breakdown",
        "total-byte-weight",
        "dom-size",
        "redirects",
        "render-blocking-resources",
        "uses-long-cache-ttl",
        "uses-rel-preconnect",
        "uses-http2",
        "unused-javascript",
        "unused-css-rules",
        "unminified-javascript",
        "unminified-css",
        "modern-image-formats",
        "uses-optimized-images",
        "uses-text-compression",
        "uses-responsive-images",
        "offscreen-images",
        "efficient-animated-content",
        "duplicated-javascript",
        "legacy-javascript",
    }
)
"""Lighthouse 12 audits with a ``numericValue`` a budget may name (from its core/audits)."""
BYTE_AUDITS = frozenset({"total-byte-weight"})
COUNT_AUDITS = frozenset({"dom-size"})
# every other numeric audit (timings and savings) is in milliseconds
TIMED_AUDITS = NUMERIC_AUDITS - BYTE_AUDITS - COUNT_AUDITS - {"cumulative-layout-shift"}
BUDGET_KEYS = frozenset({*lhr.CATEGORIES, "pwa", *NUMERIC_AUDITS})


def _budget_number(key: str, value: object) -> float:
    if key not in BUDGET_KEYS:
        near = difflib.get_close_matches(key, sorted(BUDGET_KEYS), n=1, cutoff=0.6)
        hint = f"did you mean '{near[0]}'?" if near else "a category or a numeric audit id"
        raise ValueError(f"unknown Lighthouse budget '{key}' ({hint})")
    if key in lhr.CATEGORIES or key == "pwa":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"budget '{key}' is a category score between 0 and 1")
        return float(value)
    if key in TIMED_AUDITS:
        if not isinstance(value, str):
            raise ValueError(
                f"budget '{key}' is a timing: write its unit ({value!r} means what? "
                "write e.g. 2500ms or 2.5s)"
            )
        return float(parse_duration(value)) * 1000.0
    if key in BYTE_AUDITS and isinstance(value, str):
        return float(parse_size(value))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"budget '{key}' must be a finite number")
    return float(value)


class ServerSpec(BaseModel):
    """How to start the app under test."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    run: str = Field(description="Command starting the server (own process group, no shell)")
    url: str = Field(description="Base URL; polled until it answers")
    ready_timeout: Duration = Field(default=60.0, description="Longest wait for url to answer")
    cwd: str | None = Field(default=None, description="Working directory, in the project")


class LighthouseOptions(OptionsBase):
    """Options of the ``lighthouse`` gate."""

    type: Literal["lighthouse"] = "lighthouse"
    server: ServerSpec | None = None
    urls: StrList = Field(default_factory=list, description="Paths or URLs to audit")
    runs: int = Field(default=3, ge=1, le=15, description="Runs per URL; the median run is judged")
    results: StrList | None = Field(
        default=None, description="Judge existing LHR files / .lighthouseci folders instead"
    )
    budgets: dict[str, float] = Field(
        default_factory=dict,
        description="Category scores (0..1, at least) and numeric audits, at most: timings with "
        "a unit (`2500ms`, `2.5s`), CLS and counts bare, byte weights as sizes (`1.5MB`)",
    )
    budget_file: str | None = Field(default=None, description="Lighthouse budget.json")
    max_increase: Percent | None = Field(
        default=None, description="Largest increase of budgeted timings vs the baseline report"
    )
    min_delta: dict[str, float] = Field(
        default_factory=dict,
        description="Noise floor of max_increase per metric, in its own unit (ms; CLS unitless): "
        "a change of at most this much passes whatever its percentage. Defaults: "
        + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_MIN_DELTA.items()),
    )
    warn_within: Percent | None = Field(
        default=None, description="Relative band around a threshold that warns instead"
    )
    preset: Literal["mobile", "desktop"] = Field(default="mobile", description="Form factor")
    throttling: Literal["simulate", "devtools", "provided"] | None = Field(
        default=None, description="Throttling method (Lighthouse default: simulate)"
    )
    cpu_slowdown: Literal["auto"] | float | None = Field(
        default=None,
        description="CPU slowdown of the emulated device (Lighthouse's default: 4 on mobile, 1 on "
        "desktop); auto: calibrated from this host's benchmarkIndex by Lighthouse's published "
        "calculator, measured in one calibration run first (mobile only)",
    )
    lighthouse: str | None = Field(
        default=None,
        description="Lighthouse CLI: a path (relative to the project) or a command name on PATH; "
        "default: the project's node_modules/.bin/lighthouse, else `lighthouse` on PATH",
    )
    run_timeout: Duration = Field(default=120.0, description="Deadline of one Lighthouse run")
    protection_bypass: str | None = Field(
        default=None,
        description="Vercel Deployment Protection bypass secret: its cookie, for the audited host",
    )

    @field_validator("min_delta")
    @classmethod
    def _noise_floors(cls, value: dict[str, float]) -> dict[str, float]:
        for key, item in value.items():
            if key in lhr.CATEGORIES or key == "pwa":
                raise ValueError(
                    f"min_delta: {key} is a category score; max_increase compares timings only"
                )
            if not math.isfinite(item) or item < 0:
                raise ValueError(f"min_delta: {key}: {item!r} is not a size of change (>= 0)")
        return value

    def noise_floor(self, key: str) -> float:
        """The ``min_delta`` of ``key``: the checklist's, else the default (0 for others)."""
        return self.min_delta.get(key, DEFAULT_MIN_DELTA.get(key, 0.0))

    @field_validator("budgets", mode="before")
    @classmethod
    def _budget_values(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        result: dict[str, float] = {}
        problems: list[str] = []
        for key, item in value.items():
            try:
                result[str(key)] = _budget_number(str(key), item)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return result

    @model_validator(mode="after")
    def _source(self) -> LighthouseOptions:
        if (self.results is None) == (self.server is None):
            raise ValueError("give either server (+ urls) or results")
        if self.server is not None and not self.urls:
            raise ValueError("server needs urls to audit")
        if not self.budgets and self.budget_file is None:
            raise ValueError("give budgets or budget_file: a lighthouse gate needs a limit")
        self._check_cpu_slowdown()
        return self

    def _check_cpu_slowdown(self) -> None:
        """``cpu_slowdown`` is honoured where gates runs throttled Lighthouse, else refused."""
        value = self.cpu_slowdown
        if value is None:
            return
        if self.results is not None:
            raise ValueError("cpu_slowdown: the runs in results are already made; it needs server")
        if self.throttling == "provided":
            raise ValueError("cpu_slowdown: throttling provided means no throttling at all")
        if value == "auto":
            if self.preset == "desktop":
                raise ValueError(
                    "cpu_slowdown: auto calibrates to Lighthouse's mobile device; give a number "
                    "for desktop"
                )
        elif not (math.isfinite(value) and 1 <= value <= 20):
            raise ValueError(f"cpu_slowdown: {value!r} is not a multiplier from 1 to 20")
