"""Generate the large evidence set of the benchmark (issue 8): deterministic, seeded, offline.

At scale 1 (``--scale 1``) it writes into ``/tmp/gates-bench/1`` (``--out`` to change):

=======================================  =====================================================
``reports/junit.xml``                    JUnit XML, 50,000 test cases in 500 suites
``reports/cobertura.xml``                Cobertura XML, 3,000 files x 200 lines, with branches
``reports/lcov.info``                    LCOV of the same data (``BRDA`` branch records)
``reports/bandit.json``                  bandit JSON, 10,000 results
``supabase/migrations/*.sql``            500 migrations of six statements each
``build/client/``                        Vite client output: 2,000 chunks, ``.vite/manifest.json``
``src/app/**``                           2,000 source files (16 MB) with seeded secrets
``seeded-secrets.json``                  where each seeded secret is (path, line, kind)
``checklist.yml``                        one gate per kind of evidence over all of the above
=======================================  =====================================================

Every count scales linearly with ``--scale`` (0.25, 1, 2 in the benchmark). The same seed gives
byte-identical files, so runs on different machines judge the same work.
"""

# ruff: noqa: S311, S108 - seeded test data (not crypto) in a scratch dir under /tmp

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import shutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20240817
STAMP = "generated.json"

JUNIT_CASES = 50_000
COVERAGE_FILES = 3_000
COVERAGE_LINES = 200
BANDIT_RESULTS = 10_000
MIGRATIONS = 500
CHUNKS = 2_000
SOURCE_FILES = 2_000
SOURCE_BYTES = 16_000_000
SECRETS_EVERY = 20
"""One source file in this many carries a seeded secret."""


@dataclass(frozen=True)
class Sizes:
    """Counts at one scale."""

    scale: float

    def n(self, base: int) -> int:
        """``base`` scaled, at least 1."""
        return max(1, round(base * self.scale))


def _word(rng: random.Random, low: int = 4, high: int = 10) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(low, high)))


# --- JUnit -----------------------------------------------------------------------------------


