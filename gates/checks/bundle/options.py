"""Checklist options of the ``bundle`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gates.checks.base import (
    OptionsBase,
    Percent,
    Size,
    StrList,
)
from gates.checks.bundle.sizes import (
    METRICS,
)

if TYPE_CHECKING:  # imported when the gate runs, not by `gates validate`
    pass


Metric = Literal["raw", "gzip", "brotli"]


FileType = Literal["js", "css", "html", "image", "font", "json", "other"]


class BundleBudget(BaseModel):
    """One budget: a selector (files, type, entry, or none for every file) and size limits."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(description="Shown in the report; also the baseline key for max_growth")
    files: StrList | None = Field(default=None, description="Globs relative to dir (`**/*.js`)")
    type: FileType | None = Field(default=None, description="All files of one type")
    entry: str | None = Field(
        default=None,
        description="Manifest key or SvelteKit route file; counts its static import closure",
    )
    raw: Size | None = Field(default=None, description="Limit on uncompressed bytes")
    gzip: Size | None = Field(default=None, description="Limit on gzip -9 bytes")
    brotli: Size | None = Field(default=None, description="Limit on brotli -q 11 bytes")
    per_file: bool = Field(
        default=False, description="Limit each matched file (the largest one) instead of the sum"
    )

    @model_validator(mode="after")
    def _one_selector_some_limit(self) -> BundleBudget:
        selectors = [s for s in (self.files, self.type, self.entry) if s is not None]
        if len(selectors) > 1:
            raise ValueError(f"budget '{self.name}': give only one of files, type, entry")
        if self.raw is None and self.gzip is None and self.brotli is None:
            raise ValueError(f"budget '{self.name}': give at least one of raw, gzip, brotli")
        return self

    def limits(self) -> list[tuple[str, int]]:
        """(metric, bytes) pairs this budget sets."""
        return [(m, v) for m in METRICS if (v := getattr(self, m)) is not None]


class BundleOptions(OptionsBase):
    """Options of the ``bundle`` gate."""

    type: Literal["bundle"] = "bundle"
    dir: str = Field(description="Client build output (`.svelte-kit/output/client`, `dist`)")
    manifest: str | None = Field(
        default=None, description="Vite manifest; default <dir>/.vite/manifest.json"
    )
    budgets: list[BundleBudget] = Field(default_factory=list, description="Size budgets")
    max_growth: Percent | None = Field(
        default=None, description="Largest growth allowed vs the baseline report (`5%`)"
    )
    growth_metric: Metric = Field(default="gzip", description="Which size max_growth compares")
    min_delta: Size = Field(
        default=300,
        ge=0,
        description="Noise floor of max_growth: a change of at most this many bytes passes "
        "whatever its percentage (default 300 B; 0 turns it off)",
    )
    largest: int = Field(default=15, ge=1, le=200, description="Rows in the largest-files table")
    sveltekit_nodes: str = Field(
        default=".svelte-kit/generated/client-optimized/nodes",
        description="Where SvelteKit writes route nodes (maps a route file to its manifest key)",
    )

    @model_validator(mode="after")
    def _something_to_judge(self) -> BundleOptions:
        if not self.budgets and self.max_growth is None:
            raise ValueError("give budgets or max_growth: a bundle gate needs a limit to judge")
        return self
