"""``coverage``: totals, per-path globs, changed lines against a git base, drop vs a baseline.

Example::

    coverage:
      type: coverage
      needs: [tests]
      report: coverage.xml            # or a list / globs; Cobertura, LCOV, coverage.py JSON,
                                      # .coverage data, istanbul coverage-summary.json
      format: auto                    # detected from the content; or cobertura | lcov |
                                      # coverage-json | istanbul-summary | coverage-data
      thresholds: {lines: 80, branches: 70}   # also statements, functions, total
      paths:
        "src/lib/server/**": {lines: 90}      # aggregated over the files the glob matches
      changed_lines: {base: origin/main, min: 90}   # base defaults to --base-ref
      max_drop: 0.5                   # percentage points of `lines` below the --baseline report

Metrics (see :mod:`gates.parsers.coverage_model`): ``lines``, ``branches``, ``statements``
(istanbul; for coverage.py the same as lines), ``functions`` (istanbul, LCOV) and ``total``,
coverage.py's TOTAL column: (covered lines + covered branches) / (statements + branches).
Every comparison is ``>=`` (``<=`` for the drop) at full precision, no rounding: 79.95%
against 80 fails. A metric the report does not have (branches of a run without ``--branch``,
0 branches) is ``error`` when a threshold names it, never 0% or 100%.

``changed_lines`` runs ``git merge-base BASE HEAD`` and ``git diff --unified=0 <merge-base>``
in the project (the working tree of this checkout against the merge base), intersects the
added lines with the lines the report marks coverable, and compares the covered share with
``min``. A change with no coverable line (docs only, or only blank lines) is reported as a
pass that says "no coverable changed lines", with no percentage: it is not 100%. Untracked
files are not part of ``git diff``. It needs a line-level format (not istanbul's summary).

``max_drop`` compares ``lines`` with the ``lines`` measurement of this gate in ``--baseline``;
without a baseline it is ``error`` unless ``baseline_optional: true``.

Paths in reports may be absolute (CI machines, Windows) or relative to a Cobertura
``<source>``; each is mapped to a project-relative path: inside the project root, relative to
a source, or by the longest suffix that names a file in the project.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.coverage.options import ChangedLines, CoverageOptions, Thresholds
from gates.errors import InputError, ToolError
from gates.io.safe import checked_size, read_bytes
from gates.measure import compare, shown
from gates.model import Change, Measurement, Severity, Status
from gates.parsers.coverage_model import METRICS, CoverageData, FileCoverage, totals

RULES = (
    Rule(
        "coverage-threshold",
        Severity.HIGH,
        "Coverage below threshold",
        "A coverage metric (total, per-path or of the changed lines) is under its threshold.",
        "Add tests for the uncovered lines listed in the report, or adjust the threshold.",
    ),
)


def evaluate(options: CoverageOptions, ctx: GateContext) -> GateOutcome:
    """Run ``run:`` if given, load the report(s), and compare."""
    if options.run is not None:
        before = _stamps(options, ctx)
        run = ctx.run(options.run, shell=options.shell, cwd=options.cwd)
        if run.returncode != 0:
            return GateOutcome.failed_closed(f"`run` ended with {run.describe_exit}; see the log")
        unchanged = [p for p, stamp in _stamps(options, ctx).items() if before.get(p) == stamp]
        if unchanged:
            names = ", ".join(str(p.relative_to(ctx.root)) for p in unchanged)
            return GateOutcome.failed_closed(
                f"`run` did not rewrite {names}: a report from an earlier run is not evidence "
                "of this one"
            )
    data = load_reports(options, ctx)
    mapped = map_files(data, ctx.root)
    whole = totals(data)
    if whole.lines_valid == 0:
        return GateOutcome.failed_closed(
            f"the coverage report lists no coverable lines ({len(data.files)} files): "
            "nothing was measured"
        )
    rows = total_measurements(data, options.thresholds)
    rows += path_measurements(data, mapped, options.paths)
    details: dict[str, Any] = _details(data, mapped)
    if options.changed_lines is not None:
        row, changed = changed_lines(data, mapped, options.changed_lines, ctx)
        rows.append(row)
        details["changed_lines"] = changed
    if options.max_drop is not None:
        rows.append(drop_measurement(rows[0], options.max_drop, options, ctx))
    summary = "; ".join(r.message for r in rows if r.status in (Status.FAIL, Status.ERROR))
    if not summary:
        summary = ", ".join(f"{r.name} {_pct(r.value)}%" for r in rows[:2] if r.value is not None)
    return GateOutcome(summary=summary, measurements=rows, details=details)


# --- loading -----------------------------------------------------------------------------


def _stamps(options: CoverageOptions, ctx: GateContext) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every existing report file, to tell a fresh report from a stale one."""
    stamps: dict[Path, tuple[int, int]] = {}
    for entry in options.report:
        found = ctx.glob([entry]) if any(ch in entry for ch in "*?[") else [ctx.path(entry)]
        for path in found:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def load_reports(options: CoverageOptions, ctx: GateContext) -> CoverageData:
    """Every report named by ``options.report``, parsed and merged."""
    paths: list[Path] = []
    for entry in options.report:
        if any(ch in entry for ch in "*?["):
            found = ctx.glob([entry])
            if not found:
                raise InputError(f"no coverage report matched {entry}")
            paths.extend(found)
        else:
            paths.append(ctx.path(entry))
    reports = []
    seen: dict[str, Path] = {}
    for path in paths:
        data = load_one(path, options.format, ctx.root, lines=options.changed_lines is not None)
        ctx.record(path)
        if len(paths) > 1 and not any(f.lines_valid for f in data.files):
            raise InputError(
                f"{path.name} lists no coverable lines ({len(data.files)} files): that part "
                "measured nothing, and the other reports cannot stand in for it"
            )
        for item in data.files:
            if item.path in seen and seen[item.path] != path:
                raise InputError(
                    f"{item.path} is in both {seen[item.path].name} and {path.name}: "
                    "give each file's coverage once (it would count twice)"
                )
            seen[item.path] = path
        reports.append(data)
    return reports[0] if len(reports) == 1 else merge(reports)


