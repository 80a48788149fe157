"""SARIF 2.1.0 input (semgrep ``--sarif``, ESLint, CodeQL, Trivy, bandit ``-f sarif``…).

Tested on ``tests/corpus/sarif/*.sarif``. Per result: ``ruleId`` (or ``rule.id``), ``level``
(default: the rule's ``defaultConfiguration.level``, else ``warning`` as SARIF §3.27.10 says),
``properties.security-severity`` of the result or rule mapped by GitHub's CVSS bands, the first
location (``file://`` and absolute URIs made project-relative), CWE from rule tags/properties,
the region snippet and ``partialFingerprints`` (kept, used for a line-shift-proof fingerprint).
semgrep's native ``--json`` is not SARIF: it is refused with a message saying so.

A run whose invocation says ``executionSuccessful: false`` is refused. Error-level
``toolExecutionNotifications`` of a run that completed (ESLint reports a file it could not parse
this way, with ``executionSuccessful: true``) are kept in :attr:`SarifLog.errors`: the gate
decides (files the tool did not analyse). Notifications of other levels (none is ``warning``,
SARIF §3.58.6) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.model import Severity
from gates.parsers.cvss import severity_for_score

_LEVEL_SEVERITY = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "note": Severity.LOW,
    "none": Severity.INFO,
}
_CWE = re.compile(r"cwe[-_/ :]*0*(\d{1,5})", re.IGNORECASE)
_SKIP_KINDS = ("pass", "notApplicable")


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class SarifResult:
    """One result, with what the gate needs already resolved from its rule."""

    rule_id: str
    tool: str
    level: str
    severity: Severity
    severity_source: str
    message: str
    path: str | None
    line: int | None
    column: int | None
    snippet: str
    cwe: tuple[str, ...]
    partial_fingerprints: dict[str, str] = field(default_factory=dict)
    title: str = ""
    help_uri: str = ""
    suppressed: bool = False
    confidence: str = ""


@dataclass(frozen=True)
class SarifNotification:
    """An error-level tool execution notification: something the tool could not analyse."""

    tool: str
    message: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class SarifLog:
    """All results of all runs, and the number of rules the tools declared."""

    results: tuple[SarifResult, ...]
    tools: tuple[str, ...]
    rule_count: int
    errors: tuple[SarifNotification, ...] = ()
    """Error-level tool execution notifications of runs that completed."""


def load(path: Path, root: Path | None = None) -> SarifLog:
    """Parse a SARIF file; ``root`` makes absolute artifact URIs project-relative."""
    return parse(read_text(path), str(path), root)


def _not_sarif_reason(data: Any) -> str:
    if isinstance(data, dict):
        results = data.get("results")
        if (
            isinstance(results, list)
            and "paths" in data
            and (not results or (isinstance(results[0], dict) and "check_id" in results[0]))
        ):
            return "this is semgrep's native JSON (--json), not SARIF; run semgrep with --sarif"
        if isinstance(results, list) and "metrics" in data and "generated_at" in data:
            return "this is bandit's JSON report, not SARIF; use `tool: bandit, file: …`"
    return "not a SARIF log (no 'runs' list)"


def _severity_from(props: dict[str, Any]) -> tuple[Severity, str] | None:
    raw = props.get("security-severity")
    if raw in (None, ""):
        return None
    try:
        score = float(raw)
    except (TypeError, ValueError):
        return None
    return severity_for_score(score), f"security-severity {score:g}"


def _cwes(*sources: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for props in sources:
        items: list[Any] = []
        for key in ("tags", "cwe", "cwes", "CWE"):
            value = props.get(key)
            items.extend(value if isinstance(value, list) else [value] if value else [])
        for item in items:
            for match in _CWE.finditer(str(item)):
                found[f"CWE-{int(match.group(1))}"] = None
    return tuple(found)


def relative_uri(uri: str, root: Path | None) -> str:
    """A SARIF artifact URI as a project-relative path when it points inside ``root``."""
    text = uri
    if text.startswith("file:"):
        text = unquote(urlparse(text).path)
    text = text.replace("\\", "/")
    if root is not None and text.startswith("/"):
        base = str(root.resolve()).replace("\\", "/").rstrip("/") + "/"
        if text.startswith(base):
            return text[len(base) :]
    return text.removeprefix("./")


def _rules(run: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    tool = _dict(run.get("tool"))
    components = [tool.get("driver") or {}, *(tool.get("extensions") or [])]
    ordered: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for comp in components:
        for rule in (comp.get("rules") or []) if isinstance(comp, dict) else []:
            if isinstance(rule, dict):
                if comp is components[0]:
                    ordered.append(rule)
                if isinstance(rule.get("id"), str):
                    by_id.setdefault(rule["id"], rule)
    return ordered, by_id


def _location(
    result: dict[str, Any], run: dict[str, Any], root: Path | None
) -> tuple[str | None, int | None, int | None, str]:
    locations = result.get("locations") or []
    phys = (
        locations[0].get("physicalLocation", {})
        if locations and isinstance(locations[0], dict)
        else {}
    )
    art = phys.get("artifactLocation") or {}
    uri = art.get("uri")
    if uri is None and isinstance(art.get("index"), int):
        artifacts = run.get("artifacts") or []
        if 0 <= art["index"] < len(artifacts):
            uri = (artifacts[art["index"]].get("location") or {}).get("uri")
    region = phys.get("region") or {}
    snippet = (
        (region.get("snippet") or {}).get("text", "")
        if isinstance(region.get("snippet"), dict)
        else ""
    )
    line = region.get("startLine")
    col = region.get("startColumn")
    for key, value in (("startLine", line), ("startColumn", col)):
        if isinstance(value, int) and value < 1:
            # SARIF 2.1.0 §3.30.5/§3.30.6: both are 1-based, minimum 1
            raise InputError(f"region {key} {value} is impossible (SARIF counts from 1)")
    return (
        relative_uri(str(uri), root) if uri else None,
        line if isinstance(line, int) else None,
        col if isinstance(col, int) else None,
        str(snippet),
    )


def _result(
    result: Any,
    run: dict[str, Any],
    ordered: list[dict[str, Any]],
    by_id: dict[str, dict[str, Any]],
    tool: str,
    root: Path | None,
) -> SarifResult | None:
    if not isinstance(result, dict):
        raise InputError("a SARIF result is not an object")
    kind = result.get("kind", "fail")
    if kind in _SKIP_KINDS:
        return None
    rule_ref = _dict(result.get("rule"))
    rule_id = result.get("ruleId") or rule_ref.get("id")
    index = result.get("ruleIndex", rule_ref.get("index"))
    rule: dict[str, Any] = {}
    if isinstance(index, int) and 0 <= index < len(ordered):
        rule = ordered[index]
    elif isinstance(rule_id, str):
        rule = by_id.get(rule_id, {})
    rule_id = str(rule_id or rule.get("id") or "unknown-rule")
    default_level = (rule.get("defaultConfiguration") or {}).get("level", "warning")
    level = str(result.get("level") or ("none" if kind != "fail" else default_level))
    if level not in _LEVEL_SEVERITY:
        raise InputError(f"result of {rule_id}: unknown SARIF level {level!r}")
    rprops = _dict(result.get("properties"))
    props = _dict(rule.get("properties"))
    judged = _severity_from(rprops) or _severity_from(props)
    severity, source = judged or (_LEVEL_SEVERITY[level], f"level {level}")
    path, line, col, snippet = _location(result, run, root)
    message = _dict(result.get("message"))
    title = (rule.get("shortDescription") or {}).get("text") or rule.get("name") or rule_id
    return SarifResult(
        rule_id=rule_id,
        tool=tool,
        level=level,
        severity=severity,
        severity_source=source,
        message=str(message.get("text") or title)[:2000],
        path=path,
        line=line,
        column=col,
        snippet=snippet,
        cwe=_cwes(props, rprops),
        partial_fingerprints={
            str(k): str(v) for k, v in (result.get("partialFingerprints") or {}).items()
        },
        title=str(title)[:300],
        help_uri=str(rule.get("helpUri") or ""),
        suppressed=_suppressed(result.get("suppressions")),
        confidence=str(props.get("precision") or rprops.get("issue_confidence") or ""),
    )


def _suppressed(value: object) -> bool:
    """SARIF §3.35.3: only a suppression without ``status`` or with ``accepted`` suppresses;
    ``underReview`` and ``rejected`` ones leave the result standing."""
    if not isinstance(value, list):
        return False
    return any(
        isinstance(item, dict) and item.get("status", "accepted") == "accepted" for item in value
    )


def _failed_invocation(run: dict[str, Any]) -> str | None:
    """Why the run's tool did not complete (``executionSuccessful: false``), if it says so."""
    for item in run.get("invocations") or ():
        if isinstance(item, dict) and item.get("executionSuccessful") is False:
            notes = [
                str(_dict(n.get("message")).get("text") or "")
                for n in item.get("toolExecutionNotifications") or ()
                if isinstance(n, dict) and n.get("level") == "error"
            ]
            reason = next((n for n in notes if n), "no reason given")
            return reason.strip().splitlines()[0][:200] if reason.strip() else "no reason given"
    return None


