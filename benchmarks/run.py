"""Benchmark ``gates run`` on large generated evidence against the peers (``nox -s bench``).

For each scale (0.25x, 1x, 2x, 4x by default) it generates the set with ``generate.py`` (cached in
``/tmp/gates-bench/<scale>``), then measures as whole processes (wall time, CPU user+sys, peak
RSS from ``os.wait4``, which counts the child and the processes it waited for):

* ``gates run`` over everything, and each gate alone (``--only ID``);
* the peers on the same files: junitparser (JUnit totals, every case visited), pycobertura
  (``pycobertura show``), squawk (``squawk-cli`` from npm, ``benchmarks/node_modules``),
  detect-secrets (``scan --all-files``);
* ``gates --version`` and ``gates validate`` (best of 5), plus ``-X importtime`` hot spots.

Every figure is the median of ``--repeat`` runs (3; detect-secrets once). Per scale it also
measures where the XML gates' time goes: the parser alone in-process (CPU) and expat alone on the
same file (the floor of a fail-closed read); for start-up, ``python -c pass`` and the import of
pydantic+yaml with one model validated. It prints one table with ratios against the peer
measured in the same run and the targets of issues 8/17 marked ``ok`` or ``MISSED``, then each
gate's fixed cost and cost per 1x (a line through the smallest and largest scale, for gates and
its peer), and every missed target with the measured reason. It exits non-zero only when
something crashed (a gate run exiting 3; a peer that cannot run is shown as ``n/a``), never
because a target was missed.

Each gate evaluates in its own worker process, so the ``parallel efficiency`` row (wall of all
gates / wall of the slowest gate alone; 1.0 is perfect overlap) shows whether the cores are used.

    python benchmarks/run.py [--scales 0.25,1,2,4] [--root /tmp/gates-bench] [--skip-peers]
"""

# ruff: noqa: S108 - a scratch dir under /tmp by default

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script, importable once HERE is on sys.path

PY = sys.executable
MIB = 1024 * 1024


@dataclass
class Sample:
    """One measured process."""

    wall: float
    cpu: float
    rss: int
    """Peak resident set size in bytes."""
    code: int
    out: str = ""
    err: str = ""

    @property
    def rss_mib(self) -> float:
        """Peak RSS in MiB."""
        return self.rss / MIB


LAUNCHER = """
import ctypes, json, os, resource, subprocess, sys, time
# A child subreaper: the forkserver gates starts (and the gate workers it forks) are reparented
# here when gates exits and are reaped below, so RUSAGE_CHILDREN counts their CPU too.
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, _ = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        time.sleep(0.01)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024,
                  os.waitstatus_to_exitcode(status)]), file=sys.stderr)
"""
"""A small process that runs the command and reports its rusage: ``ru_maxrss`` survives fork
and exec, so a child forked straight from this (large) process would inherit our peak. CPU is
the whole tree's, gate workers included; MiB is the largest single process of the tree."""


def measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run ``argv`` to completion; wall clock, CPU (user+sys) and peak RSS of its whole tree."""
    out_path = cwd / ".bench-stdout"
    err_path = cwd / ".bench-stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        subprocess.run(
            [PY, "-S", "-c", LAUNCHER, *argv], cwd=cwd, stdout=out, stderr=err, env=env, check=False
        )
    text_out = out_path.read_text(errors="replace")
    lines = err_path.read_text(errors="replace").rstrip("\n").rsplit("\n", 1)
    out_path.unlink()
    err_path.unlink()
    wall, cpu, rss, code = json.loads(lines[-1])
    return Sample(wall, cpu, rss, code, text_out, lines[0] if len(lines) > 1 else "")


def best(argv: list[str], cwd: Path, times: int) -> Sample:
    """The fastest of ``times`` runs (for start-up times, where noise dominates)."""
    return min((measure(argv, cwd) for _ in range(times)), key=lambda s: s.wall)


REPEAT = 3
SLOW_PEER_SCALES = {0.25, 1.0}
"""Scales at which detect-secrets runs (``--slow-peer-scales``)."""
"""Runs per measured process; the table shows the median by wall time (``--repeat``)."""


def median(argv: list[str], cwd: Path, times: int | None = None) -> Sample:
    """The run with the median wall time of ``times`` (default :data:`REPEAT`) runs."""
    samples = sorted((measure(argv, cwd) for _ in range(times or REPEAT)), key=lambda s: s.wall)
    return samples[len(samples) // 2]


# --- the data set ----------------------------------------------------------------------------


def have_secrets_gate() -> bool:
    """True once the ``secrets`` gate type is registered (it lands later than the others)."""
    from gates.checks import CHECKS

    return "secrets" in CHECKS


def ensure_data(root: Path, scale: float, with_secrets: bool) -> dict[str, object]:
    """Generate the set unless a stamp with the same generator and scale is there."""
    folder = root / f"{scale:g}"
    signature = Path(generate.__file__).read_bytes()
    import hashlib

    digest = hashlib.sha256(signature + repr((scale, with_secrets)).encode()).hexdigest()
    stamp = folder / generate.STAMP
    if stamp.exists():
        facts = json.loads(stamp.read_text())
        if facts.get("digest") == digest:
            return dict(facts)
    print(f"generating scale {scale:g} into {folder} ...", file=sys.stderr, flush=True)
    facts = generate.generate(folder, scale, with_secrets=with_secrets)
    facts["digest"] = digest
    stamp.write_text(json.dumps(facts, indent=1))
    return facts


def gate_ids(folder: Path) -> list[str]:
    """Gate ids of the generated checklist, in order."""
    text = (folder / "checklist.yml").read_text()
    block = text.split("\ngates:\n", 1)[1]
    return re.findall(r"^  ([a-z][a-z0-9-]*):$", block, re.MULTILINE)


# --- gates runs ------------------------------------------------------------------------------


@dataclass
class GateRun:
    """A measured ``gates run`` and the report it wrote."""

    sample: Sample
    report: dict[str, object] = field(default_factory=dict)


def gates_run(folder: Path, only: str | None = None) -> GateRun:
    """``python -m gates run`` over the set (all report formats), measured."""
    out = folder / ("out-all" if only is None else f"out-{only}")
    shutil.rmtree(out, ignore_errors=True)
    argv = [
        PY,
        "-m",
        "gates",
        "run",
        "--checklist",
        "checklist.yml",
        "--out",
        str(out),
        "--no-history",
    ]
    if only:
        argv += ["--only", only]
    else:
        # a team keeps history.jsonl between runs (docs/reports.md): one earlier run leaves the
        # gates' times there, and the measured runs start the longest gates first by them
        measure([a for a in argv if a != "--no-history"], folder)
    sample = median(argv, folder)
    report_path = out / "gate-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return GateRun(sample, report)


def secrets_missed(folder: Path, report: dict[str, object]) -> list[str]:
    """Seeded secrets (path:line) the secrets gate did not report."""
    seeded = json.loads((folder / "seeded-secrets.json").read_text())
    found: set[tuple[str, int]] = set()
    for item in report.get("gates", []):  # type: ignore[attr-defined]
        if item["type"] != "secrets":
            continue
        for finding in item.get("findings", []):
            loc = finding.get("location") or {}
            found.add((loc.get("path", ""), loc.get("line") or 0))
    return [
        f"{s['path']}:{s['line']} ({s['kind']})"
        for s in seeded
        if (s["path"], s["line"]) not in found
    ]


# --- peers -----------------------------------------------------------------------------------

JUNITPARSER = """
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
t = f = e = s = 0
for suite in xml:
    for case in suite:
        t += 1
        for r in case.result:
            if isinstance(r, Failure): f += 1
            elif isinstance(r, Error): e += 1
            elif isinstance(r, Skipped): s += 1
