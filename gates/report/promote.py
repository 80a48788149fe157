"""``gates promote --report R --to ENV``: may this build go to ENV on the strength of R?

R promotes only when all of these hold (each failure is one line of the refusal):

- its digest matches its content, and — with ``GATES_SIGNING_KEY`` set — its HMAC signature is
  this key's (an unsigned report, or one re-signed with another key, is refused);
- its verdict is ``pass`` (and recomputing the verdict from its gates agrees);
- it is for the commit being promoted, and of the checklist's project;
- it is younger than ``--max-age`` (and not from the future);
- it was made with the checklist in force (``checklist_sha256``);
- the environment it was made for requires at least what the target requires, and every gate
  the target requires ran in R and passed (``pass`` or ``warn``): a staging report promotes to
  production only if it covers production's ``require`` list;
- every gate the target requires ran with the target's *effective options* (recomputed from the
  checklist for the target environment), unless the report was made with ``--env`` of the target;
  a refusal names the gate, the differing key, and the checklist file and line that set it;
- the run was not interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gates.model import Report, Status
from gates.report.codec import compute_digest, verify_signature
from gates.report.effective import differences, options_digest
from gates.verdict import decide

CLOCK_SKEW_S = 300.0
"""A report dated up to 5 minutes in the future is accepted (CI runner clocks drift)."""
MIN_COMMIT_PREFIX = 7


def check_promotion(
    report: Report,
    *,
    target_env: str,
    required: Sequence[str],
    commit: str,
    max_age_s: float,
    checklist_sha256: str,
    signing_key: bytes | None,
    now: datetime,
    expected_options: Mapping[str, dict[str, Any]] | None = None,
    where: Callable[[str, tuple[str | int, ...]], str] | None = None,
    project: str | None = None,
) -> list[str]:
    """Reasons to refuse promoting ``report`` to ``target_env``; empty means allowed.

    ``expected_options`` are the target's effective options per required gate; ``where(gate,
    key path)`` says which checklist line sets a key (``checklist.yml:42``).
    """
    reasons = _integrity(report, signing_key)
    if report.verdict is not Status.PASS:
        reasons.append(f"verdict is {report.verdict.value}, not pass")
        reasons.extend(f"  {line}" for line in report.verdict_reasons)
    else:
        recomputed, why = decide(report.gates, report.required)
        if recomputed is not Status.PASS:
            reasons.append("verdict says pass but its gates say fail: " + "; ".join(why))
    if not _same_commit(report.commit, commit):
        reasons.append(
            f"report is for commit {report.commit or '(none)'}, promoting {commit or '(none)'}"
        )
    if project is not None and report.project != project:
        reasons.append(f"report is of project {report.project!r}, the checklist's is {project!r}")
    reasons.extend(_age(report, max_age_s, now))
    if report.checklist_sha256 != checklist_sha256:
        reasons.append(
            f"report was made with checklist sha256 {report.checklist_sha256[:12]}…, "
            f"the checklist in force is {checklist_sha256[:12]}…"
        )
    if report.interrupted:
        reasons.append("the run was interrupted")
    if not any(g.status is not Status.SKIPPED for g in report.gates):
        reasons.append("no gate ran: the report judged nothing")
    reasons.extend(_coverage(report, target_env, required))
    if expected_options is not None and report.environment != target_env:
        reasons.extend(_options(report, target_env, required, expected_options, where))
    return reasons


def _options(
    report: Report,
    target_env: str,
    required: Sequence[str],
    expected: Mapping[str, dict[str, Any]],
    where: Callable[[str, tuple[str | int, ...]], str] | None,
) -> list[str]:
    """A report made for another environment promotes only if each required gate ran with
    exactly the options the target would run it with."""
    reasons = []
    made_for = report.environment or "no environment"
    by_id = {g.id: g for g in report.gates}
    for gate_id in required:
        gate, wanted = by_id.get(gate_id), expected.get(gate_id)
        if gate is None or wanted is None or gate.status is Status.SKIPPED:
            continue  # already a reason of _coverage
        if not gate.options_sha256:
            reasons.append(
                f"gate {gate_id}: the report records no effective options, so it cannot show "
                f"that it ran as {target_env} requires (run with --env {target_env})"
            )
            continue
        if gate.options_sha256 != options_digest(gate.options):
            reasons.append(f"gate {gate_id}: options_sha256 does not match its options (altered)")
            continue
        for key, ran, want in differences(gate.options, wanted)[:5]:
            dotted = ".".join(str(k) for k in key) or "(options)"
            place = f" ({where(gate_id, key)})" if where else ""
            reasons.append(
                f"gate {gate_id}: ran with {dotted} = {_show(ran)} ({made_for}); {target_env} "
                f"requires {_show(want)}{place}; run with --env {target_env}"
            )
    return reasons


def _show(value: Any) -> str:
    text = "(unset)" if value is None else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _integrity(report: Report, signing_key: bytes | None) -> list[str]:
    reasons = []
    if not report.digest:
        reasons.append("report has no digest")
    elif report.digest != compute_digest(report):
        reasons.append(
            "digest does not match the report's content: it was altered after it was written"
        )
    if signing_key:
        if not report.signature:
            reasons.append("report is unsigned but GATES_SIGNING_KEY is set")
        elif not verify_signature(report, signing_key):
            reasons.append(
                "signature is not valid for GATES_SIGNING_KEY (signed with another key, or altered)"
            )
    return reasons


def _same_commit(reported: str | None, wanted: str) -> bool:
    if not reported or not wanted:
        return False
    a, b = reported.lower(), wanted.lower()
    if a == b:
        return True
    short = min(len(a), len(b))
    return short >= MIN_COMMIT_PREFIX and a[:short] == b[:short]


def _age(report: Report, max_age_s: float, now: datetime) -> list[str]:
    try:
        started = datetime.fromisoformat(report.started_at)
    except ValueError:
        return [f"report time {report.started_at!r} is not an ISO 8601 time"]
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    age = (now - started).total_seconds()
    if age < -CLOCK_SKEW_S:
        return [f"report is dated {_human(-age)} in the future ({report.started_at})"]
    if age > max_age_s:
        return [
            f"report is {_human(age)} old, older than --max-age "
            f"{_human(max_age_s)} ({report.started_at})"
        ]
    return []


def _human(seconds: float) -> str:
    """``45 s``, ``12 min``, ``26.5 h``, ``3.2 d``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} d".replace(".0 d", " d")


