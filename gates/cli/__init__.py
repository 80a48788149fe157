"""The ``gates`` command: the only module that prints or exits.

Exit codes (contract): 0 verdict pass · 1 verdict fail · 2 usage or checklist error, nothing ran ·
3 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from gates import __version__
from gates.cli import comment as comment_cmd
from gates.cli import init as init_cmd
from gates.errors import ChecklistError, GatesError, ReportError, UsageError
from gates.verdict import EXIT_FAIL, EXIT_INTERNAL, EXIT_PASS, EXIT_USAGE

FORMATS = ("json", "html", "junit", "sarif", "md")
DEFAULT_CHECKLIST = "checklist.yml"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run a subcommand; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (ChecklistError, UsageError) as exc:
        _err(f"gates: error: {exc}")
        return EXIT_USAGE
    except ReportError as exc:
        _err(f"gates: report error: {exc}")
        return EXIT_FAIL if args.command == "promote" else EXIT_USAGE
    except GatesError as exc:
        _err(f"gates: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("gates: interrupted")
        return EXIT_FAIL
    except Exception as exc:  # a bug in gates itself: say so, exit 3
        import traceback

        _err(f"gates: internal error: {type(exc).__name__}: {exc}")
        _err(traceback.format_exc(limit=6))
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gates", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the checklist and write reports")
    run.add_argument("--checklist", default=DEFAULT_CHECKLIST)
    run.add_argument("--env", dest="environment")
    run.add_argument("--stage", choices=("pre-deploy", "post-deploy"), default=None)
    run.add_argument("--only", type=_id_set)
    run.add_argument("--skip", type=_id_set, default=set())
    run.add_argument("--out", default="reports")
    run.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 2)
    run.add_argument("--baseline")
    run.add_argument("--base-ref")
    run.add_argument("--url")
    run.add_argument("--commit", help="commit being gated (default: git rev-parse HEAD)")
    run.add_argument("--format", type=_formats, default=list(FORMATS))
    run.add_argument("--no-history", action="store_true", help="do not append to history.jsonl")
    run.add_argument(
        "--rollback", action="store_true", help="post-deploy: a failing verdict runs rollback:"
    )
    run.add_argument("--deployed-at", help="ISO 8601 time of the deploy (rollback timeline)")
    run.add_argument("--emergency", metavar="REASON", help="deploy outside the window (warn)")
    run.add_argument("--by", help="who asked for --emergency (default: the CI actor)")
    run.add_argument("--report-url", help="link to the published report, for notifications")
    run.set_defaults(handler=_cmd_run)

    validate = sub.add_parser("validate", help="check the checklist; nothing runs")
    validate.add_argument("checklist", nargs="*", default=[DEFAULT_CHECKLIST])
    validate.add_argument("--env", dest="environment")
    validate.set_defaults(handler=_cmd_validate)

    schema = sub.add_parser("schema", help="JSON Schema of checklist.yml")
    schema.set_defaults(handler=_cmd_schema)

    listing = sub.add_parser("list", help="gates, types, stages, needs, blocking, per env")
    listing.add_argument("checklist", nargs="?", default=DEFAULT_CHECKLIST)
    listing.set_defaults(handler=_cmd_list)

    report = sub.add_parser("report", help="re-render a saved report")
    report.add_argument("report")
    report.add_argument("--format", choices=FORMATS, required=True)
    report.add_argument("-o", "--output")
    report.set_defaults(handler=_cmd_report)

    merge = sub.add_parser("merge", help="merge reports of CI matrix jobs into one verdict")
    merge.add_argument("reports", nargs="+")
    merge.add_argument("-o", "--output", required=True)
    merge.add_argument(
        "--checklist",
        default=None,
        help="checklist whose require list applies (default: the reports')",
    )
    merge.add_argument("--env", dest="environment")
    merge.set_defaults(handler=_cmd_merge)

    diff = sub.add_parser("diff", help="what got better or worse between two reports")
    diff.add_argument("base")
    diff.add_argument("new")
    diff.set_defaults(handler=_cmd_diff)

    promote = sub.add_parser("promote", help="may this report promote to ENV?")
    promote.add_argument("--report", required=True)
    promote.add_argument("--to", required=True, dest="target")
    promote.add_argument("--commit")
    promote.add_argument("--max-age", default="24h")
    promote.add_argument("--checklist", default=DEFAULT_CHECKLIST)
    promote.set_defaults(handler=_cmd_promote)

    explain = sub.add_parser("explain", help="what a rule means and how to fix it")
    explain.add_argument("rule")
    explain.set_defaults(handler=_cmd_explain)

    init_cmd.add_parser(sub)
    comment_cmd.add_parser(sub)

    migrations = sub.add_parser("migrations", help="migration helpers")
    msub = migrations.add_subparsers(dest="migrations_command", required=True)
    lock = msub.add_parser("lock", help="write the lock file of applied migrations")
    lock.add_argument("--checklist", default=DEFAULT_CHECKLIST)
    lock.add_argument("--gate", help="id of the migrations gate (default: the only one)")
    lock.set_defaults(handler=_cmd_migrations_lock)
    return parser


# --- run -----------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    from gates import checklist as checklist_mod
    from gates.cli import terminal
    from gates.report.outputs import git_facts, github_annotations, load_baseline, write_outputs
    from gates.run.options import RunOptions, run_environ
    from gates.run.runner import run_checklist

    checklist_path = Path(args.checklist)
    stage = args.stage or ("post-deploy" if args.url else "pre-deploy")
    selected = _selected(args.only, args.skip)
    root = checklist_path.resolve().parent
    commit, branch = git_facts(root, args.commit)
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
    baseline = load_baseline(args.baseline) if args.baseline else None
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
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
    )
    from gates.cli import after_run

    deployed_at = after_run.check_flags(args, checklist, stage)
    view = terminal.Progress(checklist)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with after_run.emergency_environment(args):
            report, secrets = run_checklist(checklist, options, view.update)
        report = after_run.rollback_if_asked(args, checklist, options, report, deployed_at, secrets)
    finally:
        signal.signal(signal.SIGTERM, previous)
    report, paths = write_outputs(
        report, secrets, out_dir, args.format, history=not args.no_history, baseline=baseline
    )
    view.finish(report, paths)
    annotations = github_annotations(report)
    if annotations:
        sys.stdout.write(annotations)
    after_run.notify(args, checklist, report, secrets, out_dir)
    return after_run.exit_code(report)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _selected(only: set[str] | None, skip: set[str]) -> set[str] | None:
    if only is None and not skip:
        return None
    return None if only is None else only - skip


# --- checklist commands --------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    from gates import checklist as checklist_mod

    for name in args.checklist:
        loaded = checklist_mod.load(Path(name), environment=args.environment, stage=None)
        envs = list(loaded.environments)
        for env in envs:
            checklist_mod.load(Path(name), environment=env, stage=None)
        print(
            f"{name}: ok ({len(loaded.gates)} gates"
            + (f"; environments {', '.join(envs)}" if envs else "")
            + ")"
        )
    return EXIT_PASS


def _cmd_schema(args: argparse.Namespace) -> int:
    from gates.checklist.json_schema import checklist_schema

    print(json.dumps(checklist_schema(), indent=2))
    return EXIT_PASS


def _cmd_list(args: argparse.Namespace) -> int:
    from gates import checklist as checklist_mod
    from gates.cli import terminal

    base = checklist_mod.load(Path(args.checklist), stage=None)
    per_env = {
        env: checklist_mod.load(Path(args.checklist), environment=env, stage=None)
        for env in base.environments
    }
    terminal.print_list(base, per_env)
    return EXIT_PASS


# --- report commands -----------------------------------------------------------------------


def _cmd_report(args: argparse.Namespace) -> int:
    from gates.report.codec import load
    from gates.writers import WRITERS, write_atomic

    report = load(Path(args.report))
    text = WRITERS[args.format](report)
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_PASS


def _cmd_merge(args: argparse.Namespace) -> int:
    from gates.report.codec import load
    from gates.report.merge import merge_reports
    from gates.report.outputs import finalize
    from gates.verdict import exit_code
    from gates.writers import write_atomic
    from gates.writers.json_report import render

    reports = [load(Path(p)) for p in args.reports]
    required: tuple[str, ...] = reports[0].required if reports else ()
    if args.checklist:
        from gates import checklist as checklist_mod
        from gates.run.options import required_for_stage

        in_force = checklist_mod.load(
            Path(args.checklist), environment=args.environment, stage=None
        )
        required = required_for_stage(in_force, reports[0].stage) if reports else ()
    merged = finalize(merge_reports(reports, required))
    write_atomic(Path(args.output), render(merged))
    print(f"merged {len(reports)} reports: verdict {merged.verdict.value}")
    for reason in merged.verdict_reasons:
        print(f"  - {reason}")
    return exit_code(merged.verdict)


def _cmd_diff(args: argparse.Namespace) -> int:
    from gates.report.diff import main_diff

    code, text = main_diff(Path(args.base), Path(args.new))
    print(text)
    return code


def _cmd_promote(args: argparse.Namespace) -> int:
    from gates.cli.promote import promote

    code, text = promote(
        report_path=Path(args.report),
        target=args.target,
        commit=args.commit,
        max_age=args.max_age,
        checklist_path=Path(args.checklist),
    )
    print(text)
    return code


def _cmd_explain(args: argparse.Namespace) -> int:
    from gates.checks import CHECKS

    wanted = args.rule.strip()
    for check in CHECKS.values():
        for rule in check.rules:
            if wanted in (rule.id, f"{check.type}/{rule.id}"):
                print(f"{rule.id}  ({check.type}, {rule.severity.value})")
                print(f"  {rule.title}\n")
                print(f"Why: {rule.why}\n")
                print(f"Fix: {rule.fix}")
                if rule.help_uri:
                    print(f"\nMore: {rule.help_uri}")
                return EXIT_PASS
    from gates.checklist.validate import suggest

    known = [rule.id for check in CHECKS.values() for rule in check.rules]
    raise UsageError(f"no rule '{wanted}'" + (f" ({suggest(wanted, known)})" if known else ""))


def _cmd_migrations_lock(args: argparse.Namespace) -> int:
    from gates import checklist as checklist_mod

    path = Path(args.checklist)
    loaded = checklist_mod.load(path, stage=None)
    candidates = [
        g
        for g in loaded.gates.values()
        if g.type == "migrations" and (args.gate is None or g.id == args.gate)
    ]
    if len(candidates) != 1:
        raise UsageError(
            "name the migrations gate with --gate"
            if candidates
            else "no migrations gate in the checklist"
        )
    from gates.checks import migrations
    from gates.checks.migrations.options import MigrationsOptions

    options = candidates[0].options
    assert isinstance(options, MigrationsOptions)
    written = migrations.write_lock(options, path.resolve().parent)
    print(f"wrote {written}")
    return EXIT_PASS


# --- argument types ------------------------------------------------------------------------


def _id_set(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _formats(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {unknown[0]!r}; choose from {FORMATS}")
    if "json" not in chosen:
        chosen.insert(0, "json")  # the JSON report is the record every other command reads
    return chosen


def _err(text: str) -> None:
    print(text, file=sys.stderr)
