"""Options of the ``analysis`` gate (what ``gates validate`` and ``gates schema`` read)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gates.checks.base import Duration, OptionsBase, Percent

MAX_RPS = 50.0
"""Ceiling of ``max_rps``: the probes are light synthetic traffic, never a load test."""


class Probe(BaseModel):
    """A GET request sent every interval to the deployment (and to the baseline)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    get: str = Field(description="Path on base_url (e.g. /api/health)")
    name: str | None = None

    @model_validator(mode="after")
    def _path(self) -> Probe:
        if not self.get.startswith("/") or self.get.startswith("//"):
            raise ValueError(f"probe get {self.get!r} must be a path on base_url, like /health")
        return self

    @property
    def label(self) -> str:
        """Name in measurements and charts."""
        return self.name or self.get


class Query(BaseModel):
    """A Prometheus query evaluated every interval; one series, bounded by min and/or max."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str
    query: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Query:
        if self.min is None and self.max is None:
            raise ValueError(f"query {self.name!r} needs min or max (or both)")
        return self


class PrometheusOptions(BaseModel):
    """The Prometheus HTTP API (``/api/v1/query``) as a metric provider."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    url: str
    queries: list[Query] = Field(min_length=1)
    timeout: Duration = 5.0

    @model_validator(mode="after")
    def _http(self) -> PrometheusOptions:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("prometheus url must be http:// or https://")
        return self


class AnalysisOptions(OptionsBase):
    """Options of the ``analysis`` gate."""

    type: Literal["analysis"] = "analysis"
    stage: Literal["pre-deploy", "post-deploy"] = "post-deploy"
    base_url: str | None = Field(default=None, description="The deployment; empty: --url")
    baseline_url: str | None = Field(
        default=None, description="The deployment being replaced, probed side by side"
    )
    duration: Duration = Field(default=300.0, description="Watch window; pass only at its end")
    interval: Duration = Field(default=10.0, description="Time between two rounds of samples")
    probes: list[Probe] = Field(default_factory=list)
    max_error_rate: Percent = Field(default=1.0, description="5xx, timeouts, refused: % of samples")
    max_p95_ms: float | None = Field(default=None, gt=0)
    max_p95_increase: Percent | None = Field(
        default=None, description="p95 increase vs baseline_url that counts as slower"
    )
    noise_floor_ms: float = Field(
        default=25.0, ge=0, description="A p95 increase below this many ms is never 'slower'"
    )
    significance: float = Field(
        default=0.05, gt=0, lt=0.5, description="Mann-Whitney U p-value that decides 'slower'"
    )
    prometheus: PrometheusOptions | None = None
    fail_fast: bool = Field(default=True, description="Stop as soon as a breach is certain")
    max_rps: float = Field(default=5.0, gt=0, le=MAX_RPS, description="Requests per second, cap")
    max_requests: int = Field(default=2000, ge=1, description="Requests in the whole window, cap")
    request_timeout: Duration = Field(default=5.0, description="Deadline of one probe request")
    protection_bypass: str | None = Field(
        default=None,
        description="Vercel Deployment Protection bypass secret, sent only to the deployments",
    )

    @property
    def rounds(self) -> int:
        """Rounds of samples: at the start, every interval, and the last at the window's end."""
        return math.floor(self.duration / self.interval + 1e-9) + 1

    @property
    def requests_per_round(self) -> int:
        """Probe requests in one round (deployment plus baseline)."""
        return len(self.probes) * (2 if self.baseline_url else 1)

    @model_validator(mode="after")
    def _consistent(self) -> AnalysisOptions:
        if not self.probes and self.prometheus is None:
            raise ValueError("nothing to watch: give probes and/or prometheus queries")
        if self.interval <= 0 or self.interval > self.duration:
            raise ValueError("interval must be positive and at most the duration")
        if self.max_p95_increase is not None and not self.baseline_url:
            raise ValueError("max_p95_increase compares with baseline_url: set it")
        if (self.max_p95_ms or self.max_p95_increase is not None) and not self.probes:
            raise ValueError("latency limits need probes")
        total = self.rounds * self.requests_per_round
        if total > self.max_requests:
            raise ValueError(
                f"the window would send {total} probe requests, above max_requests "
                f"{self.max_requests}: lengthen the interval or raise max_requests"
            )
        if self.requests_per_round / self.interval > self.max_rps:
            raise ValueError(
                f"{self.requests_per_round} requests every {self.interval:g}s is above max_rps "
                f"{self.max_rps:g}: lengthen the interval"
            )
        return self
