"""``command``: a command that must exit 0 within its timeout.

Example::

    build:
      type: command
      run: npm run build
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gates.checks.base import Check, GateContext, GateOutcome, RunOptionsBase
from gates.model import Status


class CommandOptions(RunOptionsBase):
    """Options of the ``command`` gate: ``run`` is required."""

    type: Literal["command"] = "command"
    run: str | list[str] = Field(description="The command; it passes when it exits 0")


def evaluate(options: CommandOptions, ctx: GateContext) -> GateOutcome:
    """Run the command; exit 0 is a pass, anything else (or a signal) a fail."""
    result = ctx.run(options.run, shell=options.shell, cwd=options.cwd)
    details = {"exit_code": result.returncode, "command_s": round(result.duration_s, 3)}
    if result.returncode == 0:
        return GateOutcome(
            summary=f"exit 0 in {result.duration_s:.1f}s", status=Status.PASS, details=details
        )
    tail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or [""]
    return GateOutcome(
        summary=f"{result.describe_exit}: {tail[0][:160]}".rstrip(": "),
        status=Status.FAIL,
        details=details,
    )


CHECK = Check(
    type="command",
    options=CommandOptions,
    evaluate=evaluate,
    summary="A command that must exit 0 within its timeout",
)
