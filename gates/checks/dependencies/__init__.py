"""``dependencies``: known advisories in the project's dependencies, failing closed.

Sources (any number, all judged together)::

    dependencies:
      type: dependencies
      fail_on: high                 # low | medium | high | critical
      unknown_severity: high        # pip-audit and safety give none: treat as this (default high)
      advisories_db: advisories/    # optional OSV folder to look up severities by id/alias
      sources:
        - {tool: npm-audit, file: reports/raw/npm-audit.json}    # npm audit v2, npm 6 or pnpm
        - {tool: npm-audit, run: npm audit --json}
        - {tool: pip-audit, requirements: requirements.txt}      # runs pip-audit --strict -f json
        - {tool: pip-audit, file: reports/raw/pip-audit.json}
        - {tool: safety, file: reports/raw/safety.json}
        - {tool: osv-scanner, run: osv-scanner --format json -L package-lock.json}
        - {tool: osv, lockfile: [package-lock.json, requirements.txt], db: advisories/}  # offline
      allow_unaudited: []           # package-name globs you accept as not audited (default none)

The gate is ``error`` (blocks like ``fail``) when any source could not be read or run, when the
advisory service was unreachable, when a dependency was skipped / could not be audited, or when a
report audited nothing. Each advisory is a finding (rule = advisory id, e.g. ``GHSA-…``) showing the
fixed version when one exists; findings at or above ``fail_on`` block.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.dependencies.options import DependenciesOptions, DependencySource
from gates.errors import InputError, ToolError
from gates.fingerprint import fingerprint
from gates.io import globs
from gates.model import Finding, Location, Severity

if TYPE_CHECKING:
    from gates.parsers import osv
    from gates.parsers.audit_model import Advisory, AuditReport
# audit sources, OSV, lock-file parsers and version maths are imported where they run:
# `gates validate` and other gate types never pay for them


RULES = (
    Rule(
        "dependency-advisory",
        Severity.HIGH,
        "A dependency has a known vulnerability",
        "A published advisory (GHSA, PYSEC, CVE…) affects the installed version of this package. "
        "Findings carry the advisory id as their rule; severity comes from the CVSS vector or the "
        "advisory database, `moderate` meaning medium.",
        "Upgrade to the fixed version shown (or a later one); if the vulnerable code is not "
        "reachable, add a waiver with a reason, an owner and an expiry date.",
    ),
    Rule(
        "dependency-unaudited",
        Severity.HIGH,
        "A dependency could not be audited",
        "The audit skipped a dependency (pip-audit skip_reason, an unpinned requirement, a git "
        "source) or the advisory service was unreachable. The gate errors rather than pass "
        "without evidence.",
        "Pin the dependency (==), run pip-audit with --strict against a reachable index, or list "
        "the package under `allow_unaudited` with a reason in the checklist.",
    ),
)


def _load(source: DependencySource, ctx: GateContext, index: int) -> AuditReport:
    from gates.checks.dependencies import sources as audit_sources

    if source.tool == "osv":
        assert source.lockfile is not None and source.db is not None
        lockfiles = [ctx.path(p) for p in source.lockfile]
        return audit_sources.osv_offline(lockfiles, ctx.path(source.db), ctx)
    if source.file:
        path = ctx.path(source.file)
        report = audit_sources.read_report(source.tool, path, source.file)
        ctx.record(path)
        return report
    argv: str | list[str]
    if source.requirements:
        ctx.path(source.requirements)
        argv = audit_sources.pip_audit_argv(source.requirements)
    else:
        assert source.run is not None
        argv = source.run
    return audit_sources.run_report(source.tool, argv, source.shell, ctx, index)


def _severity(
    adv: Advisory, db: osv.OsvDatabase | None, assumed: Severity
) -> tuple[Severity, str, bool]:
    if adv.severity is not None:
        return adv.severity, adv.severity_source, False
    if db is not None:
        from gates.parsers import osv

        for key in (adv.id, *adv.aliases):
            record = db.by_id.get(key)
            if record is not None:
                found = osv.to_advisory(record, adv.package, adv.ecosystem, adv.version, ())
                if found.severity is not None:
                    return found.severity, f"{found.severity_source} (from {record.id})", False
    return assumed, f"{adv.severity_source}; assumed {assumed.value} (unknown_severity)", True


def _finding(
    adv: Advisory,
    source: str,
    path: str | None,
    fail_on: Severity,
    db: osv.OsvDatabase | None,
    assumed: Severity,
) -> Finding:
    from gates.versions import normalise_name

    severity, how, was_assumed = _severity(adv, db, assumed)
    version = (
        f" {adv.version}"
        if adv.version
        else (f" ({adv.vulnerable_range})" if adv.vulnerable_range else "")
    )
    fix = f"fixed in {', '.join(adv.fixed)}" if adv.fixed else "no fixed version known"
    return Finding(
        rule=adv.id,
        severity=severity,
        message=f"{adv.package}{version}: {adv.id} {adv.title[:120]} — {fix}".strip(),
        location=Location(adv.manifest or path or "") if (adv.manifest or path) else None,
        # The installed version (or the range, lacking one) is part of the identity: one
        # advisory in two versions of a package is two findings to fix or waive, two SARIF results.
        fingerprint=fingerprint(
            adv.id,
            f"{adv.ecosystem}:{normalise_name(adv.ecosystem, adv.package)}",
            "",
            adv.version or adv.vulnerable_range or "",
        ),
        blocks=severity.at_least(fail_on),
        title=adv.title[:200] or adv.id,
        help_uri=adv.url,
        ids=tuple(a for a in dict.fromkeys(adv.aliases) if a != adv.id),
        data={
            "package": adv.package,
            "ecosystem": adv.ecosystem,
            "version": adv.version,
            "aliases": list(adv.aliases),
            "fixed": list(adv.fixed),
            "severity_source": how,
            "severity_assumed": was_assumed,
            "cvss": adv.cvss_score,
            "cwe": list(adv.cwe),
            "range": adv.vulnerable_range,
            "source": source,
        },
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per advisory and package version, whichever sources reported it.

    Copies match when their ids/aliases overlap. The most severe copy is kept (the first on a
    tie), in the place of the first one seen, with the union of every copy's ids, aliases and
    fixed versions: a source without a severity never hides another's higher one.
    """
    from gates.versions import normalise_name

    groups: dict[tuple[str, str], list[tuple[set[str], int]]] = {}
    kept: list[Finding] = []
    for item in findings:
        eco = item.data["ecosystem"]
        key = (eco, f"{normalise_name(eco, item.data['package'])} {item.data['version']}")
        ids = {item.rule, *item.data["aliases"]}
        same = next((g for g in groups.setdefault(key, []) if g[0] & ids), None)
        if same is None:
            groups[key].append((ids, len(kept)))
            kept.append(item)
            continue
        known, index = same
        known.update(ids)
        first = kept[index]
        best = item if item.severity.rank > first.severity.rank else first
        kept[index] = _merged(best, known, [*first.data["fixed"], *item.data["fixed"]])
    return kept


