"""Lighthouse result (LHR) JSON → :class:`LighthouseRun`.

Producers tested: Lighthouse 12.2.3 CLI (run in tests against ``examples/shop-web``), and the
corpus ``tests/corpus/lighthouse/lhr-*.json``: 6.0.0 and 6.4.1 via LHCI (``finalUrl`` only, a
``pwa`` category), 12.1.0 via LHCI (``finalDisplayedUrl``), and 13.0.3 CLI output saved with its
stderr: ``LH:ChromeLauncher`` log lines before the ``{`` and after the ``}``. Those log lines
are skipped and noted; any other text around the object, or a JSON value that is not an LHR
(no ``lighthouseVersion`` / ``audits``), is an InputError.

Impossible values are an InputError: a category score outside 0..1 (37, 12.5), a non-finite
``numericValue``, a negative metric (LCP, TBT, CLS...).

A run Lighthouse marks as failed (``runtimeError``, e.g. ``NO_FCP``, ``ERRORED_DOCUMENT_REQUEST``)
keeps its code and message in :attr:`LighthouseRun.runtime_error`: the gate turns it into
``error``, never into a zero score.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import read_text

METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
    "interactive",
)
"""The metric audits a budget usually names (``numericValue`` in ms; CLS is unitless)."""
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
_LOG_LINE = re.compile(r"^\s*(\d{4}-\d\d-\d\dT[\d:.]+Z\s+)?LH:\S+|^\s*$")


@dataclass(frozen=True)
class LighthouseRun:
    """One Lighthouse run: what gates judges, read from the LHR."""

    source: str
    lighthouse_version: str
    requested_url: str
    final_url: str
    fetch_time: str = ""
    form_factor: str = ""
    throttling_method: str = ""
    runtime_error: str | None = None
    """``CODE: message`` when Lighthouse marks the whole run as failed."""
    numeric: dict[str, float] = field(default_factory=dict)
    """``numericValue`` of every audit that has one (ms for timings, unitless for CLS)."""
    audit_errors: dict[str, str] = field(default_factory=dict)
    """Audits with ``scoreDisplayMode: error``, and their ``errorMessage``."""
    categories: dict[str, float | None] = field(default_factory=dict)
    """Category scores 0..1; ``None`` when Lighthouse could not score the category."""
    resources: dict[str, tuple[int, int]] = field(default_factory=dict)
    """``resource-summary``: resourceType → (requestCount, transferSize bytes)."""
    screenshot: str | None = None
    """``final-screenshot`` as a data URI."""
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    benchmark_index: float | None = None
    """``environment.benchmarkIndex``: the host's CPU speed, as Lighthouse measured it."""
    cpu_slowdown: float | None = None
    """``configSettings.throttling.cpuSlowdownMultiplier`` the run was made with."""

    def value(self, audit_id: str) -> float | None:
        """A category score or an audit's numericValue; ``None`` when absent or errored."""
        if audit_id in self.categories:
            return self.categories[audit_id]
        return self.numeric.get(audit_id)


def load(path: Path) -> LighthouseRun:
    """Read one LHR file."""
    return parse(read_text(path), str(path))


def parse(text: str, name: str) -> LighthouseRun:
    """Parse LHR text, tolerating Lighthouse's own log lines around the JSON object."""
    data, notes = _extract_object(text, name)
    if not isinstance(data, dict) or not isinstance(data.get("lighthouseVersion"), str):
        raise InputError(f"{name}: not a Lighthouse result (no lighthouseVersion)")
    audits = data.get("audits")
    categories = data.get("categories", {})
    if not isinstance(audits, dict) or not isinstance(categories, dict):
        raise InputError(f"{name}: Lighthouse result without an 'audits' object")
    settings = data.get("configSettings") if isinstance(data.get("configSettings"), dict) else {}
    assert isinstance(settings, dict)
    final = data.get("finalDisplayedUrl") or data.get("finalUrl") or data.get("requestedUrl")
    return LighthouseRun(
        source=name,
        lighthouse_version=data["lighthouseVersion"],
        requested_url=str(data.get("requestedUrl") or final or ""),
        final_url=str(final or ""),
        fetch_time=str(data.get("fetchTime", "")),
        form_factor=str(settings.get("formFactor") or settings.get("emulatedFormFactor") or ""),
        throttling_method=str(settings.get("throttlingMethod", "")),
        runtime_error=_runtime_error(data.get("runtimeError")),
        numeric=_numeric(name, audits),
        audit_errors=_audit_errors(audits),
        categories=_categories(name, categories),
        resources=_resources(name, audits.get("resource-summary")),
        screenshot=_screenshot(audits.get("final-screenshot")),
        warnings=tuple(str(w) for w in data.get("runWarnings", []) if isinstance(w, str)),
        notes=tuple(notes),
        benchmark_index=_positive(data.get("environment"), "benchmarkIndex"),
        cpu_slowdown=_positive(settings.get("throttling"), "cpuSlowdownMultiplier"),
    )