def _error_notifications(
    run: dict[str, Any], tool: str, root: Path | None
) -> list[SarifNotification]:
    """The run's error-level ``toolExecutionNotifications`` (files it could not analyse)."""
    found = []
    for item in run.get("invocations") or ():
        notes = item.get("toolExecutionNotifications") if isinstance(item, dict) else None
        for note in notes if isinstance(notes, list) else ():
            if not isinstance(note, dict) or note.get("level") != "error":
                continue
            text = str(_dict(note.get("message")).get("text") or "").strip()
            path, line, _, _ = _location(note, run, root)
            found.append(
                SarifNotification(
                    tool=tool,
                    message=(text.splitlines()[0] if text else "no message")[:300],
                    path=path,
                    line=line,
                )
            )
    return found


def parse(text: str, name: str = "log.sarif", root: Path | None = None) -> SarifLog:
    """Parse SARIF 2.1.0 text; other versions and other formats → InputError."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise InputError(f"{name}: {_not_sarif_reason(data)}")
    version = data.get("version")
    if version != "2.1.0":
        raise InputError(f"{name}: SARIF version {version!r} is not supported (2.1.0 is)")
    if not data["runs"]:
        raise InputError(f"{name}: SARIF log has no runs (no tool ran; nothing was analysed)")
    results: list[SarifResult] = []
    errors: list[SarifNotification] = []
    tools: list[str] = []
    rule_count = 0
    for run in data["runs"]:
        if not isinstance(run, dict):
            raise InputError(f"{name}: a SARIF run is not an object")
        driver = (run.get("tool") or {}).get("driver") or {}
        tool = str(driver.get("name") or "unknown tool")
        tools.append(tool)
        failed = _failed_invocation(run)
        if failed is not None:
            raise InputError(
                f"{name}: {tool} did not complete (executionSuccessful false): {failed}"
            )
        try:
            errors += _error_notifications(run, tool, root)
        except (AttributeError, TypeError):
            raise InputError(f"{name}: a {tool} tool execution notification is malformed") from None
        ordered, by_id = _rules(run)
        rule_count += len(by_id)
        raw_results = run.get("results")
        if raw_results is None:
            # SARIF §3.14.23: absent or null results mean the tool failed to produce any
            raise InputError(
                f"{name}: the {tool} run has no results list (the analysis did not run)"
            )
        if not isinstance(raw_results, list):
            raise InputError(f"{name}: run.results is not a list")
        for raw in raw_results:
            try:
                item = _result(raw, run, ordered, by_id, tool, root)
            except InputError as exc:
                raise InputError(f"{name}: {exc}") from None
            if item is not None:
                results.append(item)
    return SarifLog(
        results=tuple(results), tools=tuple(tools), rule_count=rule_count, errors=tuple(errors)
    )
