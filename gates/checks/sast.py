"""``sast``: static analysis findings from bandit (run or JSON) and any SARIF 2.1.0 log.

Example::

    sast:
      type: sast
      fail_on: high                # low | medium | high | critical (default high)
      min_confidence: medium       # optional: drop findings bandit/SARIF rate below this
      allow_parse_errors: false    # files bandit/a SARIF tool could not analyse: gate `error`
      sources:
        - {tool: bandit, paths: [src, scripts]}     # runs: bandit -r -f json -q src scripts
        - {tool: bandit, file: reports/raw/bandit.json}
        - {tool: sarif, file: reports/raw/eslint.sarif}

Every finding has the tool's rule id (``B602``, ``py/sql-injection``…), a severity (bandit's own;
SARIF ``security-severity`` by GitHub's CVSS bands, else ``level``: error→high, warning→medium,
note→low), confidence, ``file:line``, CWE where given, and a fingerprint made of rule, path and the
flagged code with whitespace collapsed (or the SARIF ``partialFingerprints``): moving code up or
down keeps it. bandit exits 1 when it finds issues; exit > 1 or no JSON on stdout is an ``error``.
Files a tool could not analyse (bandit's ``errors``; a SARIF run's error-level
``toolExecutionNotifications``, which ESLint writes for a file it could not parse) make the gate
``error`` unless ``allow_parse_errors: true`` turns them into non-blocking ``sast-parse-error``
findings.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gates.checks.base import (
    Check,
    GateContext,
    GateOutcome,
    OptionsBase,
    Rule,
    SeverityName,
    StrList,
    tool_version,
)
from gates.errors import InputError, ToolError
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, Severity
from gates.redact import log_redactor

if TYPE_CHECKING:
    from gates.parsers import bandit, sarif
# the parsers are imported where they run: `gates validate` and other gate types never pay for them

BANDIT_TESTS = {
    "B101": "assert_used",
    "B102": "exec_used",
    "B103": "set_bad_file_permissions",
    "B104": "hardcoded_bind_all_interfaces",
    "B105": "hardcoded_password_string",
    "B106": "hardcoded_password_funcarg",
    "B107": "hardcoded_password_default",
    "B108": "hardcoded_tmp_directory",
    "B110": "try_except_pass",
    "B112": "try_except_continue",
    "B113": "request_without_timeout",
    "B201": "flask_debug_true",
    "B202": "tarfile_unsafe_members",
    "B301": "pickle",
    "B302": "marshal",
    "B303": "md5",
    "B304": "ciphers",
    "B305": "cipher_modes",
    "B306": "mktemp_q",
    "B307": "eval",
    "B308": "mark_safe",
    "B310": "urllib_urlopen",
    "B311": "random",
    "B312": "telnetlib",
    "B313": "xml_bad_cElementTree",
    "B314": "xml_bad_ElementTree",
    "B315": "xml_bad_expatreader",
    "B316": "xml_bad_expatbuilder",
    "B317": "xml_bad_sax",
    "B318": "xml_bad_minidom",
    "B319": "xml_bad_pulldom",
    "B321": "ftplib",
    "B323": "unverified_context",
    "B324": "hashlib_insecure_functions",
    "B401": "import_telnetlib",
    "B402": "import_ftplib",
    "B403": "import_pickle",
    "B404": "import_subprocess",
    "B405": "import_xml_etree",
    "B406": "import_xml_sax",
    "B407": "import_xml_expat",
    "B408": "import_xml_minidom",
    "B409": "import_xml_pulldom",
    "B411": "import_xmlrpclib",
    "B412": "import_httpoxy",
    "B413": "import_pycrypto",
    "B415": "import_pyghmi",
    "B501": "request_with_no_cert_validation",
    "B502": "ssl_with_bad_version",
    "B503": "ssl_with_bad_defaults",
    "B504": "ssl_with_no_version",
    "B505": "weak_cryptographic_key",
    "B506": "yaml_load",
    "B507": "ssh_no_host_key_verification",
    "B508": "snmp_insecure_version",
    "B509": "snmp_weak_cryptography",
    "B601": "paramiko_calls",
    "B602": "subprocess_popen_with_shell_equals_true",
    "B603": "subprocess_without_shell_equals_true",
    "B604": "any_other_function_with_shell_equals_true",
    "B605": "start_process_with_a_shell",
    "B606": "start_process_with_no_shell",
    "B607": "start_process_with_partial_path",
    "B608": "hardcoded_sql_expressions",
    "B609": "linux_commands_wildcard_injection",
    "B610": "django_extra_used",
    "B611": "django_rawsql_used",
    "B612": "logging_config_insecure_listen",
    "B613": "trojansource",
    "B614": "pytorch_load",
    "B615": "huggingface_unsafe_download",
    "B701": "jinja2_autoescape_false",
    "B702": "use_of_mako_templates",
    "B703": "django_mark_safe",
    "B704": "markupsafe_markup_xss",
}
"""bandit 1.9.4's test ids and names (from its plugin manager), for ``gates explain B602``."""


