"""Git, the one way gates asks it something: typed questions through a runner, an error that
quotes git's last line. No other module of gates spawns ``git`` (``tests/test_architecture.py``).

A runner is a gate's :meth:`~gates.checks.base.GateContext.run` (logged, in the project, with
the run's timeout), passed in so this floor never imports the gates; outside a gate,
:func:`runner_at` runs git in a folder. Every function fails closed: a git that is missing,
hangs or exits with an error raises a :class:`~gates.errors.ToolError` (``NotARepository`` when
the folder is in no repository), never an empty answer. Callers for whom git is only a hint
(the commit of a report, the committed checklist of ``gates promote``) catch it themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gates.errors import ToolError
from gates.process import ToolRun, run_tool

Runner = Callable[[Sequence[str]], ToolRun]


class NotARepository(ToolError):
    """The folder is not inside a git repository."""


def runner_at(folder: Path, timeout: float = 20.0) -> Runner:
    """A runner for git in ``folder`` (not logged: for the CLI and the report floor)."""

    def run(argv: Sequence[str]) -> ToolRun:
        return run_tool(argv, timeout=timeout, cwd=folder)

    return run


def _run(run: Runner, args: Sequence[str]) -> ToolRun:
    return run(["git", "-c", "core.quotepath=off", *args])


def _raise(args: Sequence[str], result: ToolRun) -> ToolError:
    said = last_line(result.stderr)
    kind = NotARepository if "not a git repository" in result.stderr.lower() else ToolError
    return kind(f"git {' '.join(args[:3])} failed ({result.describe_exit}): {said}")


def git(run: Runner, *args: str) -> str:
    """``git ARGS`` through ``run``; its stdout, or a :class:`ToolError` quoting stderr."""
    result = _run(run, args)
    if result.returncode != 0:
        raise _raise(args, result)
    return result.stdout


def merge_base(run: Runner, base: str, head: str = "HEAD") -> str:
    """The merge base of ``base`` and ``head``."""
    return git(run, "merge-base", base, head).strip()


def is_ancestor(run: Runner, older: str, newer: str) -> bool:
    """Whether ``older`` is an ancestor of (or equal to) ``newer``; git's exit 1 is ``False``,
    any other failure (unknown commit in a shallow clone, no repository) a :class:`ToolError`."""
    args = ("merge-base", "--is-ancestor", older, newer)
    result = _run(run, args)
    if result.returncode in (0, 1):
        return result.returncode == 0
    raise _raise(args, result)


def ancestors(run: Runner, commit: str, max_count: int) -> list[str]:
    """``commit`` and its ancestors, newest first, at most ``max_count``."""
    return git(run, "rev-list", f"--max-count={max_count}", commit).split()


def commit_of(run: Runner, ref: str) -> str:
    """The full hash of the commit ``ref`` names; a :class:`ToolError` when it names none."""
    args = ("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    result = _run(run, args)
    if result.returncode != 0 or not result.stdout.strip():
        if result.stderr.strip():
            raise _raise(args, result)
        raise ToolError(f"{ref!r} is not a commit of this repository")
    return result.stdout.strip()


def head_commit(run: Runner) -> str:
    """The commit checked out (``HEAD``)."""
    return commit_of(run, "HEAD")


def current_branch(run: Runner) -> str:
    """The branch checked out (``HEAD`` when detached)."""
    return git(run, "rev-parse", "--abbrev-ref", "HEAD").strip()


def file_at(run: Runner, commit: str, path: str) -> str | None:
    """The text of ``path`` (relative to the runner's folder) as committed at ``commit``;
    ``None`` when that commit has no such file."""
    listed = git(run, "ls-tree", "-z", "--name-only", commit, "--", path)
    if not [name for name in listed.split("\0") if name]:
        return None
    return git(run, "show", f"{commit}:./{path}")


def diff_against(run: Runner, commit: str) -> str:
    """The working tree against ``commit``, zero context lines, paths relative to the cwd."""
    return git(run, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", commit)


def tracked_files(run: Runner) -> list[str]:
    """Every file git tracks under the cwd, relative to it."""
    return [p for p in git(run, "ls-files", "-z").split("\0") if p]


def untracked_files(run: Runner) -> list[str]:
    """Files under the cwd that git does not track and does not ignore."""
    listed = git(run, "ls-files", "-z", "--others", "--exclude-standard")
    return [p for p in listed.split("\0") if p]


def last_line(text: str) -> str:
    """The last non-blank line of a tool's output (at most 200 characters)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "no output"
