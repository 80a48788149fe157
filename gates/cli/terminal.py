"""What the terminal shows: a line per gate as it starts and ends, then a table and the verdict.

Names, summaries and messages come from evidence a pull request controls: they are printed as
``rich.text.Text`` (never parsed as markup) with control characters removed, so neither rich
markup nor ANSI escape sequences in a test name can restyle or rewrite the terminal.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gates.checklist.model import Checklist
from gates.model import GateResult, Report, Status
from gates.redact import Redactor
from gates.units import duration_spec

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.SKIPPED: "dim",
}
SYMBOL = {
    Status.PASS: "✔",
    Status.WARN: "!",
    Status.FAIL: "✘",
    Status.ERROR: "⚠",
    Status.SKIPPED: "-",
}


def clean(text: object, limit: int = 300) -> str:
    """One line of ``text`` without control characters (ANSI escapes included)."""
    flat = _CONTROL.sub("", str(text).replace("\n", " ").replace("\r", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Progress:
    """Live progress per gate (a line per event; safe to call from the runner's thread)."""

    def __init__(
        self,
        checklist: Checklist,
        console: Console | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.console = console or Console(
            stderr=True, highlight=False, width=None if sys.stderr.isatty() else log_width()
        )
        self.width = max((len(g) for g in checklist.gates), default=8)
        self._lock = threading.Lock()
        # The live line is printed before the report is redacted: it masks what the run knows
        # to be secret (interpolated secrets, the signing key) and every known key pattern.
        self.redactor = redactor or Redactor(())

    def note(self, text: str) -> None:
        """One line of information (which baseline, why none)."""
        with self._lock:
            self.console.print(Text(clean(self.redactor.text(text), 400), style="dim"))

    def update(self, gate_id: str, event: str, result: GateResult | None) -> None:
        """Print that ``gate_id`` started, or how it ended."""
        with self._lock:
            line = Text()
            if event == "start" or result is None:
                line.append("  … ", style="cyan")
                line.append(clean(gate_id).ljust(self.width))
                line.append(" running", style="dim")
            else:
                line.append(f"  {SYMBOL[result.status]} ", style=STYLE[result.status])
                line.append(clean(gate_id).ljust(self.width))
                line.append(f" {result.status.value:<7}", style=STYLE[result.status])
                line.append(f" {result.duration_s:6.1f}s  ", style="dim")
                line.append(clean(self.redactor.text(result.summary), 140))
            self.console.print(line)

    def finish(self, report: Report, paths: list[Path]) -> None:
        """The closing table, the reasons of a failing verdict, and where the reports are."""
        table = Table(title=None, show_lines=False, pad_edge=False)
        for column in ("gate", "type", "status", "time", "summary"):
            table.add_column(column, overflow="fold")
        order = sorted(report.gates, key=lambda g: -g.status.rank)
        for result in order:
            table.add_row(
                Text(clean(result.id)),
                Text(result.type),
                Text(result.status.value, style=STYLE[result.status]),
                Text(f"{result.duration_s:.1f}s"),
                Text(clean(result.summary, 160)),
            )
        self.console.print(table)
        for result in order:
            for finding in [f for f in result.findings if f.blocks and not f.waived][:5]:
                where = f" {finding.location}" if finding.location else ""
                self.console.print(
                    Text(
                        f"    {result.id}: [{finding.severity.value}] "
                        f"{clean(finding.rule, 60)}{clean(where, 120)}: "
                        f"{clean(finding.message, 160)}"
                    )
                )
        for waiver in report.waivers:
            if waiver.problem:
                self.console.print(
                    Text(
                        f"  waiver {clean(waiver.gate)} {clean(waiver.match, 80)} "
                        f"(owner {clean(waiver.owner, 60)}): {clean(waiver.problem, 160)}",
                        style="yellow",
                    )
                )
        verdict = Text("VERDICT: ")
        verdict.append(report.verdict.value.upper(), style=STYLE[report.verdict])
        if report.stage == "post-deploy":
            verdict.append("  (keep)" if report.verdict is Status.PASS else "  (roll back)")
        self.console.print(verdict)
        for reason in report.verdict_reasons:
            self.console.print(Text(f"  - {clean(reason, 200)}"))
        if paths:
            self.console.print(Text(f"reports: {paths[0].parent}", style="dim"))


def _is_tty() -> bool:
    return sys.stdout.isatty()


def log_width() -> int:
    """The width when not on a terminal (a CI log, a pipe): wide enough that no line is
    hard-wrapped. ``COLUMNS`` is not asked: shells export it for their own terminal, and a log
    viewer wraps for itself."""
    return 400


def print_list(
    base: Checklist, per_env: Mapping[str, Checklist], console: Console | None = None
) -> None:
    """``gates list``: one row per gate, with its blocking and required state per environment."""
    out = console or Console(highlight=False, width=None if _is_tty() else log_width())
    table = Table(pad_edge=False)
    for column in ("gate", "type", "stage", "needs", "timeout", "blocking"):
        table.add_column(column)
    for env in per_env:
        table.add_column(f"{env}")
    for gate_id, spec in base.gates.items():
        row = [
            Text(clean(gate_id)),
            Text(spec.type),
            Text(spec.stage),
            Text(", ".join(spec.needs) or "-"),
            Text(duration_spec(spec.timeout)),
            Text("yes" if spec.blocking else "no"),
        ]
        for loaded in per_env.values():
            env_spec = loaded.gates[gate_id]
            state = (
                "required"
                if gate_id in loaded.require
                else ("blocking" if env_spec.blocking else "warn-only")
            )
            row.append(Text(state))
        table.add_row(*row)
    out.print(table)