def _merged(best: Finding, ids: set[str], fixed: list[str]) -> Finding:
    """``best`` with every copy's ids as aliases and every fixed version (message included)."""
    fixes = list(dict.fromkeys(fixed))
    message = best.message
    if fixes != best.data["fixed"]:
        message = f"{message.rsplit(' — ', 1)[0]} — fixed in {', '.join(fixes)}"
    aliases = list(dict.fromkeys([*best.data["aliases"], *sorted(ids - {best.rule})]))
    return replace(
        best,
        message=message,
        ids=tuple(aliases),
        data={**best.data, "aliases": aliases, "fixed": fixes},
    )


def _fewer_than_lock(source: DependencySource, report: AuditReport, ctx: GateContext) -> str | None:
    """The problem when the audit covered fewer packages than its lock file lists.

    npm audit on workspaces reports 0 vulnerabilities for packages it never audited
    (npm/cli#6021); its ``metadata.dependencies.total`` then falls short of the lock. The lock is
    ``lockfile:`` of the source, or for ``npm-audit`` the project's ``package-lock.json``.
    """
    from gates.parsers import lockfiles

    if source.tool == "osv" or report.audited is None:
        return None
    names = list(source.lockfile or ())
    if not names and source.tool == "npm-audit" and (ctx.root / "package-lock.json").is_file():
        names = ["package-lock.json"]
    listed = 0
    for name in names:
        lock = lockfiles.load(ctx.path(name), ctx.root)
        ctx.record(ctx.path(name))
        listed += len(lock.packages)
    if listed <= report.audited:
        return None
    return (
        f"{source.label}: the audit covered {report.audited} packages but "
        f"{', '.join(names)} lists {listed}: {listed - report.audited} were never audited "
        "(npm audit on workspaces, npm/cli#6021)"
    )