print(t, f, e, s)
"""


def peer(name: str, folder: Path) -> Sample | None:
    """Run one peer on the same files; None when it is not installed."""
    bin_dir = Path(PY).parent
    if name == "junitparser":
        return median([PY, "-c", JUNITPARSER, "reports/junit.xml"], folder)
    if name == "pycobertura":
        exe = bin_dir / "pycobertura"
        if not exe.exists():
            return None
        return median([str(exe), "show", "--format", "json", "reports/cobertura.xml"], folder)
    if name == "squawk":
        exe = HERE / "node_modules" / ".bin" / "squawk"
        if not exe.exists():
            return None
        files = sorted(
            str(p.relative_to(folder)) for p in (folder / "supabase" / "migrations").glob("*.sql")
        )
        return median([str(exe), *files], folder)
    if name == "detect-secrets":
        exe = bin_dir / "detect-secrets"
        if not exe.exists():
            return None
        # once: 15-60 s a run, and 10-30x away from its target, so noise cannot decide it
        return median([str(exe), "scan", "--all-files", "src/app"], folder, times=1)
    raise ValueError(name)


def peer_secrets_missed(folder: Path, sample: Sample) -> int:
    """How many seeded secrets detect-secrets missed (for the record)."""
    seeded = json.loads((folder / "seeded-secrets.json").read_text())
    results = json.loads(sample.out).get("results", {})
    found = {(p, r["line_number"]) for p, rows in results.items() for r in rows}
    return sum((s["path"], s["line"]) not in found for s in seeded)


# --- floors: where the time of a gate goes ---------------------------------------------------

EXPAT_ALONE = """
import sys
from xml.parsers import expat
parser = expat.ParserCreate()
with open(sys.argv[1], "rb") as fh:
    while chunk := fh.read(1 << 20):
        parser.Parse(chunk, False)
parser.Parse(b"", True)
"""
"""The physical floor of any fail-closed XML read: expat's C parser, no Python handler."""

IN_PROCESS = """
import sys, time
from pathlib import Path
path = Path(sys.argv[2])
if sys.argv[1] == "cobertura":
    from gates.parsers.cobertura import load
    run = lambda p: load(p, lines=False)
else:
    from gates.parsers.junit import load
    run = load
start = time.process_time()
run(path)
print(f"{time.process_time() - start:.4f}")
"""
"""The parser alone, in-process: CPU seconds of the parse, without start-up and reports."""

FLOOR_FILES = {"coverage-cobertura": "reports/cobertura.xml", "tests": "reports/junit.xml"}