def junit(path: Path, sizes: Sizes, rng: random.Random) -> dict[str, int]:
    """JUnit XML (pytest-like shape); returns the totals a correct parser must find."""
    cases = sizes.n(JUNIT_CASES)
    suites = max(1, cases // 100)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        for s in range(suites):
            count = cases // suites + (1 if s < cases % suites else 0)
            body: list[str] = []
            counts = {"failures": 0, "errors": 0, "skipped": 0}
            for c in range(count):
                name = f"test_{_word(rng)}_{c}"
                cls = f"tests.pkg{s % 40}.test_mod{s}"
                head = (
                    f'    <testcase classname="{cls}" name="{name}" '
                    f'file="tests/pkg{s % 40}/test_mod{s}.py" line="{10 + c * 7}" '
                    f'time="{rng.random() / 50:.4f}"'
                )
                roll = rng.random()
                if roll < 0.002:
                    counts["failures"] += 1
                    body.append(
                        f'{head}>\n      <failure message="assert 1 == 2">'
                        f"Traceback\nAssertionError: assert 1 == 2</failure>\n    </testcase>"
                    )
                elif roll < 0.003:
                    counts["errors"] += 1
                    body.append(
                        f'{head}>\n      <error message="fixture boom">E</error>\n    </testcase>'
                    )
                elif roll < 0.013:
                    counts["skipped"] += 1
                    body.append(
                        f'{head}>\n      <skipped message="not on linux"/>\n    </testcase>'
                    )
                else:
                    body.append(f"{head}/>")
            out.write(
                f'  <testsuite name="suite{s}" tests="{count}" failures="{counts["failures"]}" '
                f'errors="{counts["errors"]}" skipped="{counts["skipped"]}" '
                f'time="{count / 100:.3f}" timestamp="2024-08-17T12:00:00">\n'
            )
            out.write("\n".join(body))
            out.write("\n  </testsuite>\n")
            totals["tests"] += count
            for key, value in counts.items():
                totals[key] += value
        out.write("</testsuites>\n")
    return totals


# --- coverage --------------------------------------------------------------------------------


@dataclass
class FileCov:
    """Line hits and branch (covered, total) of one generated file."""

    name: str
    hits: list[int]
    branches: dict[int, tuple[int, int]]


def coverage_files(sizes: Sizes, rng: random.Random) -> Iterator[FileCov]:
    """3,000 x scale files of 200 lines; every 10th line is a two-way branch."""
    for i in range(sizes.n(COVERAGE_FILES)):
        name = f"src/lib/pkg{i // 50}/module_{i}.py"
        cold = rng.random() < 0.1
        hits = [
            0 if cold or rng.random() < 0.15 else rng.randint(1, 40) for _ in range(COVERAGE_LINES)
        ]
        branches = {}
        for line in range(10, COVERAGE_LINES + 1, 10):
            taken = 0 if hits[line - 1] == 0 else rng.choice((1, 2, 2, 2))
            branches[line] = (taken, 2)
        yield FileCov(name, hits, branches)


def covered_sources(root: Path, files: list[FileCov]) -> None:
    """The source files the coverage reports name (the coverage gate refuses a report of
    another source tree), one statement per measured line."""
    body = "".join(f"x{n} = {n}\n" for n in range(COVERAGE_LINES))
    for cov in files:
        path = root / cov.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


def cobertura(path: Path, files: list[FileCov]) -> dict[str, float]:
    """Cobertura XML (coverage.py 7 shape); returns the line and branch rates."""
    lines_valid = sum(len(f.hits) for f in files)
    lines_covered = sum(1 for f in files for h in f.hits if h)
    br_valid = sum(t for f in files for _, t in f.branches.values())
    br_covered = sum(c for f in files for c, _ in f.branches.values())
    rate = lines_covered / lines_valid
    brate = br_covered / br_valid
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" ?>\n'
            f'<coverage version="7.6.1" timestamp="1723896000000" lines-valid="{lines_valid}" '
            f'lines-covered="{lines_covered}" line-rate="{rate:.4f}" branches-valid="{br_valid}" '
            f'branches-covered="{br_covered}" branch-rate="{brate:.4f}" complexity="0">\n'
            "\t<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->\n"
            "\t<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/"
            "coverage-04.dtd -->\n"
            "\t<sources>\n\t\t<source>.</source>\n\t</sources>\n\t<packages>\n"
        )
        by_pkg: dict[str, list[FileCov]] = {}
        for f in files:
            by_pkg.setdefault(f.name.rsplit("/", 1)[0], []).append(f)
        for pkg, members in by_pkg.items():
            out.write(
                f'\t\t<package name="{pkg.replace("/", ".")}" line-rate="0" branch-rate="0" '
                'complexity="0">\n\t\t\t<classes>\n'
            )
            for f in members:
                out.write(
                    f'\t\t\t\t<class name="{f.name.rsplit("/", 1)[1]}" filename="{f.name}" '
                    'complexity="0" line-rate="0" branch-rate="0">\n'
                    "\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n"
                )
                rows = []
                for no, hit in enumerate(f.hits, start=1):
                    if no in f.branches:
                        c, t = f.branches[no]
                        # coverage.py names the exits not taken (here: the next lines)
                        missing = ",".join(str(no + 1 + k) for k in range(t - c))
                        rows.append(
                            f'\t\t\t\t\t\t<line number="{no}" hits="{hit}" branch="true" '
                            f'condition-coverage="{100 * c // t}% ({c}/{t})"'
                            + (f' missing-branches="{missing}"' if missing else "")
                            + "/>"
                        )
                    else:
                        rows.append(f'\t\t\t\t\t\t<line number="{no}" hits="{hit}"/>')
                out.write("\n".join(rows))
                out.write("\n\t\t\t\t\t</lines>\n\t\t\t\t</class>\n")
            out.write("\t\t\t</classes>\n\t\t</package>\n")
        out.write("\t</packages>\n</coverage>\n")
    return {"line_rate": rate, "branch_rate": brate, "lines": lines_valid, "branches": br_valid}


def lcov(path: Path, files: list[FileCov]) -> None:
    """LCOV tracefile (genhtml / c8 shape) of the same data."""
    with path.open("w", encoding="utf-8") as out:
        for f in files:
            rows = ["TN:", f"SF:{f.name}"]
            rows += [f"DA:{no},{hit}" for no, hit in enumerate(f.hits, start=1)]
            for no, (c, t) in f.branches.items():
                for b in range(t):
                    taken = "-" if f.hits[no - 1] == 0 else ("1" if b < c else "0")
                    rows.append(f"BRDA:{no},0,{b},{taken}")
            rows.append(f"BRF:{sum(t for _, t in f.branches.values())}")
            rows.append(f"BRH:{sum(c for c, _ in f.branches.values())}")
            rows.append(f"LF:{len(f.hits)}")
            rows.append(f"LH:{sum(1 for h in f.hits if h)}")
            rows.append("end_of_record")
            out.write("\n".join(rows) + "\n")


