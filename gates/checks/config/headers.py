"""The ``headers_from`` part of ``config``: headers configured in files, graded like live ones.

``vercel.json`` (``headers``/legacy ``routes``), ``svelte.config.js`` (``kit.csp``, read as text)
and ``_headers`` (Netlify / Cloudflare Pages) are merged into the header set a request to
``headers_path`` would get over https, then graded with :mod:`gates.web.grade`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gates.errors import InputError
from gates.measure import compare
from gates.model import Severity
from gates.parsers import headers_file, svelte_config, vercel_json
from gates.web import csp
from gates.web.findings import grade_findings, missing_required, score_measurement, table
from gates.web.grade import HeaderInput, analyze

if TYPE_CHECKING:
    from gates.checks.base import GateContext, GateOutcome
    from gates.checks.config.options import ConfigOptions


def _headers_of(ctx: GateContext, relative: str, path: str) -> dict[str, list[str]]:
    file = ctx.path(relative)
    name = file.name
    if name.startswith("svelte.config."):
        policy = svelte_config.load(file)
        ctx.record(file)
        return (
            {"content-security-policy": [policy.to_header()]}
            if policy and policy.directives
            else {}
        )
    if name == "_headers":
        parsed = headers_file.load(file)
        ctx.record(file)
        return _static(parsed.headers_for(path))
    if name.endswith(".json"):
        config = vercel_json.load(file)
        ctx.record(file)
        return _static(config.headers_for(path))
    raise InputError(f"{relative}: headers_from reads vercel.json, svelte.config.js or _headers")


def _static(headers: dict[str, list[str]]) -> dict[str, list[str]]:
    """Headers of a static file: Vercel and Netlify send them verbatim (no ``{{nonce}}`` is
    filled in), so a nonce there is a constant and does not count as one."""
    return {
        key: [csp.without_nonces(v) for v in values] if "content-security-policy" in key else values
        for key, values in headers.items()
    }


def header_findings(
    options: ConfigOptions, ctx: GateContext, out: GateOutcome, fail_on: Severity
) -> None:
    """Grade the configured headers; add findings, the score and a details table to ``out``."""
    del fail_on  # header findings block by `require` and critical penalties (security_findings)
    merged: dict[str, list[str]] = {}
    for relative in options.headers_from:
        for key, values in _headers_of(ctx, relative, options.headers_path).items():
            merged.setdefault(key, []).extend(values)
    grade = analyze(
        HeaderInput(url=f"https://configured.invalid{options.headers_path}", headers=merged)
    )
    label = " + ".join(options.headers_from)
    out.findings.extend(
        grade_findings(
            grade,
            options.headers_from[0],
            options.require,
            label=f"{label} ({options.headers_path})",
        )
    )
    out.measurements.append(score_measurement(grade, options.min_score, "header score"))
    missing = missing_required(grade, options.require)
    if options.require:
        out.measurements.append(compare("required header tests failing", len(missing), "<=", 0))
    out.details["headers"] = {
        "files": list(options.headers_from),
        "path": options.headers_path,
        "score": grade.score,
        "grade": grade.grade,
        "tests": table(grade),
    }
