"""``notify:``: post the outcome of a run to webhooks (Slack incoming webhooks or plain JSON).

Posted after the reports are written, from the redacted report, so no secret reaches a message;
the webhook URLs are secrets too and are shown as ``scheme://host/…`` only. Each target gets
``1 + retries`` attempts (transport errors, 429 and 5xx are retried, with a short backoff), each
bounded by ``timeout``. A delivery that fails never changes the verdict: it is returned for the
terminal and for ``reports/notifications.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gates.checklist.deploy import NotifyTarget
from gates.errors import GatesError
from gates.model import Report, Status
from gates.redact import Redactor
from gates.web.fetch import FetchError, fetch

BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 4.0)
"""Pause before each retry."""
SCHEMA = "gates-notification/1"


@dataclass(frozen=True)
class Delivery:
    """What became of one webhook post."""

    target: str
    """The webhook shown without its path (the path of a Slack webhook is its secret)."""
    format: str
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""


def shown(webhook: str) -> str:
    """``https://hooks.slack.com/…``: enough to know where, nothing to reuse."""
    parts = urlsplit(webhook)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}/…"


def events(report: Report) -> set[str]:
    """What this run is, for ``on:``: ``pass`` or ``fail``, plus ``rollback``, ``emergency``."""
    found = {"pass" if report.verdict is Status.PASS else "fail"}
    if report.rollback is not None:
        found.add("rollback")
    if any(f.rule == "emergency-deploy" for g in report.gates for f in g.findings):
        found.add("emergency")
    return found


def payload(report: Report, report_url: str | None) -> dict[str, Any]:
    """The JSON message: verdict, where, what failed, rollback timeline, emergencies."""
    failing = [
        {"id": g.id, "status": g.status.value, "summary": g.error or g.summary}
        for g in report.gates
        if g.status.blocks
    ]
    emergencies = [
        dict(f.data) for g in report.gates for f in g.findings if f.rule == "emergency-deploy"
    ]
    rollback = None
    if report.rollback is not None:
        rollback = {
            "status": report.rollback.status,
            "message": report.rollback.message,
            "timeline": [
                {
                    "step": s.name,
                    "at": s.at,
                    "after_s": s.after_s,
                    "budget_s": s.budget_s,
                    "within_budget": s.within_budget,
                }
                for s in report.rollback.timeline
            ],
        }
    return {
        "schema": SCHEMA,
        "project": report.project,
        "verdict": report.verdict.value,
        "environment": report.environment,
        "stage": report.stage,
        "commit": report.commit,
        "branch": report.branch,
        "url": report.url,
        "report_url": report_url,
        "failing_gates": failing,
        "reasons": list(report.verdict_reasons),
        "rollback": rollback,
        "emergency": emergencies,
    }


def slack_message(data: dict[str, Any]) -> dict[str, Any]:
    """The same facts as an incoming-webhook message (``text`` plus mrkdwn blocks)."""
    icon = ":white_check_mark:" if data["verdict"] == "pass" else ":x:"
    where = " · ".join(
        str(x) for x in (data["environment"], data["stage"], (data["commit"] or "")[:12]) if x
    )
    title = f"{icon} {data['project']}: verdict *{data['verdict']}* ({where})"
    lines = [title]
    lines += [f"• `{g['id']}` {g['status']}: {g['summary']}" for g in data["failing_gates"][:10]]
    if data["rollback"]:
        lines.append(f"*Rollback {data['rollback']['status']}*: {data['rollback']['message']}")
        for step in data["rollback"]["timeline"]:
            budget = f" (budget {step['budget_s']:g}s)" if step["budget_s"] else ""
            mark = {True: " ✓", False: " ✗ over budget"}.get(step["within_budget"], "")
            after = f"+{step['after_s']:g}s" if step["after_s"] is not None else "never"
            lines.append(f"   {step['step']}: {after}{budget}{mark}")
    for item in data["emergency"]:
        lines.append(f"*Emergency deploy* by {item.get('by')}: {item.get('reason')}")
    if data["report_url"]:
        lines.append(f"<{data['report_url']}|Full report>")
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def deliver(
    targets: Sequence[NotifyTarget],
    report: Report,
    report_url: str | None,
    secrets: Sequence[str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Post to every target whose ``on`` matches this run; never raises for a failed post."""
    happened = events(report)
    redactor = Redactor([*secrets, *(t.webhook for t in targets)])
    base = payload(report, report_url)
    done: list[Delivery] = []
    for target in targets:
        if not happened & set(target.on):
            continue
        message = base if target.format == "json" else slack_message(base)
        body = redactor.text(json.dumps(message, ensure_ascii=False)).encode("utf-8")
        done.append(_post(target, body, sleep))
    return done


def _post(target: NotifyTarget, body: bytes, sleep: Callable[[float], None]) -> Delivery:
    status: int | None = None
    error = ""
    attempts = 0
    for attempt in range(1 + target.retries):
        if attempt:
            sleep(BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)])
        attempts += 1
        try:
            resp = fetch(
                target.webhook,
                method="POST",
                body=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=target.timeout,
                follow=False,
            )
        except (FetchError, GatesError) as exc:
            status, error = None, str(exc).replace(target.webhook, shown(target.webhook))
            continue
        status = resp.status
        if 200 <= status < 300:
            return Delivery(shown(target.webhook), target.format, True, attempts, status)
        error = f"answered HTTP {status}"
        if status != 429 and status < 500:
            break  # a 4xx other than 429 will not get better by asking again
    return Delivery(shown(target.webhook), target.format, False, attempts, status, error)


def to_json(deliveries: Sequence[Delivery]) -> str:
    """``reports/notifications.json``."""
    rows = [d.__dict__ for d in deliveries]
    return json.dumps({"schema": "gates-notifications/1", "deliveries": rows}, indent=2) + "\n"