# --- bandit ----------------------------------------------------------------------------------

_BANDIT_TESTS = [
    ("B101", "assert_used", "LOW", "HIGH", 703, "Use of assert detected."),
    ("B105", "hardcoded_password_string", "LOW", "MEDIUM", 259, "Possible hardcoded password."),
    ("B311", "blacklist", "LOW", "HIGH", 330, "Standard pseudo-random generators are unsafe."),
    ("B603", "subprocess_without_shell_equals_true", "LOW", "HIGH", 78, "subprocess call."),
    ("B608", "hardcoded_sql_expressions", "MEDIUM", "LOW", 89, "Possible SQL injection."),
    ("B324", "hashlib", "HIGH", "HIGH", 327, "Use of weak MD5 hash for security."),
]


def bandit(path: Path, sizes: Sizes, rng: random.Random) -> dict[str, int]:
    """bandit 1.7 ``-f json`` output; returns counts by severity."""
    results = []
    by_sev = {"LOW": 0, "MEDIUM": 0, "HIGH": 0}
    for i in range(sizes.n(BANDIT_RESULTS)):
        test_id, test_name, sev, conf, cwe, text = rng.choice(_BANDIT_TESTS)
        line = rng.randint(1, 400)
        fname = f"scripts/pkg{i % 97}/tool_{i // 10}.py"
        by_sev[sev] += 1
        results.append(
            {
                "code": f"{line - 1} def f():\n{line}     x = call_{i}()\n{line + 1}     return\n",
                "col_offset": 4,
                "end_col_offset": 20,
                "filename": fname,
                "issue_confidence": conf,
                "issue_cwe": {
                    "id": cwe,
                    "link": f"https://cwe.mitre.org/data/definitions/{cwe}.html",
                },
                "issue_severity": sev,
                "issue_text": text,
                "line_number": line,
                "line_range": [line],
                "more_info": f"https://bandit.readthedocs.io/en/1.7.9/plugins/{test_id.lower()}.html",
                "test_id": test_id,
                "test_name": test_name,
            }
        )
    doc = {
        "errors": [],
        "generated_at": "2024-08-17T12:00:00Z",
        "metrics": {
            "_totals": {
                "loc": 400 * len(results),
                "nosec": 0,
                **{f"SEVERITY.{k}": v for k, v in by_sev.items()},
            }
        },
        "results": results,
    }
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return by_sev


# --- migrations ------------------------------------------------------------------------------


def migrations(folder: Path, sizes: Sizes, rng: random.Random) -> int:
    """Supabase-style ``<timestamp>_<name>.sql`` files of six statements each."""
    folder.mkdir(parents=True, exist_ok=True)
    count = sizes.n(MIGRATIONS)
    for i in range(count):
        table = f"t{i}_{_word(rng, 3, 6)}"
        stamp = (
            f"2024{1 + i // 2000 % 12:02d}{1 + i // 100 % 28:02d}{i // 60 % 24:02d}{i % 60:02d}00"
        )
        sql = f"""-- migration {i}: {table}
create table public.{table} (
  id bigint generated always as identity primary key,
  owner uuid not null,
  title text not null,
  created_at timestamptz not null default now()
);
alter table public.{table} enable row level security;
create policy "{table} owner" on public.{table} for select using (owner = auth.uid());
create index concurrently if not exists {table}_owner_idx on public.{table} (owner);
alter table public.{table} add column note varchar(255);
comment on table public.{table} is 'benchmark table {i}';
"""
        (folder / f"{stamp}_create_{table}.sql").write_text(sql, encoding="utf-8")
    return count


# --- Vite client output ----------------------------------------------------------------------