def load_one(path: Path, fmt: str, root: Path, *, lines: bool = True) -> CoverageData:
    """Parse one report, detecting its format by content when ``fmt`` is ``auto``.

    ``lines=False``: Cobertura and LCOV keep only counts, not each file's line numbers.
    """
    from gates.parsers import cobertura, coverage_data, coverage_json, lcov

    kind = detect(_head(path), str(path)) if fmt == "auto" else fmt
    if kind == "cobertura":
        return cobertura.load(path, lines=lines)
    if kind == "lcov":
        return lcov.load(path, lines=lines)
    if kind == "coverage-data":
        return coverage_data.load(path, config_dir=root)
    data = coverage_json.load(path)
    want = {"coverage-json": "coverage.py-json", "istanbul-summary": "istanbul-summary"}
    if fmt in want and data.format != want[fmt]:
        raise InputError(f"{path}: format {fmt} was asked for but the file is {data.format}")
    return data


def _head(path: Path) -> bytes:
    """The first 64 KiB (enough for :func:`detect`), with read_bytes' checks and errors."""
    checked_size(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not head.strip():
        return read_bytes(path)  # whitespace only, or more than 64 KiB of it: read_bytes says
    return head


HEAD_BYTES = 64 * 1024


def detect(data: bytes, name: str) -> str:
    """The format of a report from its first bytes."""
    from gates.parsers import coverage_data

    if data.startswith(coverage_data.SQLITE_MAGIC):
        return "coverage-data"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"<"):
        return "cobertura"
    if head.startswith((b"{", b"[")):
        return "coverage-json"
    if re.search(rb"^(TN|SF):", data[:4096], re.MULTILINE):
        return "lcov"
    raise InputError(
        f"{name}: not a coverage report gates can read (Cobertura XML, LCOV, "
        "coverage.py JSON or data, istanbul coverage-summary.json)"
    )


def merge(reports: Sequence[CoverageData]) -> CoverageData:
    """Several reports as one (e.g. a Python and a JavaScript part); files are concatenated."""
    first = reports[0]
    producers = sorted({r.producer for r in reports})
    return CoverageData(
        format=first.format if len({r.format for r in reports}) == 1 else "mixed",
        producer=producers[0] if len(producers) == 1 else "mixed",
        files=tuple(f for r in reports for f in r.files),
        branch_measured=all(r.branch_measured for r in reports),
        sources=tuple(s for r in reports for s in r.sources),
        warnings=tuple(w for r in reports for w in r.warnings),
    )


# --- paths -------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:/")