def floor_rows(folder: Path, label: str) -> list[Row]:
    """Per XML gate: the parse alone (in-process CPU) and expat alone (whole process)."""
    rows = []
    for gid, report in FLOOR_FILES.items():
        kind = "cobertura" if gid == "coverage-cobertura" else "junit"
        parse = median([PY, "-c", IN_PROCESS, kind, report], folder)
        try:
            cpu = float(parse.out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            cpu = float("nan")
        expat_alone = median([PY, "-S", "-c", EXPAT_ALONE, report], folder)
        rows.append(
            Row(f"    {gid}: parse alone", label, parse, note=f"parse {cpu:.3f} s CPU", gid=gid)
        )
        rows.append(Row(f"    {gid}: expat alone", label, expat_alone, gid=gid))
    return rows


WORK_FLOORS = """
import json, sys, time, zlib
from pathlib import Path
from xml.parsers import expat
import pglast.parser  # imported before the clock: start-up is counted apart


def cpu(work):
    work()  # the files in the page cache
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def expat_alone(name):
    def work():
        parser = expat.ParserCreate()
        with open(name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return work


def lines(name):
    return lambda: Path(name).read_bytes().splitlines()


def json_load(name):
    return lambda: json.loads(Path(name).read_bytes())


def parse_each(folder):
    files = sorted(Path(folder).glob("*.sql"))
    return lambda: [pglast.parser.parse_sql(p.read_text()) for p in files]


def gzip_each(folder):
    def work():
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                packer = zlib.compressobj(9, zlib.DEFLATED, 31)
                packer.compress(path.read_bytes()) + packer.flush()
    return work


def read_each(folder):
    return lambda: [p.read_bytes().decode("utf-8", "surrogateescape")
                    for p in sorted(Path(folder).rglob("*")) if p.is_file()]


floors = {
    "tests": expat_alone("reports/junit.xml"),
    "coverage-cobertura": expat_alone("reports/cobertura.xml"),
    "coverage-lcov": lines("reports/lcov.info"),
    "sast": json_load("reports/bandit.json"),
    "migrations": parse_each("supabase/migrations"),
    "bundle": gzip_each("build/client"),
    "secrets": read_each("src/app"),
}
print(json.dumps({gid: cpu(work) for gid, work in floors.items()}))
"""
"""The least work each bench gate's verdict needs, in the C the standard library and the gate's
own C libraries offer, none of gates' code: expat over the XML, the LCOV split into lines,
bandit's JSON loaded, every migration through libpg_query, every build file gzipped at level 9
(the one metric the bench's budgets need for every file), every scanned source read and
decoded. CPU seconds of the best of three, files in the page cache."""


def work_floor_rows(folder: Path, label: str) -> list[Row]:
    """One row per gate: the CPU of its work floor (:data:`WORK_FLOORS`), and their sum."""
    sample = measure([PY, "-c", WORK_FLOORS], folder)
    try:
        floors: dict[str, float] = json.loads(sample.out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [Row("    work floors", label, sample, note="did not run: " + sample.err[-200:])]
    rows = [
        Row(f"    {gid}: work floor", label, None, note=f"{cpu:.3f} s CPU", gid=f"floor:{gid}")
        for gid, cpu in floors.items()
    ]
    total = sum(floors.values())
    rows.append(
        Row("    all gates: work floor", label, None, note=f"{total:.3f} s CPU", gid="floor:(all)")
    )
    return rows


# --- start-up --------------------------------------------------------------------------------


def import_hotspots(folder: Path, argv: list[str], top: int = 8) -> list[tuple[str, float]]:
    """The slowest imports (cumulative ms) of ``python -X importtime -m gates ...``."""
    sample = measure([PY, "-X", "importtime", "-m", "gates", *argv], folder)
    rows: dict[str, float] = {}
    for line in sample.err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 10:
            rows[m.group(4)] = int(m.group(2)) / 1000
    interesting = {k: v for k, v in rows.items() if k.startswith("gates") or "." not in k}
    return sorted(interesting.items(), key=lambda kv: -kv[1])[:top]


# --- the table -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the result table."""

    what: str
    scale: str
    gates: Sample | None
    peer: Sample | None = None
    peer_name: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""
    gid: str = ""
    """The gate of an ``--only`` row (or ``(all)``, ``efficiency``, ``version``, ``validate``)."""


def fmt(sample: Sample | None) -> tuple[str, str, str]:
    if sample is None:
        return ("n/a", "", "")
    return (f"{sample.wall:7.3f}", f"{sample.cpu:6.2f}", f"{sample.rss_mib:6.0f}")


def print_table(rows: list[Row]) -> None:
    head = (
        f"{'measure':28} {'scale':>5} {'wall s':>7} {'cpu s':>6} {'MiB':>6} | "
        f"{'peer':14} {'wall s':>7} {'cpu s':>6} {'MiB':>6} {'ratio':>7} | target / result"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        g = fmt(row.gates)
        p = fmt(row.peer) if row.peer_name else ("", "", "")
        ratio = ""
        if row.gates and row.peer:
            ratio = f"{row.peer.wall / row.gates.wall:6.2f}x"
        verdict = "" if row.ok is None else ("ok" if row.ok else "MISSED")
        print(
            f"{row.what:28} {row.scale:>5} {g[0]:>7} {g[1]:>6} {g[2]:>6} | "
            f"{row.peer_name:14} {p[0]:>7} {p[1]:>6} {p[2]:>6} {ratio:>7} | "
            f"{row.target} {verdict} {row.note}".rstrip()
        )
    print("ratio = peer wall / gates wall (above 1: gates is faster)")


# --- main ------------------------------------------------------------------------------------

PEER_OF = {
    "tests": "junitparser",
    "coverage-cobertura": "pycobertura",
    "migrations": "squawk",
    "secrets": "detect-secrets",
}


def bench_scale(
    folder: Path,
    scale: float,
    skip_peers: bool,
    rows: list[Row],
    per_gate: dict[str, dict[float, float]],
) -> bool:
    """All measurements at one scale; returns False when something crashed."""
    crashed = False
    label = f"{scale:g}x"
    whole = gates_run(folder)
    crashed |= whole.sample.code not in (0, 1)
    rows.append(
        Row(
            "gates run (all gates)",
            label,
            whole.sample,
            target="< 2.5 s, < 400 MiB" if scale == 1 else "",
            ok=(whole.sample.wall < 2.5 and whole.sample.rss_mib < 400) if scale == 1 else None,
            note=f"verdict {whole.report.get('verdict', 'NONE')}, exit {whole.sample.code}",
            gid="(all)",
        )
    )
    per_gate.setdefault("(all)", {})[scale] = whole.sample.cpu
    slowest: tuple[float, str] = (0.0, "")
    for gid in gate_ids(folder):
        alone = gates_run(folder, gid)
        slowest = max(slowest, (alone.sample.wall, gid))
        crashed |= alone.sample.code not in (0, 1)
        per_gate.setdefault(gid, {})[scale] = alone.sample.cpu
        statuses = [g for g in alone.report.get("gates", []) if g["id"] == gid]  # type: ignore[attr-defined]
        status = statuses[0]["status"] if statuses else "NO REPORT"
        if status == "error":
            status += f" ({statuses[0].get('error', '')[:60]})"
        row = Row(f"  --only {gid}", label, alone.sample, note=status, gid=gid)
        peer_name = PEER_OF.get(gid, "")
        if peer_name == "detect-secrets" and scale not in SLOW_PEER_SCALES:
            peer_name = ""  # minutes per run above 1x; its target is met 10-50x over
        if peer_name and not skip_peers:
            row.peer_name = peer_name
            row.peer = peer(peer_name, folder)
            if row.peer is not None:
                ratio = row.peer.wall / alone.sample.wall
                row.target, row.ok = _target(gid, ratio)
                if gid == "secrets":
                    missed = secrets_missed(folder, alone.report)
                    row.ok = bool(row.ok and not missed)
                    row.note += (
                        f"; seeded missed: gates {len(missed)}, "
                        f"detect-secrets {peer_secrets_missed(folder, row.peer)}"
                    )
                    if missed:
                        row.note += " e.g. " + ", ".join(missed[:3])
        rows.append(row)
    if slowest[0] > 0:
        efficiency = whole.sample.wall / slowest[0]
        rows.append(
            Row(
                "parallel efficiency",
                label,
                None,
                target="<= 1.3x the slowest gate alone" if scale == 1 else "",
                ok=efficiency <= 1.3 if scale == 1 else None,
                note=f"all {whole.sample.wall:.2f}s / {slowest[1]} alone {slowest[0]:.2f}s "
                f"= {efficiency:.2f}",
                gid="efficiency",
            )
        )
    rows.extend(floor_rows(folder, label))
    rows.extend(work_floor_rows(folder, label))
    return not crashed


def _target(gid: str, ratio: float) -> tuple[str, bool]:
    if gid == "tests":
        return ">= 1x junitparser", ratio >= 1.0
    if gid == "coverage-cobertura":
        return ">= 2x pycobertura", ratio >= 2.0
    if gid == "migrations":
        return "within 3x squawk", ratio >= 1 / 3
    if gid == "secrets":
        return ">= 10x detect-secrets, none missed", ratio >= 10.0
    return "", True


def linear_rows(per_gate: dict[str, dict[float, float]], scales: list[float]) -> None:
    """Growth per gate: wall time at each scale over the 1x time (linear: 0.25, 1, 2)."""
    if 1.0 not in scales:
        return
    print(
        "\ngrowth (CPU s / CPU s at 1x, steadier than wall on a busy machine; linear cost gives "
        + ", ".join(f"{s:g}" for s in scales)
        + "; start-up makes small sizes look dearer)"
    )
    for gid, by_scale in per_gate.items():
        base = by_scale.get(1.0)
        if not base:
            continue
        cells = "  ".join(f"{s:g}x: {by_scale[s] / base:5.2f}" for s in scales if s in by_scale)
        superlinear = any(by_scale[s] / base > s * 1.2 for s in by_scale if s > 1)
        print(f"  {gid:22} {cells}{'  SUPERLINEAR' if superlinear else ''}")


# --- fixed cost, cost per 1x, and why a target is missed ---------------------------------------


@dataclass(frozen=True)
class Fit:
    """wall = fixed + per_x * scale, through the smallest and the largest scale measured."""

    fixed: float
    per_x: float


def fit(points: dict[float, float]) -> Fit | None:
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    per_x = (points[high] - points[low]) / (high - low)
    return Fit(points[low] - per_x * low, per_x)


def _scale(label: str) -> float:
    return float(label.rstrip("x"))


def fits(rows: list[Row]) -> dict[str, tuple[Fit | None, Fit | None]]:
    """Per gate with a peer: (gates fit, peer fit) of the ``--only`` rows' wall times."""
    gates_points: dict[str, dict[float, float]] = {}
    peer_points: dict[str, dict[float, float]] = {}
    for row in rows:
        if not row.what.startswith("  --only") or row.gates is None:
            continue
        gates_points.setdefault(row.gid, {})[_scale(row.scale)] = row.gates.wall
        if row.peer is not None:
            peer_points.setdefault(row.gid, {})[_scale(row.scale)] = row.peer.wall
    return {
        gid: (fit(points), fit(peer_points.get(gid, {})))
        for gid, points in gates_points.items()
        if gid in PEER_OF
    }


def print_fits(table: dict[str, tuple[Fit | None, Fit | None]]) -> None:
    print(
        "\nfixed cost and cost per 1x of data (wall s, line through the smallest and largest "
        "scale;\nthe fixed part of gates is start-up, checklist, worker and reports)"
    )
    for gid, (ours, theirs) in table.items():
        if ours is None:
            continue
        line = f"  {gid:22} gates fixed {ours.fixed:6.3f} + {ours.per_x:6.3f}/x"
        if theirs is not None:
            ratio = theirs.per_x / ours.per_x if ours.per_x > 0 else float("inf")
            line += (
                f" | {PEER_OF[gid]:14} fixed {theirs.fixed:6.3f} + {theirs.per_x:6.3f}/x"
                f" | per-1x ratio {ratio:5.2f}x"
            )
        print(line)


def reasons(rows: list[Row], table: dict[str, tuple[Fit | None, Fit | None]]) -> None:
    """Each missed target with what this run measured about it."""
    by_key = {(r.what.strip(), r.scale): r for r in rows}
    cpus = os.cpu_count() or 1
    for row in rows:
        if row.ok is not False:
            continue
        why = ""
        if row.gid in PEER_OF and row.gates is not None:
            ours, theirs = table.get(row.gid, (None, None))
            if ours is not None and theirs is not None:
                why = (
                    f"gates = {ours.fixed:.2f} s fixed + {ours.per_x:.2f} s per 1x, "
                    f"{row.peer_name} = {theirs.fixed:.2f} s + {theirs.per_x:.2f} s per 1x"
                )
            parse = by_key.get((f"{row.gid}: parse alone", row.scale))
            floor = by_key.get((f"{row.gid}: expat alone", row.scale))
            if parse is not None and floor is not None and floor.gates is not None:
                why += f"; {parse.note} in-process, expat alone {floor.gates.cpu:.3f} s CPU"
        elif row.gid in ("(all)", "efficiency"):
            alone = [
                r.gates
                for r in rows
                if r.scale == row.scale and r.what.startswith("  --only") and r.gates is not None
            ]
            total = sum(a.wall for a in alone)
            slowest = max((a.wall for a in alone), default=0.0)
            why = (
                f"the gates alone sum to {total:.2f} s wall: on {cpus} CPUs the run is at "
                f">= {total / cpus:.2f} s with perfect overlap, "
                f"{total / cpus / slowest if slowest else 0:.2f}x the slowest gate alone "
                f"({slowest:.2f} s), each alone paying its own start-up"
            )
            whole = by_key.get(("gates run (all gates)", row.scale))
            floor = by_key.get(("all gates: work floor", row.scale))
            models = by_key.get(("floor: import pydantic+yaml", "-"))
            if whole is not None and whole.gates is not None and floor is not None:
                floor_cpu = float(floor.note.split()[0])
                why += (
                    f"; the run's CPU is {whole.gates.cpu:.2f} s, the gates' work floor "
                    f"{floor_cpu:.2f} s (C alone, no gates code)"
                )
                if models is not None and models.gates is not None:
                    why += (
                        f": at that floor on {cpus} CPUs a run is >= "
                        f"{models.gates.wall + floor_cpu / cpus:.2f} s"
                    )
        elif row.gid in ("version", "validate"):
            bare = by_key.get(("floor: python -c pass", "-"))
            models = by_key.get(("floor: import pydantic+yaml", "-"))
            if bare is not None and bare.gates is not None:
                why = f"python -c pass alone takes {bare.gates.wall * 1000:.0f} ms"
            if row.gid == "validate" and models is not None and models.gates is not None:
                ms = models.gates.wall * 1000
                why += f", importing pydantic+yaml and validating one model {ms:.0f} ms"
        print(f"  MISSED {row.what.strip()} {row.scale}: {row.target}: {why}")


ONE_MODEL = """
import yaml
from pydantic import BaseModel
class One(BaseModel):
    x: int = 1
One(x=2)
"""
"""The floor of a command that validates YAML with pydantic: its imports and its first model
(which imports pydantic's schema machinery and looks for pydantic plugins). None of gates."""


def startup(folder: Path, rows: list[Row]) -> None:
    version = best([PY, "-m", "gates", "--version"], folder, 5)
    validate = best([PY, "-m", "gates", "validate", "checklist.yml"], folder, 5)
    bare = best([PY, "-c", "pass"], folder, 5)
    models = best([PY, "-c", ONE_MODEL], folder, 5)
    rows.append(Row("  floor: python -c pass", "-", bare))
    rows.append(Row("  floor: import pydantic+yaml", "-", models, note="and validate one model"))
    rows.append(
        Row(
            "gates --version",
            "-",
            version,
            target="< 60 ms",
            ok=version.wall < 0.060,
            gid="version",
        )
    )
    rows.append(
        Row(
            "gates validate",
            "-",
            validate,
            target="< 150 ms",
            ok=validate.wall < 0.150,
            note=f"exit {validate.code}",
            gid="validate",
        )
    )


EXAMPLE = HERE.parent / "examples" / "shop-web"


def example_dry_run(root: Path, rows: list[Row], data_rows: int = 200_000) -> None:
    """The example's migrations gate (dry run on an ephemeral PostgreSQL) without and with
    ``data: {rows: N}`` and ``probe:`` (issue 19): one row."""
    folder = root / "example-dry-run"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(EXAMPLE / "supabase", folder / "supabase")
    samples = {}
    for label, extra in (
        ("plain", ""),
        ("data", f", data: {{rows: {data_rows}}}, probe: {{interval: 50ms, max_blocked: 500ms}}"),
    ):
        (folder / "checklist.yml").write_text(
            "version: 1\nproject: example-dry-run\ngates:\n  migrations:\n"
            "    type: migrations\n    dir: supabase/migrations\n    down: supabase/rollbacks\n"
            f"    dry_run: {{database: ephemeral, preset: supabase{extra}}}\n"
        )
        samples[label] = gates_run(folder).sample
    plain, data = samples["plain"], samples["data"]
    rows.append(
        Row(
            f"example dry run, +{data_rows // 1000}k rows",
            "-",
            data,
            plain,
            "same, no data",
            target="seconds, not minutes",
            ok=data.wall < 60,
            note=f"exit {plain.code}/{data.code}",
        )
    )


def byte_compile() -> None:
    """Measure gates as installed, with its bytecode cached: ``pip install`` writes it, but an
    editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on the machine these figures come
    from) recompiled every module of every gates process from source (0.1-0.3 s each)."""
    import compileall

    import gates

    compileall.compile_dir(Path(gates.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    global REPEAT  # one setting for every measurement of the run
    parser = argparse.ArgumentParser(description="gates benchmark (issue 8)")
    parser.add_argument("--scales", default="0.25,1,2,4")
    parser.add_argument("--root", type=Path, default=Path("/tmp/gates-bench"))
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per figure (median)")
    parser.add_argument("--no-example", action="store_true", help="skip the example dry run")
    parser.add_argument(
        "--slow-peer-scales", default="0.25,1", help="scales at which detect-secrets runs"
    )
    args = parser.parse_args(argv)
    REPEAT = max(1, args.repeat)
    SLOW_PEER_SCALES.clear()
    SLOW_PEER_SCALES.update(float(x) for x in args.slow_peer_scales.split(",") if x)
    scales = [float(s) for s in args.scales.split(",")]
    byte_compile()
    with_secrets = have_secrets_gate()
    rows: list[Row] = []
    per_gate: dict[str, dict[float, float]] = {}
    ok = True
    folders = {s: args.root / f"{s:g}" for s in scales}
    for scale in scales:
        facts = ensure_data(args.root, scale, with_secrets)
        print(
            f"scale {scale:g}: {json.dumps({k: v for k, v in facts.items() if k != 'digest'})}",
            file=sys.stderr,
            flush=True,
        )
    for scale in scales:
        ok &= bench_scale(folders[scale], scale, args.skip_peers, rows, per_gate)
    startup(folders[scales[0]], rows)
    if not args.no_example:
        example_dry_run(args.root, rows)
    print(
        f"\ngates benchmark on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        f"{'' if with_secrets else ' (secrets gate not registered yet: not measured)'}\n"
    )
    print_table(rows)
    linear_rows(per_gate, scales)
    print("\nslowest imports (cumulative ms), python -X importtime -m gates ...")
    for argv_ in (["--version"], ["validate", "checklist.yml"]):
        spots = ", ".join(
            f"{name} {ms:.0f}" for name, ms in import_hotspots(folders[scales[0]], argv_)
        )
        print(f"  gates {' '.join(argv_)}: {spots}")
    table = fits(rows)
    print_fits(table)
    missed = [r for r in rows if r.ok is False]
    print(f"\n{len(missed)} target(s) MISSED" if missed else "\nall targets met")
    reasons(rows, table)
    if not ok:
        print("CRASH: a gates run exited with an internal error (exit 3 or a signal)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