def _positive(section: object, key: str) -> float | None:
    """A finite positive number at ``section[key]``, else ``None`` (informational fields only)."""
    value = section.get(key) if isinstance(section, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _extract_object(text: str, name: str) -> tuple[Any, list[str]]:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("{")), None)
    if start is None:
        raise InputError(f"{name}: no JSON object found (an LHR starts with '{{' on its own line)")
    lead = lines[:start]
    if any(not _LOG_LINE.match(line) for line in lead):
        raise InputError(f"{name}: text before the JSON object is not Lighthouse log output")
    body = "".join(lines[start:])
    try:
        data, end = json.JSONDecoder().raw_decode(body)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not valid JSON (line {exc.lineno + start}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InputError(f"{name}: not usable JSON ({exc})") from None
    trail = body[end:].splitlines()
    if any(not _LOG_LINE.match(line) for line in trail):
        raise InputError(f"{name}: unexpected text after the JSON object")
    notes = []
    skipped = len([x for x in lead if x.strip()]) + len([x for x in trail if x.strip()])
    if skipped:
        notes.append(f"skipped {skipped} Lighthouse log lines around the JSON")
    return data, notes


def _runtime_error(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    code = str(value.get("code") or "UNKNOWN")
    return f"{code}: {value.get('message', '')}".rstrip(": ")


def _numeric(name: str, audits: dict[str, Any]) -> dict[str, float]:
    """Every audit's ``numericValue``; a non-finite one, or a negative metric (a time or a
    layout shift below 0), is impossible evidence: ``InputError``, never compared as is."""
    out = {}
    for audit_id, audit in audits.items():
        if not isinstance(audit, dict) or audit.get("scoreDisplayMode") == "error":
            continue
        value = audit.get("numericValue")
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = _float(value)
            if not math.isfinite(number) or (audit_id in METRICS and number < 0):
                raise InputError(
                    f"{name}: audit {audit_id!r} has numericValue {value!r}, which is "
                    "impossible; the result is malformed"
                )
            out[audit_id] = number
    return out


def _audit_errors(audits: dict[str, Any]) -> dict[str, str]:
    return {
        audit_id: str(audit.get("errorMessage", "error"))
        for audit_id, audit in audits.items()
        if isinstance(audit, dict) and audit.get("scoreDisplayMode") == "error"
    }


def _float(value: float) -> float:
    """``float(value)``; an integer too large for a float is infinite (and so refused)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _categories(name: str, categories: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for category_id, category in categories.items():
        if not isinstance(category, dict):
            raise InputError(f"{name}: category '{category_id}' is not an object")
        score = category.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool):
            out[category_id] = None
            continue
        value = _float(score)
        if not 0.0 <= value <= 1.0:  # NaN fails this test too
            raise InputError(
                f"{name}: category {category_id!r} has score {score!r}; Lighthouse scores are "
                "0..1, so the result is malformed"
            )
        out[category_id] = value
    return out


def _resources(name: str, audit: Any) -> dict[str, tuple[int, int]]:
    items = audit.get("details", {}).get("items", []) if isinstance(audit, dict) else []
    out = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("resourceType"), str):
            out[item["resourceType"]] = (
                _size(name, item.get("requestCount")),
                _size(name, item.get("transferSize")),
            )
    return out


def _size(name: str, value: Any) -> int:
    """A request count or byte size of ``resource-summary``: a finite number >= 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{name}: resource-summary holds {str(value)[:40]!r}, not a number")
    number = _float(value)
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{name}: resource-summary holds the impossible size {value!r}")
    return int(number)


def _screenshot(audit: Any) -> str | None:
    details = audit.get("details") if isinstance(audit, dict) else None
    data = details.get("data") if isinstance(details, dict) else None
    return data if isinstance(data, str) and data.startswith("data:image/") else None


def load_results(paths: list[Path]) -> list[LighthouseRun]:
    """LHRs from files and folders (a folder gives its ``lhr-*.json``, like ``.lighthouseci/``)."""
    runs = []
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob("lhr-*.json"))
            if not files:
                raise InputError(f"{path}: no lhr-*.json files in this folder")
            runs += [load(f) for f in files]
        else:
            runs.append(load(path))
    if not runs:
        raise InputError("no Lighthouse results to judge")
    return runs