def vite(folder: Path, sizes: Sizes, rng: random.Random) -> dict[str, int]:
    """A client output dir of chunks (JS with some CSS) and its ``.vite/manifest.json``."""
    assets = folder / "_app" / "immutable"
    (assets / "chunks").mkdir(parents=True, exist_ok=True)
    (assets / "assets").mkdir(parents=True, exist_ok=True)
    (folder / ".vite").mkdir(parents=True, exist_ok=True)
    count = sizes.n(CHUNKS)
    manifest: dict[str, dict[str, object]] = {}
    total = 0
    vocabulary = [_word(rng, 3, 12) for _ in range(400)]
    for i in range(count):
        digest = hashlib.sha256(f"{SEED}-{i}".encode()).hexdigest()[:8]
        size = int(rng.lognormvariate(7.8, 0.9))  # median ~2.4 kB, long tail like real builds
        body = _javascript(rng, vocabulary, min(size, 200_000), i)
        file = f"_app/immutable/chunks/c{i}.{digest}.js"
        (folder / file).write_text(body, encoding="utf-8")
        total += len(body)
        entry = i % 20 == 0
        key = f"src/routes/r{i}/+page.svelte" if entry else f"_c{i}.{digest}.js"
        chunk: dict[str, object] = {"file": file, "name": f"c{i}"}
        if entry:
            chunk.update(src=key, isEntry=True)
        if i:
            picks = {rng.randrange(max(0, i - 50), i) for _ in range(rng.randint(1, 4))}
            chunk["imports"] = sorted(k for k in (list(manifest)[p] for p in picks))
        if i % 10 == 5:
            css = f"_app/immutable/assets/s{i}.{digest}.css"
            text = "".join(
                f".{w}{{color:#{rng.randrange(4096):03x}}}\n" for w in rng.sample(vocabulary, 40)
            )
            (folder / css).write_text(text, encoding="utf-8")
            total += len(text)
            chunk["css"] = [css]
        manifest[key] = chunk
    (folder / ".vite" / "manifest.json").write_text(
        json.dumps(manifest, indent=2), encoding="utf-8"
    )
    return {"chunks": count, "bytes": total}


def _javascript(rng: random.Random, vocabulary: list[str], size: int, i: int) -> str:
    parts = [f'import{{a as e}}from"./c{max(0, i - 1)}.js";']
    length = len(parts[0])
    while length < size:
        a, b, c = rng.sample(vocabulary, 3)
        piece = f"function {a}{i}(t,n){{return t.{b}?n.{c}(t,{rng.randrange(1000)}):e.{a}}}"
        parts.append(piece)
        length += len(piece)
    return "".join(parts) + f"export{{{vocabulary[i % len(vocabulary)]}{i} as default}};\n"


# --- source tree with seeded secrets ---------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _secret(kind: str, rng: random.Random) -> str:
    alnum = string.ascii_letters + string.digits
    upper = string.ascii_uppercase + string.digits
    if kind == "aws-access-key":
        return "AKIA" + "".join(rng.choices(upper, k=16))
    if kind == "github-token":
        return "ghp_" + "".join(rng.choices(alnum, k=36))
    if kind == "stripe-secret-key":
        return "sk_live_" + "".join(rng.choices(alnum, k=24))
    if kind == "slack-token":
        return (
            "xoxb-"
            + "-".join("".join(rng.choices(string.digits, k=12)) for _ in range(2))
            + "-"
            + "".join(rng.choices(alnum, k=24))
        )
    if kind == "supabase-service-role":
        header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
        payload = _b64url(
            json.dumps(
                {
                    "iss": "supabase",
                    "ref": "".join(rng.choices(string.ascii_lowercase, k=20)),
                    "role": "service_role",
                    "iat": 1700000000,
                    "exp": 2000000000,
                }
            ).encode()
        )
        return f"{header}.{payload}.{_b64url(rng.randbytes(32))}"
    if kind == "private-key":
        return "-----BEGIN RSA PRIVATE KEY-----"
    raise ValueError(kind)


SECRET_KINDS = (
    "aws-access-key",
    "github-token",
    "stripe-secret-key",
    "slack-token",
    "supabase-service-role",
    "private-key",
)