def _coverage(report: Report, target_env: str, required: Sequence[str]) -> list[str]:
    reasons = []
    made_for = report.environment or "(no environment)"
    missing = [g for g in required if g not in report.required]
    if missing and made_for != target_env:
        reasons.append(
            f"report was made for {made_for}, whose require list lacks "
            f"{', '.join(missing)} that {target_env} requires"
        )
    by_id = {g.id: g for g in report.gates}
    for gate_id in required:
        gate = by_id.get(gate_id)
        if gate is None:
            reasons.append(f"gate {gate_id}: required by {target_env} but not in the report")
        elif gate.status is Status.SKIPPED:
            reasons.append(
                f"gate {gate_id}: required by {target_env} but skipped "
                f"({gate.summary or 'no reason given'})"
            )
        elif gate.status not in (Status.PASS, Status.WARN):
            reasons.append(f"gate {gate_id}: {gate.status.value}: {gate.summary}")
    return reasons


def render_refusal(report: Report, reasons: Sequence[str], target_env: str) -> str:
    """The text ``gates promote`` prints: allowed, or refused with every reason, gate by gate."""
    head = (
        f"{report.project} @ {report.commit or '?'} ({report.environment or '-'}, "
        f"{report.stage}, {report.started_at})"
    )
    if not reasons:
        return f"promotion to {target_env} allowed: {head}\n"
    lines = [f"promotion to {target_env} REFUSED: {head}"]
    lines += [
        f"  - {reason}" if not reason.startswith("  ") else f"  {reason}" for reason in reasons
    ]
    return "\n".join(lines) + "\n"