def _bandit_uri(test_id: str, name: str) -> str:
    if test_id.startswith(("B3", "B4")):
        page = "blacklist_calls" if test_id.startswith("B3") else "blacklist_imports"
        anchor = f"{test_id.lower()}-{name.replace('_', '-')}"
        return f"https://bandit.readthedocs.io/en/latest/blacklists/{page}.html#{anchor}"
    return f"https://bandit.readthedocs.io/en/latest/plugins/{test_id.lower()}_{name}.html"


RULES = (
    Rule(
        "sast-parse-error",
        Severity.HIGH,
        "A file could not be analysed",
        "bandit skips files it cannot parse (syntax errors, encodings) and still exits 0; a SARIF "
        "tool reports them as error-level toolExecutionNotifications (ESLint: 'Parsing error', "
        "with executionSuccessful true). Code in them was never scanned, so the gate errors "
        "instead of passing on unscanned code.",
        "Fix the syntax error, exclude the file from `paths`, or set `allow_parse_errors: true`.",
    ),
    *(
        Rule(
            tid,
            Severity.MEDIUM,
            f"bandit {tid}: {name.replace('_', ' ')}",
            f"bandit test {tid} ({name}) flagged this code; severity and confidence are bandit's.",
            "Read the bandit documentation page for the safe alternative; if the code is safe, "
            "mark the line `# nosec " + tid + "` with a reason or waive the finding.",
            _bandit_uri(tid, name),
        )
        for tid, name in BANDIT_TESTS.items()
    ),
)