def sources(folder: Path, sizes: Sizes, rng: random.Random) -> list[dict[str, object]]:
    """2,000 x scale source files of ~8 kB (16 MB x scale); every 20th has one seeded secret."""
    count = sizes.n(SOURCE_FILES)
    per_file = SOURCE_BYTES // SOURCE_FILES
    vocabulary = [_word(rng, 3, 10) for _ in range(600)]
    seeded: list[dict[str, object]] = []
    for i in range(count):
        ext = (".ts", ".js", ".py", ".svelte")[i % 4]
        rel = f"src/app/mod{i // 100}/file_{i}{ext}"
        lines: list[str] = []
        length = 0
        secret_at = rng.randrange(5, 60) if i % SECRETS_EVERY == 7 else -1
        while length < per_file:
            no = len(lines) + 1
            if no == secret_at:
                kind = SECRET_KINDS[(i // SECRETS_EVERY) % len(SECRET_KINDS)]
                value = _secret(kind, rng)
                if kind == "private-key":
                    body = "".join(rng.choices(string.ascii_letters, k=40))
                    line = f'const pem = "{value}\\nMIIEow{body}";'
                else:
                    line = f'const apiKey = "{value}";'
                seeded.append({"path": rel, "line": no, "kind": kind, "value": value})
            else:
                a, b, c = rng.sample(vocabulary, 3)
                line = f"  const {a}_{no} = {b}.{c}({rng.randrange(10_000)}, '{_word(rng)}');"
            lines.append(line)
            length += len(line) + 1
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return seeded


# --- checklist -------------------------------------------------------------------------------

CHECKLIST = """\
version: 1
project: gates-bench

defaults:
  timeout: 5m

gates:
  tests:
    type: tests
    junit: [reports/junit.xml]
    min_tests: 1
  coverage-cobertura:
    type: coverage
    report: reports/cobertura.xml
    thresholds: {lines: 50, branches: 50}
  coverage-lcov:
    type: coverage
    report: reports/lcov.info
    thresholds: {lines: 50, branches: 50}
  sast:
    type: sast
    fail_on: critical
    sources:
      - {tool: bandit, file: reports/bandit.json}
  migrations:
    type: migrations
    dir: supabase/migrations
    fail_on: critical
  bundle:
    type: bundle
    dir: build/client
    budgets:
      - {name: all JavaScript, files: "**/*.js", gzip: 100MB}
      - {name: first route, entry: "src/routes/r0/+page.svelte", brotli: 5MB}
SECRETS_GATE"""

SECRETS_GATE = """\
  secrets:
    type: secrets
    paths: [src/app]
"""


def checklist(root: Path, with_secrets: bool) -> None:
    """The benchmark's checklist.yml (the secrets gate only once that gate type exists)."""
    text = CHECKLIST.replace("SECRETS_GATE", SECRETS_GATE if with_secrets else "")
    (root / "checklist.yml").write_text(text, encoding="utf-8")


def generate(root: Path, scale: float, *, with_secrets: bool = True) -> dict[str, object]:
    """Write the whole set under ``root`` (replacing it); return what was generated."""
    if root.exists():
        shutil.rmtree(root)
    (root / "reports").mkdir(parents=True)
    sizes = Sizes(scale)
    rng = random.Random(SEED)
    facts: dict[str, object] = {"scale": scale, "seed": SEED}
    facts["junit"] = junit(root / "reports" / "junit.xml", sizes, random.Random(SEED + 1))
    files = list(coverage_files(sizes, random.Random(SEED + 2)))
    facts["cobertura"] = cobertura(root / "reports" / "cobertura.xml", files)
    lcov(root / "reports" / "lcov.info", files)
    covered_sources(root, files)
    facts["bandit"] = bandit(root / "reports" / "bandit.json", sizes, random.Random(SEED + 3))
    facts["migrations"] = migrations(
        root / "supabase" / "migrations", sizes, random.Random(SEED + 4)
    )
    facts["vite"] = vite(root / "build" / "client", sizes, random.Random(SEED + 5))
    seeded = sources(root, sizes, random.Random(SEED + 6))
    (root / "seeded-secrets.json").write_text(json.dumps(seeded, indent=1), encoding="utf-8")
    facts["secrets"] = len(seeded)
    checklist(root, with_secrets)
    del rng
    (root / STAMP).write_text(json.dumps(facts, indent=1), encoding="utf-8")
    return facts


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/generate.py --scale 1 [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-secrets-gate", action="store_true")
    args = parser.parse_args(argv)
    out = args.out or Path("/tmp/gates-bench") / f"{args.scale:g}"
    facts = generate(out, args.scale, with_secrets=not args.no_secrets_gate)
    print(json.dumps({"out": str(out), **facts}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
