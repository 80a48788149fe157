"""Checklist options of the ``smoke`` gate type: models only, no gate code."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gates.checks.base import Duration, OptionsBase, StrList


class JsonExpect(BaseModel):
    """A JSON body assertion: the value at ``path`` (``$.a.b[0]``) equals ``equals``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    path: str = Field(description="JSON path such as $.status or $.items[0].id")
    equals: Any = Field(default=None, description="Expected value (omit: the path must exist)")


class HttpCheck(BaseModel):
    """One HTTP request and what its response must be."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    get: str | None = Field(default=None, description="Path or URL to GET")
    post: str | None = Field(default=None, description="Path or URL to POST")
    body: str | None = Field(default=None, description="Request body for post")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra request headers")
    status: int | list[int] = Field(default=200, description="Expected status code(s)")
    max_ms: float | None = Field(default=None, description="Latency budget in milliseconds")
    contains: str | None = Field(
        default=None, min_length=1, description="Text the body must contain"
    )
    json_: JsonExpect | None = Field(default=None, alias="json", description="JSON assertion")
    retries: int = Field(default=0, ge=0, le=20, description="Extra attempts while warming up")
    backoff: Duration = Field(default=1.0, description="First wait between attempts, doubled")

    @model_validator(mode="after")
    def _one_method(self) -> HttpCheck:
        if (self.get is None) == (self.post is None):
            raise ValueError("give exactly one of get: or post:")
        return self

    @property
    def method(self) -> str:
        """GET or POST."""
        return "GET" if self.get is not None else "POST"

    @property
    def target(self) -> str:
        """The path or URL requested."""
        return self.get if self.get is not None else str(self.post)


class VersionCheck(BaseModel):
    """Where the live deployment says which commit it serves."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    get: str = Field(default="/", description="Path to request")
    header: str | None = Field(default=None, description="Response header holding the commit")
    json_: str | None = Field(default=None, alias="json", description="JSON path of the commit")
    equals: str | None = Field(default=None, description="Expected commit; default: the run's")
    retries: int = Field(default=3, ge=0, le=20)
    backoff: Duration = Field(default=1.0)


class Journey(BaseModel):
    """A named list of browser steps."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    name: str
    steps: list[dict[str, Any]] = Field(min_length=1)

    @model_validator(mode="after")
    def _steps_known(self) -> Journey:
        from gates.checks.smoke.browser import STEP_KINDS

        for index, step in enumerate(self.steps, start=1):
            if len(step) != 1 or next(iter(step)) not in STEP_KINDS:
                raise ValueError(f"step {index}: one of {', '.join(STEP_KINDS)} expected")
            kind, arg = next(iter(step.items()))
            need = {
                "fill": ("selector", "value"),
                "press": ("selector", "key"),
                "expect_text": ("selector", "text"),
            }.get(kind)
            if need and not (isinstance(arg, dict) and all(k in arg for k in need)):
                raise ValueError(f"step {index}: {kind} needs {{{', '.join(need)}}}")
        return self


class SmokeOptions(OptionsBase):
    """Options of the ``smoke`` gate."""

    type: Literal["smoke"] = "smoke"
    stage: Literal["pre-deploy", "post-deploy"] = "post-deploy"
    base_url: str | None = Field(default=None, description="Deployment URL; empty: --url")
    checks: list[HttpCheck] = Field(default_factory=list, description="HTTP checks")
    version: VersionCheck | None = Field(default=None, description="Live commit check")
    journeys: list[Journey] = Field(default_factory=list, description="Browser journeys")
    ignore_console: StrList = Field(default_factory=list, description="Console errors to ignore")
    executable_path: str | None = Field(
        default=None,
        description="Chromium binary (default: $CHROME_PATH, else /usr/bin/chromium)",
    )
    browser_args: StrList = Field(default_factory=list, description="Extra Chromium flags")
    request_timeout: Duration = Field(default=15.0, description="Deadline per HTTP request")
    step_timeout: Duration = Field(default=15.0, description="Deadline per journey step")
    protection_bypass: str | None = Field(
        default=None,
        description="Vercel Deployment Protection bypass secret, sent only to base_url's origin",
    )
