"""Git, the one way gates asks it something: a command through the caller's runner, an error
that quotes git's last line.

The runner is a gate's :meth:`~gates.checks.base.GateContext.run` (logged, in the project, with
the run's timeout), passed in so this floor never imports the gates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gates.errors import ToolError
from gates.process import ToolRun

Runner = Callable[[Sequence[str]], ToolRun]


def git(run: Runner, *args: str) -> str:
    """``git ARGS`` through ``run``; its stdout, or a :class:`ToolError` quoting stderr."""
    result = run(["git", "-c", "core.quotepath=off", *args])
    if result.returncode != 0:
        raise ToolError(f"git {' '.join(args[:3])} failed: {last_line(result.stderr)}")
    return result.stdout


def merge_base(run: Runner, base: str) -> str:
    """The merge base of ``base`` and ``HEAD``."""
    return git(run, "merge-base", base, "HEAD").strip()


def diff_against(run: Runner, commit: str) -> str:
    """The working tree against ``commit``, zero context lines, paths relative to the cwd."""
    return git(run, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", commit)


def tracked_files(run: Runner) -> list[str]:
    """Every file git tracks under the cwd, relative to it."""
    return [p for p in git(run, "ls-files", "-z").split("\0") if p]


def last_line(text: str) -> str:
    """The last non-blank line of a tool's output (at most 200 characters)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "no output"