def map_path(raw: str, sources: Sequence[str], root: Path) -> str:
    """A report's file name as a project-relative POSIX path (best effort, see module doc)."""
    return _PathMapper(root).map(raw, sources)


class _PathMapper:
    """:func:`map_path` for many files: the root and each directory resolved once (files of a
    report share directories), string paths (no pathlib objects per file)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.resolved = os.path.realpath(root)
        self.prefix = self.resolved.rstrip(os.sep) + os.sep
        self._dirs: dict[str, str] = {}
        self._isdir: dict[str, bool] = {}

    def _realpath(self, path: str) -> str:
        """``os.path.realpath`` with the directory part cached."""
        head, tail = os.path.split(path)
        if not tail or tail in (".", ".."):
            return os.path.realpath(path)
        real_dir = self._dirs.get(head)
        if real_dir is None:
            real_dir = self._dirs[head] = os.path.realpath(head)
        real = os.path.join(real_dir, tail)  # noqa: PTH118 - hot path, str
        return os.path.realpath(real) if os.path.islink(real) else real  # noqa: PTH114

    def _is_file(self, relative: str) -> bool:
        parent = posixpath.dirname(relative)
        if parent:
            known = self._isdir.get(parent)
            if known is None:
                known = self._isdir[parent] = os.path.isdir(f"{self.root}/{parent}")  # noqa: PTH112
            if not known:
                return False
        return os.path.isfile(f"{self.root}/{relative}")  # noqa: PTH113 - hot path, str

    def map(self, raw: str, sources: Sequence[str]) -> str:
        name = raw.replace("\\", "/")
        absolute = name.startswith("/") or bool(_DRIVE.match(name))
        inside: list[str] = []
        if not _DRIVE.match(name):
            bases = [s.rstrip("/") for s in sources if not _DRIVE.match(s)]
            candidates = [name] if absolute else [f"{b}/{name}" for b in bases] + [name]
            for candidate in candidates:
                full = candidate
                if not candidate.startswith("/"):
                    full = os.path.join(self.root, candidate)  # noqa: PTH118 - hot path, str
                real = self._realpath(full)
                if real != self.resolved and not real.startswith(self.prefix):
                    continue
                rel = "." if real == self.resolved else real[len(self.prefix) :]
                rel = rel.replace(os.sep, "/")
                if os.path.exists(real):  # noqa: PTH110 - hot path, str
                    return rel
                inside.append(rel)
        parts = [p for p in name.split("/") if p and not _DRIVE.match(p + "/")]
        for start in range(1, len(parts)):
            suffix = "/".join(parts[start:])
            if self._is_file(suffix):
                return suffix
        if inside:
            return inside[0]
        return name if absolute else posixpath.normpath(name)


def map_files(data: CoverageData, root: Path) -> list[tuple[str, FileCoverage]]:
    """Each file of the report with its project-relative path."""
    mapper = _PathMapper(root)
    return [(mapper.map(f.path, data.sources), f) for f in data.files]


def glob_match(pattern: str, path: str) -> bool:
    """``fnmatch`` with ``**`` spanning directories and ``*`` staying inside one."""
    return _glob_regex(pattern).fullmatch(path) is not None


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("(?s:" + "".join(out) + ")")


# --- comparisons -------------------------------------------------------------------------


def total_measurements(data: CoverageData, thresholds: Thresholds) -> list[Measurement]:
    """``lines`` first (always: ``max_drop`` and the next baseline need it), then the rest."""
    whole = totals(data)
    rows = []
    for metric in METRICS:
        rows.extend(
            _metric_rows(
                metric, metric, whole, getattr(thresholds, metric), data, always=metric == "lines"
            )
        )
    return rows


def path_measurements(
    data: CoverageData, mapped: list[tuple[str, FileCoverage]], paths: dict[str, Thresholds]
) -> list[Measurement]:
    """Per-glob thresholds over the matched files; a glob matching nothing is ``error``."""
    rows: list[Measurement] = []
    for pattern, thresholds in paths.items():
        matched = [f for rel, f in mapped if glob_match(pattern, rel)]
        asked = [m for m in METRICS if getattr(thresholds, m) is not None]
        if not matched:
            for metric in asked or ["lines"]:
                rows.append(
                    compare(
                        f"{metric} [{pattern}]",
                        None,
                        ">=",
                        getattr(thresholds, metric) or 0.0,
                        unit="%",
                        message=f"paths: {pattern!r} matched no file in the coverage report",
                    )
                )
            continue
        sub = totals(data, matched)
        for metric in asked:
            rows.extend(
                _metric_rows(
                    f"{metric} [{pattern}]",
                    metric,
                    sub,
                    getattr(thresholds, metric),
                    data,
                    always=True,
                )
            )
    return rows


def _metric_rows(
    name: str, metric: str, sums: Any, threshold: float | None, data: CoverageData, *, always: bool
) -> list[Measurement]:
    value = sums.percent(metric)
    counts = sums.counts(metric)
    detail = f" ({counts[0]}/{counts[1]})" if counts and value is not None else ""
    if threshold is None:
        if value is None and not always:
            return []
        return [shown(name, value, "%", message=f"{name} {_pct(value)}%{detail}")]
    if value is None:
        return [
            compare(
                name,
                None,
                ">=",
                threshold,
                unit="%",
                message=f"{name}: the report has no {metric} data to compare with "
                f"{_pct(threshold)}% ({_why_missing(metric, data)})",
            )
        ]
    verdict = "meets" if value >= threshold else "misses"
    return [
        compare(
            name,
            value,
            ">=",
            threshold,
            unit="%",
            message=f"{name} {_pct(value, threshold)}%{detail} {verdict} >= "
            f"{_pct(threshold)}% (compared at full precision)",
        )
    ]


def _why_missing(metric: str, data: CoverageData) -> str:
    if metric == "branches" and not data.branch_measured:
        return "branch coverage was not measured; run coverage with --branch"
    if metric in ("branches", "lines", "total"):
        return f"0 {metric} in the report"
    return f"{data.format} reports carry no {metric}"


def _non_blank(ctx: GateContext, path: str, lines: set[int]) -> set[int]:
    """The changed lines of ``path`` that hold something (blank lines are never coverable)."""
    from gates.io.safe import read_text

    try:
        text = read_text(ctx.path(path), allow_empty=True).splitlines()
    except InputError:
        return set(lines)  # unreadable: count every changed line, never fewer
    return {n for n in lines if n > len(text) or text[n - 1].strip()}


def _is_source(path: str, spec: ChangedLines) -> bool:
    return any(glob_match(g, path) for g in spec.source) and not any(
        glob_match(g, path) for g in spec.exclude
    )


def changed_lines(
    data: CoverageData,
    mapped: list[tuple[str, FileCoverage]],
    spec: ChangedLines,
    ctx: GateContext,
) -> tuple[Measurement, dict[str, Any]]:
    """The changed-lines measurement and its per-file table."""
    name = "changed lines"
    base = spec.base or ctx.base_ref
    if not base:
        return _error_row(
            name, spec.min, "changed_lines needs a base: set changed_lines.base or pass --base-ref"
        ), {}
    if not data.has_lines:
        return _error_row(
            name,
            spec.min,
            f"changed_lines needs line-level coverage; {data.format}"
            " has only totals (use lcov, Cobertura or coverage.py JSON)",
        ), {}
    changed = diff_lines(base, ctx)
    by_path = dict(mapped)
    files = []
    covered = coverable = 0
    unseen = []
    for path in sorted(changed):
        item = by_path.get(path)
        if item is None and _is_source(path, spec):
            # the report never saw this source file: nothing of it ran under the tests
            lines = _non_blank(ctx, path, changed[path])
            unseen.append(path)
            coverable += len(lines)
            files.append(
                {
                    "path": path,
                    "covered": 0,
                    "coverable": len(lines),
                    "missed_lines": _ranges(sorted(lines)),
                    "not_in_report": True,
                }
            )
            continue
        if item is None or item.covered_lines is None or item.missed_lines is None:
            continue
        hit = changed[path] & item.covered_lines
        miss = changed[path] & item.missed_lines
        if hit or miss:
            files.append(
                {
                    "path": path,
                    "covered": len(hit),
                    "coverable": len(hit) + len(miss),
                    "missed_lines": _ranges(sorted(miss)),
                }
            )
        covered += len(hit)
        coverable += len(hit) + len(miss)
    table = {
        "base": base,
        "changed_files": len(changed),
        "files": files,
        "not_in_report": sorted(p for p in changed if p not in by_path)[:50],
        "source_files_not_in_report": unseen[:50],
    }
    if coverable == 0:
        message = (
            f"no coverable changed lines: {len(changed)} changed file(s) against {base}, "
            "none with a line the report can cover; nothing to judge, so not a percentage"
        )
        return Measurement(
            name=name,
            value=None,
            unit="%",
            op=">=",
            threshold=spec.min,
            status=Status.PASS,
            message=message,
            rounding="compared at full precision, no rounding",
        ), table
    value = 100.0 * covered / coverable
    verdict = "meets" if value >= spec.min else "misses"
    return compare(
        name,
        value,
        ">=",
        spec.min,
        unit="%",
        message=f"changed lines {_pct(value, spec.min)}% ({covered}/{coverable} vs "
        f"{base}) {verdict} >= {_pct(spec.min)}% (compared at full precision)",
    ), table


def diff_lines(base: str, ctx: GateContext) -> dict[str, set[int]]:
    """Added/changed lines of this checkout against the merge base with ``base``."""
    from gates.parsers import git_diff

    merge_base = ctx.run(["git", "merge-base", base, "HEAD"])
    if merge_base.returncode != 0:
        raise ToolError(f"git merge-base {base} HEAD failed: {_last_line(merge_base.stderr)}")
    commit = merge_base.stdout.strip()
    diff = ctx.run(
        [
            "git",
            "-c",
            "core.quotepath=off",
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--relative",
            commit,
        ]
    )
    if diff.returncode != 0:
        raise ToolError(f"git diff {commit[:12]} failed: {_last_line(diff.stderr)}")
    return git_diff.parse(diff.stdout)


def drop_measurement(
    lines_row: Measurement, max_drop: float, options: CoverageOptions, ctx: GateContext
) -> Measurement:
    """``lines`` drop vs the baseline report's ``lines``; a missing baseline fails closed."""
    name = "lines drop"
    base_row = None
    if ctx.baseline is not None:
        base_row = next((m for m in ctx.baseline.measurements if m.name == "lines"), None)
    if base_row is None or base_row.value is None or lines_row.value is None:
        reason = (
            "no --baseline report was given"
            if not ctx.baseline_given
            else f"the baseline report has no 'lines' measurement for gate {ctx.gate_id!r}"
        )
        if options.baseline_optional:
            return shown(
                name, None, "pp", message=f"max_drop not checked: {reason} (baseline_optional)"
            )
        return compare(
            name, None, "<=", max_drop, unit="pp", message=f"max_drop needs a baseline: {reason}"
        )
    drop = base_row.value - lines_row.value
    verdict = "meets" if drop <= max_drop else "misses"
    return compare(
        name,
        drop,
        "<=",
        max_drop,
        unit="pp",
        change_of=Change(
            quantity="lines", unit="%", baseline=base_row.value, current=lines_row.value
        ),
        message=f"lines {_pct(lines_row.value)}% vs baseline {_pct(base_row.value)}%: "
        f"drop {_pct(drop, max_drop)} pp {verdict} <= {_pct(max_drop)} pp "
        "(compared at full precision)",
    )