class SastSource(BaseModel):
    """bandit with ``paths`` (run) or ``file`` (JSON), or a SARIF ``file``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    tool: Literal["bandit", "sarif"] = Field(description="bandit | sarif")
    paths: StrList | None = Field(default=None, description="bandit only: folders/files to scan")
    file: str | None = Field(default=None, description="A saved bandit JSON or SARIF 2.1.0 file")

    @model_validator(mode="after")
    def _one_input(self) -> SastSource:
        if (self.paths is None) == (self.file is None):
            raise ValueError("give exactly one of `paths` (bandit only) or `file`")
        if self.paths is not None and self.tool != "bandit":
            raise ValueError("`paths` runs bandit; SARIF sources need `file`")
        if self.paths is not None and not self.paths:
            raise ValueError("`paths` is empty")
        return self


class SastOptions(OptionsBase):
    """Options of the ``sast`` gate."""

    type: Literal["sast"] = "sast"
    sources: list[SastSource] = Field(min_length=1, description="bandit runs/reports, SARIF files")
    fail_on: SeverityName = Field(default="high", description="Findings at or above this block")
    min_confidence: SeverityName | None = Field(
        default=None, description="Drop findings whose confidence is below this (when rated)"
    )
    allow_parse_errors: bool = Field(
        default=False,
        description="Files bandit/SARIF tools could not analyse become non-blocking findings, "
        "not `error`",
    )


def _bandit_argv(ctx: GateContext) -> list[str]:
    exe = shutil.which("bandit", path=ctx.environ.get("PATH"))
    return [exe] if exe else [sys.executable, "-m", "bandit"]


_BANDIT_VERSION = re.compile(r"\A\S+\s+(\d\S*)")
"""``bandit 1.9.4`` (``__main__.py 1.9.4`` under ``python -m bandit``): the first line."""


def _bandit_version(ctx: GateContext) -> dict[str, str]:
    """``{"bandit": "1.9.4"}`` from ``bandit --version`` (see tool_version)."""
    return tool_version(ctx, [*_bandit_argv(ctx), "--version"], "bandit", _BANDIT_VERSION)


def _run_bandit(paths: list[str], ctx: GateContext) -> bandit.BanditReport:
    from gates.parsers import bandit

    for item in paths:
        ctx.path(item)  # refuses paths outside the project
    run = ctx.run([*_bandit_argv(ctx), "-r", "-f", "json", "-q", *paths])
    if run.returncode not in (0, 1):
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise ToolError(f"bandit {run.describe_exit}: {tail}")
    if not run.stdout.strip():
        raise ToolError(f"bandit printed no JSON ({run.describe_exit})")
    raw = ctx.artifacts_dir / "bandit.json"
    # kept masked (the digest recorded is of the file kept); the gate parses the output itself
    raw.write_text(log_redactor().text(run.stdout), encoding="utf-8")
    ctx.record(raw)
    return bandit.parse(run.stdout, "bandit output")


_SPACE = re.compile(r"\s+")


def _occurrence(counter: Counter[tuple[str, str, str]], rule: str, path: str, stable: str) -> str:
    """How many times this (rule, path, normalised code) was seen so far, as the extra key.

    Counted on the same material :func:`gates.fingerprint.fingerprint` hashes, without hashing it
    a second time (10,000 findings cost 10,000 fewer sha256 calls).
    """
    key = (rule, path.replace("\\", "/"), _SPACE.sub(" ", stable).strip())
    counter[key] += 1
    return str(counter[key])


def _bandit_findings(
    report: bandit.BanditReport, label: str, fail_on: Severity, seen: Counter[tuple[str, str, str]]
) -> list[Finding]:
    out = []
    for issue in report.issues:
        out.append(
            Finding(
                rule=issue.test_id,
                severity=issue.severity,
                message=issue.text[:500],
                location=Location(issue.path, issue.line, issue.column),
                fingerprint=fingerprint(
                    issue.test_id,
                    issue.path,
                    issue.snippet,
                    _occurrence(seen, issue.test_id, issue.path, issue.snippet),
                ),
                blocks=issue.severity.at_least(fail_on),
                title=issue.test_name,
                help_uri=issue.more_info,
                data={
                    "tool": "bandit",
                    "source": label,
                    "confidence": issue.confidence.value,
                    "cwe": [issue.cwe] if issue.cwe else [],
                },
            )
        )
    return out


def _sarif_findings(
    log: sarif.SarifLog, label: str, fail_on: Severity, seen: Counter[tuple[str, str, str]]
) -> list[Finding]:
    out = []
    for res in log.results:
        stable = (
            res.snippet
            or " ".join(f"{k}={v}" for k, v in sorted(res.partial_fingerprints.items()))
            or res.message
        )
        out.append(
            Finding(
                rule=res.rule_id,
                severity=res.severity,
                message=res.message[:500],
                location=Location(res.path, res.line, res.column) if res.path else None,
                fingerprint=fingerprint(
                    res.rule_id,
                    res.path or "",
                    stable,
                    _occurrence(seen, res.rule_id, res.path or "", stable),
                ),
                blocks=res.severity.at_least(fail_on) and not res.suppressed,
                title=res.title,
                help_uri=res.help_uri,
                data={
                    "tool": res.tool,
                    "source": label,
                    "level": res.level,
                    "severity_source": res.severity_source,
                    "confidence": res.confidence.lower(),
                    "cwe": list(res.cwe),
                    "partialFingerprints": res.partial_fingerprints,
                    "suppressed": res.suppressed,
                },
            )
        )
    return out


_CONFIDENCE = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "very-high": Severity.CRITICAL,
}


def _confident(item: Finding, floor: Severity | None) -> bool:
    rated = _CONFIDENCE.get(str(item.data.get("confidence", "")).lower())
    return floor is None or rated is None or rated.at_least(floor)


def evaluate(options: SastOptions, ctx: GateContext) -> GateOutcome:
    """Collect findings from every source; parse errors and unreadable sources fail closed.
    The version of bandit is recorded when this gate runs it (a saved JSON does not say)."""
    runs_bandit = any(s.tool == "bandit" and s.paths is not None for s in options.sources)
    versions = _bandit_version(ctx) if runs_bandit else {}
    outcome = _judge(options, ctx)
    outcome.tool_versions = {**versions, **outcome.tool_versions}
    return outcome


def _judge(options: SastOptions, ctx: GateContext) -> GateOutcome:
    from gates.parsers import bandit, sarif

    fail_on = Severity(options.fail_on)
    floor = Severity(options.min_confidence) if options.min_confidence else None
    findings: list[Finding] = []
    parse_errors: list[str] = []
    seen: Counter[tuple[str, str, str]] = Counter()
    table: list[dict[str, Any]] = []
    for source in options.sources:
        label = f"{source.tool}: {source.file or ' '.join(source.paths or [])}"
        try:
            if source.tool == "bandit":
                if source.paths is not None:
                    report = _run_bandit(list(source.paths), ctx)
                else:
                    path = ctx.path(source.file or "")
                    report = bandit.load(path)
                    ctx.record(path)
                if report.files_scanned == 0 and not report.issues:
                    why = f"{report.errors[0][0]}: {report.errors[0][1]}" if report.errors else ""
                    raise InputError(
                        "bandit scanned no Python file, nothing was analysed"
                        + (f" ({why})" if why else " (no .py file under the paths?)")
                    )
                new = _bandit_findings(report, label, fail_on, seen)
                parse_errors += [f"{name}: {reason}" for name, reason in report.errors]
                findings += [
                    Finding(
                        rule="sast-parse-error",
                        severity=Severity.HIGH,
                        message=f"bandit could not parse {name}: {reason}"[:500],
                        location=Location(name),
                        fingerprint=fingerprint("sast-parse-error", name),
                        blocks=False,
                        title="A file could not be analysed",
                        data={"tool": "bandit", "source": label},
                    )
                    for name, reason in report.errors
                ]
            else:
                path = ctx.path(source.file or "")
                log = sarif.load(path, ctx.root)
                ctx.record(path)
                new = _sarif_findings(log, label, fail_on, seen)
                for note in log.errors:
                    where = note.path or note.tool
                    parse_errors.append(f"{where}: {note.message}")
                    findings.append(
                        Finding(
                            rule="sast-parse-error",
                            severity=Severity.HIGH,
                            message=f"{note.tool} could not analyse {where}: {note.message}"[:500],
                            location=Location(note.path, note.line) if note.path else None,
                            fingerprint=fingerprint("sast-parse-error", where, note.message),
                            blocks=False,
                            title="A file could not be analysed",
                            data={"tool": note.tool, "source": label},
                        )
                    )
        except (InputError, ToolError) as exc:
            return GateOutcome.failed_closed(
                f"{label}: {exc}", findings=findings, details={"sources": table}
            )
        kept = [f for f in new if _confident(f, floor)]
        table.append(
            {"source": label, "findings": len(new), "below_min_confidence": len(new) - len(kept)}
        )
        findings += kept
    blocking = sum(f.blocks for f in findings)
    counts = Counter(f.severity.value for f in findings if f.rule != "sast-parse-error")
    details = {
        "sources": table,
        "fail_on": fail_on.value,
        "by_severity": dict(counts),
        "parse_errors": parse_errors,
    }
    if parse_errors and not options.allow_parse_errors:
        listed = ", ".join(e.split(":", 1)[0] for e in parse_errors[:5])
        return GateOutcome.failed_closed(
            f"{len(parse_errors)} file(s) could not be parsed or analysed, not scanned: {listed}"
            " (fix them or set allow_parse_errors: true)",
            findings=findings,
            details=details,
        )
    summary = (
        f"{len(findings)} findings, {blocking} at or above {fail_on.value}"
        if findings
        else f"no findings in {len(options.sources)} source(s)"
    )
    return GateOutcome(summary=summary, findings=findings, details=details)


CHECK = Check(
    type="sast",
    options=SastOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="bandit and SARIF findings at or above fail_on; unparsed files are errors",
    security=True,
)
