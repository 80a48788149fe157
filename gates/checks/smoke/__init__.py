"""``smoke``: is the live deployment up, fast, serving THIS commit, and do critical journeys work?

Example::

    smoke:
      type: smoke
      stage: post-deploy
      base_url: ${DEPLOY_URL}            # empty: the run's --url
      checks:
        - {get: /api/health, status: 200, max_ms: 800, contains: '"ok"', retries: 5, backoff: 1s}
        - {get: /api/status, json: {path: "$.db.status", equals: "ok"}}
        - {post: /api/echo, body: '{"a":1}', headers: {content-type: application/json}, status: 201}
      # or {header: x-commit}; equals: defaults to the report's commit (GATES_COMMIT)
      version: {get: /api/version, json: "$.commit"}
      journeys:
        - name: sign-in page renders
          steps:
            - goto: /login
            - expect_visible: "form#login"
            - fill: {selector: "input[name=email]", value: "smoke@example.com"}
            - press: {selector: "input[name=email]", key: Enter}
            - expect_text: {selector: h1, text: Welcome}
            - expect_url: /dashboard
      ignore_console: ["favicon\\.ico"]     # console errors matching these do not fail a journey
      executable_path: /usr/bin/chromium

A check is retried (``retries`` times, waiting ``backoff`` × 2^attempt) while a fresh deployment
warms up; the last attempt decides. ``version`` compares the live commit with the run's commit
(a 7+ character prefix matches), so a smoke run against the previous deployment fails. Journeys
run in real Chromium (:mod:`.browser`); each yields screenshots in the report and under
``reports/artifacts/<gate>/``.
"""

from __future__ import annotations

from gates.checks.base import Check, GateContext, GateOutcome
from gates.checks.smoke.options import SmokeOptions
from gates.checks.smoke.run import RULES, run_checks, run_journey_block, run_version


def evaluate(options: SmokeOptions, ctx: GateContext) -> GateOutcome:
    """HTTP checks, then the version check, then journeys."""
    base = ctx.url or options.base_url
    if not base:
        return GateOutcome.failed_closed("no base URL: set base_url or pass --url (DEPLOY_URL)")
    if not (options.checks or options.version or options.journeys):
        return GateOutcome.failed_closed("nothing to check: add checks, version or journeys")
    out = GateOutcome(details={"base_url": base})
    if options.protection_bypass:
        out.secrets.append(options.protection_bypass)
    run_checks(options, base, out)
    if options.version is not None:
        run_version(
            options.version,
            base,
            ctx.commit,
            options.request_timeout,
            out,
            options.protection_bypass,
        )
    if options.journeys:
        run_journey_block(options, base, ctx, out)
    failed = [f for f in out.findings if f.blocks]
    total = len(options.checks) + (1 if options.version else 0) + len(options.journeys)
    if out.summary == "":
        out.summary = f"{total - len({f.data.get('item') for f in failed})}/{total} passed" + (
            f"; first failure: {failed[0].message}" if failed else ""
        )
    return out


CHECK = Check(
    type="smoke",
    options=SmokeOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Live URLs, the served commit, and journeys in real Chromium",
)

__all__ = ["CHECK", "SmokeOptions", "evaluate"]