def _error_row(name: str, threshold: float, message: str) -> Measurement:
    return compare(name, None, ">=", threshold, unit="%", message=message)


# --- presentation ------------------------------------------------------------------------


def _details(data: CoverageData, mapped: list[tuple[str, FileCoverage]]) -> dict[str, Any]:
    rows = []
    for rel, item in sorted(mapped, key=lambda pair: pair[0])[:500]:
        rows.append(
            {
                "path": rel,
                "lines": f"{item.lines_covered}/{item.lines_valid}",
                "lines_pct": round(100.0 * item.lines_covered / item.lines_valid, 2)
                if item.lines_valid
                else None,
                "branches": f"{item.branches_covered}/{item.branches_valid}"
                if data.branch_measured
                else None,
            }
        )
    return {
        "format": data.format,
        "producer": data.producer,
        "files": rows,
        "file_count": len(mapped),
        "warnings": list(data.warnings),
    }


def _pct(value: float | None, against: float | None = None) -> str:
    """Two decimals, or more when two decimals would print a miss as equal to its threshold."""
    if value is None:
        return "n/a"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if against is not None and value != against and float(text) == against:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def _ranges(numbers: list[int]) -> str:
    """``3-5,9`` for [3, 4, 5, 9] (the first 100 spans)."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in spans[:100])


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "no output"


CHECK = Check(
    type="coverage",
    options=CoverageOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Coverage totals, per-path globs, changed lines vs a base, drop vs baseline",
)
