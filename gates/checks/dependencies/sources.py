"""Reading one ``dependencies`` source: a report file, a tool run, or lock files + OSV data.

Each source yields an :class:`~gates.parsers.audit_model.AuditReport` or raises a clean
:class:`InputError` / :class:`ToolError`. Tool runs are judged by their exit codes (osv-scanner
127–130, safety 65–75 are the tools' own errors) and by what they printed: text saying the
advisory service could not be reached fails the source even when the JSON looks clean.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

from gates.checks.base import GateContext
from gates.errors import InputError, ToolError
from gates.parsers import npm_audit, osv, osv_scanner, pip_audit, safety
from gates.parsers.audit_model import Advisory, AuditReport
from gates.parsers.lockfiles import load as load_lockfile
from gates.process import ToolRun
from gates.redact import log_redactor

PARSERS: dict[str, Callable[[str, str], AuditReport]] = {
    "npm-audit": npm_audit.parse,
    "pip-audit": pip_audit.parse,
    "safety": safety.parse,
    "osv-scanner": osv_scanner.parse,
}

UNREACHABLE = re.compile(
    r"ConnectionError|ConnectTimeout|Max retries exceeded|Failed to establish a new connection"
    r"|Name or service not known|Temporary failure in name resolution|getaddrinfo|ECONNREFUSED"
    r"|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|network request to \S+ failed"
    r"|audit endpoint returned an error|Connection refused|Network is unreachable|SSLError"
    r"|certificate verify failed|could not (?:be )?reach|unable to (?:reach|connect)"
    r"|service unavailable|HTTP(?:Error| Error| status)? ?5\d\d",
    re.IGNORECASE,
)

OSV_SCANNER_EXITS = {
    127: "general error",
    128: "no packages or lock files found",
    129: "the OSV API could not be queried",
    130: "invalid configuration",
}
SAFETY_EXITS = {
    65: "invalid API key",
    66: "too many requests",
    67: "cannot load the local database",
    68: "cannot fetch the database",
    69: "malformed database",
    70: "invalid report",
    71: "invalid requirement",
    72: "email not verified",
}


def unreachable_line(text: str) -> str | None:
    """The first line saying an advisory service could not be reached, if any."""
    for line in text.splitlines():
        if UNREACHABLE.search(line):
            return line.strip()[:200]
    return None


def read_report(tool: str, path: Path, shown: str) -> AuditReport:
    """Parse a saved report; unparseable text mentioning a network failure says so."""
    from gates.io.safe import read_text

    text = read_text(path)
    try:
        return PARSERS[tool](text, shown)
    except InputError as exc:
        line = unreachable_line(text)
        if line:
            raise InputError(f"{shown}: the audit service was not reachable: {line}") from None
        raise exc from None


def _check_exit(tool: str, run: ToolRun) -> None:
    code = run.returncode
    if run.signal is not None:
        raise ToolError(f"{tool} was {run.describe_exit}")
    if tool == "osv-scanner" and code not in (0, 1):
        raise ToolError(
            f"osv-scanner exit {code}: {OSV_SCANNER_EXITS.get(code, 'unexpected exit code')}"
        )
    if tool == "safety" and code not in (0, 64):
        raise ToolError(f"safety exit {code}: {SAFETY_EXITS.get(code, 'failure')}")
    if tool == "pip-audit" and code not in (0, 1):
        raise ToolError(f"pip-audit exit {code}")


def run_report(
    tool: str, argv: str | list[str], shell: bool, ctx: GateContext, index: int
) -> AuditReport:
    """Run the tool, keep its stdout as evidence, and parse it strictly."""
    run = ctx.run(argv, shell=shell)
    _check_exit(tool, run)
    raw = ctx.artifacts_dir / f"{tool}-{index}.json"
    # kept masked (the digest recorded is of the file kept); the gate parses the output itself
    raw.write_text(log_redactor().text(run.stdout), encoding="utf-8")
    if run.stdout.strip():
        ctx.record(raw)
    line = unreachable_line(run.stderr) or (
        None if run.stdout.lstrip().startswith(("{", "[")) else unreachable_line(run.stdout)
    )
    if line:
        raise ToolError(f"{tool}: the audit service was not reachable: {line}")
    if not run.stdout.strip():
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise ToolError(f"{tool} printed no report ({run.describe_exit}): {tail}")
    report = PARSERS[tool](run.stdout, f"{tool} output")
    if (
        tool == "pip-audit"
        and run.returncode == 1
        and not report.advisories
        and not report.unaudited
    ):
        raise ToolError("pip-audit exit 1 without vulnerabilities: it failed (see the gate log)")
    return report


def pip_audit_argv(requirements: str) -> list[str]:
    """``pip-audit --strict`` on a requirements file: a skipped dependency fails the run."""
    return ["pip-audit", "--strict", "--progress-spinner", "off", "-f", "json", "-r", requirements]


def osv_offline(lockfiles: list[Path], db_dir: Path, ctx: GateContext) -> AuditReport:
    """Match the packages of ``lockfiles`` against a local OSV folder."""
    db = osv.load_db(db_dir)
    advisories: list[Advisory] = []
    unaudited: list[str] = []
    notes: list[str] = [f"{len(db.records)} OSV records in {ctx_rel(db_dir, ctx)}"]
    audited = 0
    covered = {aff.ecosystem for rec in db.records for aff in rec.affected}
    for path in lockfiles:
        lock = load_lockfile(path, ctx.root)
        ctx.record(path)
        if not lock.packages:
            raise InputError(
                f"{ctx_rel(path, ctx)}: the lock file resolves no package to audit"
                + (
                    f" ({len(lock.unaudited) + len(lock.local)} unresolved/local)"
                    if lock.unaudited or lock.local
                    else ""
                )
            )
        unaudited.extend(lock.unaudited)
        if lock.local:
            notes.append(
                f"{ctx_rel(path, ctx)}: {len(lock.local)} local packages not audited: "
                + ", ".join(lock.local[:10])
            )
        for pkg in lock.packages:
            if pkg.ecosystem not in covered:
                unaudited.append(
                    f"{pkg.name} {pkg.version} (the OSV data has no {pkg.ecosystem} advisories)"
                )
                continue
            try:
                matched = db.match(pkg.ecosystem, pkg.name, pkg.version)
                shown = ctx_rel(path, ctx)
                advisories.extend(dataclasses.replace(a, manifest=shown) for a in matched)
            except InputError as exc:
                unaudited.append(f"{pkg.name} {pkg.version} ({exc})")
                continue
            audited += 1
    return AuditReport(
        tool="osv",
        format="offline OSV",
        advisories=tuple(advisories),
        audited=audited,
        unaudited=tuple(unaudited),
        notes=tuple(notes),
    )


def ctx_rel(path: Path, ctx: GateContext) -> str:
    """``path`` relative to the project root, for messages."""
    try:
        return str(path.resolve().relative_to(ctx.root.resolve()))
    except ValueError:
        return str(path)