def evaluate(options: DependenciesOptions, ctx: GateContext) -> GateOutcome:
    """Read every source, turn advisories into findings, and fail closed on any gap."""
    from gates.parsers import osv

    fail_on, assumed = Severity(options.fail_on), Severity(options.unknown_severity)
    db = osv.load_db(ctx.path(options.advisories_db)) if options.advisories_db else None
    problems: list[str] = []
    unaudited: list[str] = []
    findings: list[Finding] = []
    table: list[dict[str, Any]] = []
    for index, source in enumerate(options.sources):
        try:
            report = _load(source, ctx, index)
        except (InputError, ToolError) as exc:
            problems.append(f"{source.label}: {exc}")
            table.append({"source": source.label, "error": str(exc)})
            continue
        skipped = [
            u
            for u in report.unaudited
            if not globs.any_match(options.allow_unaudited, u.split(" ", 1)[0])
        ]
        unaudited.extend(f"{source.tool}: {u}" for u in skipped)
        if report.audited == 0:
            problems.append(f"{source.label}: the report audited no packages")
        else:
            try:
                short = _fewer_than_lock(source, report, ctx)
            except InputError as exc:
                short = f"{source.label}: {exc}"
            if short is not None:
                problems.append(short)
        path = source.file or (source.lockfile[0] if source.lockfile else source.requirements)
        findings.extend(
            _finding(a, source.tool, path, fail_on, db, assumed) for a in report.advisories
        )
        table.append(
            {
                "source": source.label,
                "format": report.format,
                "audited": report.audited,
                "advisories": len(report.advisories),
                "unaudited": len(skipped),
                "notes": list(report.notes),
            }
        )
    findings = _dedupe(findings)
    blocking = sum(f.blocks for f in findings)
    details = {
        "sources": table,
        "unaudited": unaudited[:200],
        "fail_on": fail_on.value,
        "by_severity": {s.value: sum(f.severity == s for f in findings) for s in Severity},
    }
    if unaudited:
        problems.append(
            f"{len(unaudited)} dependencies not audited: "
            + "; ".join(unaudited[:5])
            + (" …" if len(unaudited) > 5 else "")
        )
    if problems:
        return GateOutcome.failed_closed(
            "; ".join(problems)[:1500], findings=findings, details=details
        )
    summary = (
        f"{len(findings)} advisories, {blocking} at or above {fail_on.value}"
        if findings
        else f"no known advisories in {len(options.sources)} source(s)"
    )
    # status stays None: the runner decides from unwaived blocking findings.
    return GateOutcome(summary=summary, findings=findings, details=details)


CHECK = Check(
    type="dependencies",
    options=DependenciesOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Known advisories in npm/PyPI dependencies; anything not audited is an error",
    security=True,
)

__all__ = ["CHECK", "DependenciesOptions", "evaluate"]
