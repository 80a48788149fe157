"""gates: run a project's quality gates, judge one verdict, write the reports.

The only package that prints or exits. One module per command (``run``, ``promote``, …), each with
``add(subparsers)``; this module parses, dispatches and turns every error into a message and an
exit code: 0 verdict pass · 1 verdict fail or promotion refused · 2 usage, checklist or input
error (nothing ran) · 3 a bug in gates.
"""

from __future__ import annotations

import errno
import sys

from gates import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from types import ModuleType
    from typing import Any

# The command modules, the error types and the exit codes are imported when a command is parsed,
# not at import: ``gates --version`` answers with none of them loaded (tests/cli/test_startup.py).


def _commands() -> tuple[ModuleType, ...]:
    """Modules registering the built-in subcommands, in the order ``gates --help`` lists them;
    the helpers gate types declare (``Check.commands``) follow them, see
    :mod:`gates.cli.gate_commands`."""
    from gates.cli import (
        baseline,
        checklist,
        comment,
        diff,
        explain,
        init,
        merge,
        promote,
        report,
        run,
    )

    return (init, run, checklist, report, merge, diff, promote, comment, baseline, explain)


def __getattr__(name: str) -> Any:
    if name == "COMMANDS":  # gates.cli.COMMANDS, as before (built on first use)
        return _commands()
    raise AttributeError(name)


USER_HELP = """\
Run the quality gates of checklist.yml (tests, coverage, bundle size, security, migrations,
Lighthouse, headers, smoke tests…), judge one verdict and write reports (JSON, HTML, JUnit, SARIF,
Markdown). Typical use:

  gates validate                      check checklist.yml
  gates run --env staging             run the pre-deploy gates, reports in reports/
  gates promote --report reports/gate-report.json --to production

Exit codes: 0 pass, 1 fail (or promotion refused), 2 usage/checklist/input error, 3 a bug in gates.
"""


def entry() -> int:
    """The ``gates`` command and ``python -m gates``: :func:`main`, in a process that ends
    right after it."""
    code = main()
    # Python's exit collects every object the run made (the checklist models, pydantic's
    # schemas, the report), once and again: 0.1-0.2 s of a run. Frozen, they are left to the
    # exit itself; every file gates writes is closed by then, and atexit still runs.
    import gc

    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run a subcommand; return the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:  # answered before any command module is imported
        print(f"gates {__version__}")
        return 0
    from contextlib import suppress

    from gates.cli import head_start

    # only a head start: a failure is met again, and reported, when `gates run` starts it
    with suppress(Exception):
        head_start.start_for_argv(words)
    try:
        return _main(argv)
    except BrokenPipeError:
        return _broken_pipe()


def _main(argv: Sequence[str] | None) -> int:
    from gates.cli.args import err
    from gates.errors import ChecklistError, GatesError, ReportError, UsageError
    from gates.verdict import EXIT_FAIL, EXIT_USAGE

    words = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(words)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        raise
    except (ChecklistError, UsageError) as exc:
        err(f"gates: error: {exc}")
        return EXIT_USAGE
    except ReportError as exc:
        err(f"gates: report error: {exc}")
        return EXIT_FAIL if args.command == "promote" else EXIT_USAGE
    except GatesError as exc:
        err(f"gates: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err("gates: interrupted")
        return EXIT_FAIL
    except OSError as exc:
        # A path the user gave that cannot be used (--out is a file, no permission, disk full):
        # a usage problem, said in one line, not a traceback.
        if exc.errno in _USER_ERRNOS:
            where = f" {exc.filename}" if exc.filename else ""
            err(f"gates: error:{where}: {exc.strerror or exc}")
            return EXIT_USAGE
        return _internal(exc)
    except Exception as exc:  # a bug in gates itself: say so, exit 3
        return _internal(exc)


_USER_ERRNOS = {
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.EACCES,
    errno.EPERM,
    errno.ENOENT,
    errno.ENOSPC,
    errno.EROFS,
    errno.ENAMETOOLONG,
    errno.ELOOP,
    errno.EDQUOT,
    errno.EXDEV,
}


def _internal(exc: BaseException) -> int:
    import traceback

    from gates.cli.args import err
    from gates.verdict import EXIT_INTERNAL

    err(f"gates: internal error: {type(exc).__name__}: {exc}")
    err(traceback.format_exc(limit=6))
    return EXIT_INTERNAL


def _broken_pipe() -> int:
    """The reader went away (``gates promote | head``): stop quietly, like any Unix tool."""
    from gates.cli.args import silence
    from gates.verdict import EXIT_FAIL

    silence(sys.stdout)
    return EXIT_FAIL


def _parser(words: Sequence[str] = ()) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="gates",
        description=USER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _commands():
        command.add(sub)
    if wants_gate_commands(words, set(sub.choices)):
        from gates.cli import gate_commands

        gate_commands.add(sub, next((w for w in words if not w.startswith("-")), None))
    return parser


def wants_gate_commands(words: Sequence[str], builtins: set[str]) -> bool:
    """Whether to read the gate registry for ``gates <type> <name>``: only when the first word
    is not a built-in command and not ``--version`` (so those start without importing a gate
    type); ``gates``, ``gates --help`` and an unknown word list the gates' commands too."""
    first = next((w for w in words if not w.startswith("-")), None)
    if first is not None:
        return first not in builtins
    return "--version" not in words
