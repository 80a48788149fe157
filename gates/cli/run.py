"""``gates run``: run the checklist, then write every report."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Generic, TypeVar, cast

from gates.cli.args import DEFAULT_CHECKLIST, formats, id_set, positive_int
from gates.errors import UsageError
from gates.writers import FORMAT_NAMES

T = TypeVar("T")


def add(sub: Any) -> None:
    """Register ``gates run``."""
    run = sub.add_parser(
        "run",
        help="run the checklist's gates and write the reports",
        description="Run every gate of the checklist for one stage and environment, judge one "
        "verdict (exit 0 pass, 1 fail, 2 usage/checklist error) and write the reports.",
    )
    run.add_argument(
        "--checklist", default=DEFAULT_CHECKLIST, help="checklist file (default: %(default)s)"
    )
    run.add_argument(
        "--env",
        dest="environment",
        metavar="ENV",
        help="environment overlay to apply, e.g. production (default: none, the base checklist)",
    )
    run.add_argument(
        "--stage",
        choices=("pre-deploy", "post-deploy"),
        default=None,
        help="which gates run (default: post-deploy with --url, else pre-deploy)",
    )
    run.add_argument(
        "--only",
        type=id_set,
        metavar="IDS",
        help="run only these gate ids, comma separated (default: every gate of the stage)",
    )
    run.add_argument(
        "--skip",
        type=id_set,
        default=set(),
        metavar="IDS",
        help="do not run these gate ids, comma separated (default: none)",
    )
    run.add_argument(
        "--out",
        default="reports",
        metavar="DIR",
        help="folder for reports and logs, locked while the run writes (default: %(default)s)",
    )
    run.add_argument(
        "--jobs",
        type=positive_int,
        default=os.cpu_count() or 2,
        metavar="N",
        help="gates run at once (default: the number of CPUs, here %(default)s)",
    )
    run.add_argument(
        "--baseline",
        metavar="REPORT",
        help="earlier gate-report.json to compare with, verified before use; 'auto' picks one "
        "from --baseline-dir by --base-ref (default: none)",
    )
    run.add_argument(
        "--baseline-dir",
        default=".gates/baselines",
        metavar="DIR",
        help="folder of saved baselines for --baseline auto (default: %(default)s)",
    )
    run.add_argument(
        "--base-ref",
        metavar="REF",
        help="git ref of the base branch, e.g. origin/main (default: none)",
    )
    run.add_argument(
        "--url",
        help="deployment URL; implies --stage post-deploy and sets DEPLOY_URL (default: none)",
    )
    run.add_argument(
        "--commit", help="commit being gated (default: GATES_COMMIT, GITHUB_SHA or git HEAD)"
    )
    run.add_argument(
        "--format",
        type=formats,
        default=list(FORMAT_NAMES),
        metavar="LIST",
        help=f"report formats, comma separated; json is always written "
        f"(default: {','.join(FORMAT_NAMES)})",
    )
    run.add_argument(
        "--no-history",
        action="store_true",
        help="do not append to history.jsonl (default: append)",
    )
    run.add_argument(
        "--rollback",
        action="store_true",
        help="post-deploy: a failing verdict runs the checklist's rollback: (default: off)",
    )
    run.add_argument(
        "--deployed-at",
        metavar="TIME",
        help="ISO 8601 time of the deploy, for the rollback timeline (default: none)",
    )
    run.add_argument(
        "--emergency",
        metavar="REASON",
        help="deploy outside the deploy window; recorded as a warning (default: none)",
    )
    run.add_argument("--by", help="who asked for --emergency (default: the CI actor)")
    run.add_argument(
        "--report-url",
        metavar="URL",
        help="link to the published report, for notifications (default: none)",
    )
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run, write, print; the verdict's exit code."""
    from gates.run.server import prestart

    checklist_path = Path(args.checklist)
    root = checklist_path.resolve().parent
    # main() started the forkserver before anything was imported (gates.cli.head_start), so
    # this finds it running; when that head start failed, the server is started here and its
    # failure reported. git answers while this process imports and loads the checklist.
    prestart()
    facts = _Background(lambda: _git_facts(root, args.commit))

    from gates import checklist as checklist_mod
    from gates.cli import after_run, terminal
    from gates.redact import Redactor, run_secrets
    from gates.report.baseline import resolve_baseline
    from gates.report.effective import attach_options
    from gates.report.history import last_durations
    from gates.report.outputs import github_annotations, lock_out_dir, prepare, write_outputs
    from gates.run.options import RunOptions, run_environ
    from gates.run.runner import run_checklist

    stage = args.stage or ("post-deploy" if args.url else "pre-deploy")
    selected = _selected(args.only, args.skip)
    commit, branch = facts.result()
    environ = run_environ(os.environ, environment=args.environment, url=args.url, commit=commit)
    checklist = checklist_mod.load(
        checklist_path,
        environment=args.environment,
        stage=stage,
        selected=selected,
        environ=environ,
    )
    for gate_id in (args.only or set()) | args.skip:
        if gate_id not in checklist.gates:
            raise UsageError(f"--only/--skip names unknown gate '{gate_id}'")
    known_secrets = run_secrets(checklist_path.read_text("utf-8", "replace"), environ)
    baseline, baseline_note = resolve_baseline(
        args.baseline,
        checklist=checklist,
        root=root,
        commit=commit,
        base_ref=args.base_ref,
        baseline_dir=Path(args.baseline_dir),
    )
    out_dir = Path(args.out).resolve()
    options = RunOptions(
        root=root,
        out_dir=out_dir,
        jobs=args.jobs,
        only=args.only,
        skip=args.skip,
        stage=stage,
        environment=args.environment,
        baseline=baseline,
        base_ref=args.base_ref,
        url=args.url,
        commit=commit,
        branch=branch,
        secrets=tuple(known_secrets),
        expected_s=last_durations(out_dir),
    )
    deployed_at = after_run.check_flags(args, checklist, stage)
    with lock_out_dir(out_dir):
        view = terminal.Progress(checklist, redactor=Redactor(known_secrets))
        if baseline_note:
            view.note(baseline_note)
        # SIGINT too: a shell starts a background command with SIGINT ignored (POSIX), and a run
        # must stop on an interrupt wherever it was started (a CI job, `setsid`, no terminal)
        previous = {
            signum: signal.signal(signum, _raise_interrupt)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        # the writers are imported and the HTML template compiled while the gates run: this
        # process is idle then, and each was otherwise paid after the last gate
        writers = _Background(lambda: prepare(args.format))
        with _collections_skip_what_exists():
            try:
                with after_run.emergency_environment(args):
                    report, secrets = run_checklist(checklist, options, view.update)
                writers.wait()
                report = after_run.rollback_if_asked(
                    args, checklist, options, report, deployed_at, secrets
                )
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
            all_secrets = [*known_secrets, *secrets]
            report = attach_options(report, checklist, all_secrets)
            gc.freeze()  # the gates' results too, while the reports are made of them
            report, paths = write_outputs(
                report,
                all_secrets,
                out_dir,
                args.format,
                history=not args.no_history,
                baseline=baseline,
            )
    view.finish(report, paths)
    annotations = github_annotations(report)
    if annotations:
        sys.stdout.write(annotations)
    after_run.notify(args, checklist, report, all_secrets, out_dir)
    return after_run.exit_code(report)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _collections_skip_what_exists() -> Iterator[None]:
    """Python's full collections skip the objects that exist now (the checklist, the imported
    modules) until the block ends; cycles made inside it are still collected.

    Receiving 10,000 findings and writing five reports of them allocate millions of objects, and
    each full collection walked every live one again: freezing the long-lived ones took the
    report output of the benchmark's whole set from 2.4 to 1.9 s."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _git_facts(root: Path, commit: str | None) -> tuple[str | None, str | None]:
    from gates.report.outputs import git_facts

    return git_facts(root, commit)


class _Background(Generic[T]):
    """``work`` in a daemon thread, started now; :meth:`result` waits for its value."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gates-background", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # re-raised by result(), in the thread that asks
            self._error = exc

    def result(self) -> T:
        """The value of ``work``, or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)

    def wait(self) -> None:
        """Wait for ``work`` to end; a failure is left to the real call to raise again."""
        self._thread.join()


def _selected(only: set[str] | None, skip: set[str]) -> set[str] | None:
    if only is None and not skip:
        return None
    return None if only is None else only - skip
