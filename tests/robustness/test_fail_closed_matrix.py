"""Fail-closed matrix: every gate type x every way its evidence or its tool can go wrong.

Each cell runs a real ``gates run`` (in-process CLI) on a one-gate checklist whose evidence is
missing, empty, truncated or of the wrong format, or whose tool is absent from ``PATH``, exits 3,
is killed by a signal, hangs past the gate's timeout, prints nothing, or exits 0 without writing
its output file. No cell may end ``pass``: each must be ``error`` (or ``fail`` where the table
says so) and the verdict must be ``fail`` with exit code 1.

The matrix is parametrized over :data:`gates.checks.CHECKS`, so a new gate type without an entry
in :data:`MATRIX` fails :func:`test_cell` (exhaustiveness). A cell that cannot apply to a gate type
is declared in :data:`NOT_APPLICABLE` with the reason.

The class ``impossible`` (:data:`IMPOSSIBLE`): evidence that parses but states what no producer
writes (a negative count, covered beyond total, a report of another source tree, a Lighthouse
score of 37, declared counts that disagree with the records, a severity or line number the tool
cannot write, a file reached through a symbolic link out of the project). Each cell is ``error``
and its possible twin passes. Every type that reads an evidence file has at least one cell
(:func:`test_every_gate_type_that_reads_evidence_has_an_impossible_cell`).
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gates.checks import CHECKS
from tests.conftest import CORPUS, gate, load_report, run_gates

CELLS = (
    "evidence-missing",
    "evidence-empty",
    "evidence-truncated",
    "evidence-wrong-format",
    "tool-absent",
    "tool-crash",
    "tool-signal",
    "tool-hang",
    "tool-silent",
    "tool-no-output-file",
)

# Fake tools: small shell scripts put on PATH (or named by path) in place of the real tool.
CRASH = "#!/bin/sh\necho 'fatal: simulated crash' >&2\nexit 3\n"
SIGNAL = "#!/bin/sh\nkill -9 $$\n"
HANG = "#!/bin/sh\nexec sleep 60\n"
SILENT = "#!/bin/sh\nexit 0\n"
CHATTY = "#!/bin/sh\necho 'all done, nothing written'\nexit 0\n"
TOOL_SCRIPT = {
    "tool-crash": CRASH,
    "tool-signal": SIGNAL,
    "tool-hang": HANG,
    "tool-silent": SILENT,
    "tool-no-output-file": CHATTY,
}


@dataclass
class Case:
    """One cell: the gate's YAML body, files to create, fake tools and environment."""

    body: str
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    """Executables written to ``<tmp>/bin`` (put first on PATH)."""
    env: dict[str, str] = field(default_factory=dict)
    bare_path: bool = False
    """PATH is only ``<tmp>/bin:/usr/bin:/bin`` (the venv and node tools gone)."""
    server: str | None = None
    """A raw TCP server behaviour (see :func:`raw_server`); its port replaces ``{port}``."""
    allow_fail: bool = False
    """``fail`` is an acceptable outcome (the gate judged and blocked); otherwise ``error``."""


def corpus_bytes(relative: str) -> bytes:
    return (CORPUS / relative).read_bytes()


def half(data: bytes) -> bytes:
    """The first half: a report cut off mid-write."""
    return data[: len(data) // 2]


JUNIT = corpus_bytes("junit/jest-junit-34-tests-multi-suite.xml")
COBERTURA = corpus_bytes("coverage/coveragepy-7.6.1-cobertura-68pct.xml")
BANDIT = corpus_bytes("bandit/flask-high-medium-low-b201-b104-b113.json")
NPM_AUDIT = corpus_bytes("audit/npm-audit-v2-cra-critical.json")
LHR = corpus_bytes("lighthouse/lhr-12.1.0-angular-login.json")
MANIFEST = corpus_bytes("bundle/vite-manifest-minimal-single-entry-css.json")
JUNK = bytes(range(256)) * 8
TIMEOUT = "timeout: 2s\n"


def _evidence(cell: str, path: str, good: bytes, wrong: bytes) -> Mapping[str, bytes | str] | None:
    """Files for the four evidence cells of a gate reading one file at ``path``."""
    return {
        "evidence-missing": {},
        "evidence-empty": {path: b""},
        "evidence-truncated": {path: half(good)},
        "evidence-wrong-format": {path: wrong},
    }.get(cell)


# --- one builder per gate type ---------------------------------------------------------------


def build_command(cell: str) -> Case:
    return {
        "tool-absent": Case("run: no-such-tool-xyz --version\n"),
        "tool-crash": Case('run: ["sh", "-c", "exit 3"]\n', allow_fail=True),
        "tool-signal": Case('run: ["sh", "-c", "kill -9 $$"]\n', allow_fail=True),
        "tool-hang": Case("run: sleep 60\n" + TIMEOUT),
    }[cell]


def build_tests(cell: str) -> Case:
    body = "junit: [reports/raw/*.xml]\n"
    files = _evidence(cell, "reports/raw/junit.xml", JUNIT, b'{"tests": 34, "failures": 0}')
    if files is not None:
        return Case(body, files)
    run = "run: fake-test-runner\n" + TIMEOUT + body
    if cell == "tool-absent":
        return Case(run, bare_path=True)
    return Case(run, tools={"fake-test-runner": TOOL_SCRIPT[cell]})


def build_coverage(cell: str) -> Case:
    body = "report: coverage.xml\nthresholds: {lines: 10}\n"
    files = _evidence(cell, "coverage.xml", COBERTURA, JUNIT)
    if files is not None:
        return Case(body, files)
    run = "run: fake-coverage\n" + TIMEOUT + body
    if cell == "tool-absent":
        return Case(run, bare_path=True)
    return Case(run, tools={"fake-coverage": TOOL_SCRIPT[cell]})


def build_sast(cell: str) -> Case:
    files = _evidence(cell, "bandit.json", BANDIT, b'{"runs": [], "version": "2.1.0"}')
    if files is not None:
        return Case("sources: [{tool: bandit, file: bandit.json}]\nfail_on: critical\n", files)
    return Case(
        "sources: [{tool: bandit, paths: [src]}]\nfail_on: critical\n" + TIMEOUT,
        files={"src/app.py": "print('hello')\n"},
        tools={"bandit": TOOL_SCRIPT[cell]},
    )


def build_dependencies(cell: str) -> Case:
    files = _evidence(cell, "npm-audit.json", NPM_AUDIT, b'{"name": "x", "lockfileVersion": 3}')
    if files is not None:
        body = "sources: [{tool: npm-audit, file: npm-audit.json}]\nfail_on: critical\n"
        return Case(body, files)
    body = "sources: [{tool: npm-audit, run: fake-npm-audit}]\nfail_on: critical\n" + TIMEOUT
    if cell == "tool-absent":
        return Case(body, bare_path=True)
    return Case(body, tools={"fake-npm-audit": TOOL_SCRIPT[cell]})


def build_secrets(cell: str) -> Case:
    # a shipped bundle file that cannot be scanned is not clean: a cut .gz, a .br with no copy
    bundle = "paths: [src]\nbundle: dist\n"
    return {
        "evidence-missing": Case("paths: [no-such-folder]\n"),
        "evidence-empty": Case("paths: [src]\n", files={"src/.keep-dir/": b""}),
        "evidence-truncated": Case(
            bundle,
            files={"src/a.txt": "ok\n", "dist/app.js.gz": half(gzip.compress(b"x" * 4096))},
        ),
        "evidence-wrong-format": Case(
            bundle, files={"src/a.txt": "ok\n", "dist/app.css.br": b"\x1b\x03\x00\xf8"}
        ),
    }[cell]


def build_bundle(cell: str) -> Case:
    entry = "budgets: [{name: home, entry: main.js, gzip: 1MB}]\n"
    body = "dir: dist\n" + entry
    return {
        "evidence-missing": Case(body),
        "evidence-empty": Case(body, files={"dist/.keep-dir/": b""}),
        "evidence-truncated": Case(
            body, files={"dist/.vite/manifest.json": half(MANIFEST), "dist/assets/x.js": "x"}
        ),
        "evidence-wrong-format": Case(
            body, files={"dist/.vite/manifest.json": b"[1, 2, 3]", "dist/assets/x.js": "x"}
        ),
    }[cell]


def build_lighthouse(cell: str) -> Case:
    files = _evidence(cell, "lhr/lhr-1.json", LHR, b'{"audits": "none", "categories": []}')
    if files is not None:
        return Case("results: [lhr/]\nbudgets: {performance: 0.1}\n", files)
    body = (
        "server: {run: 'python3 -m http.server --bind 127.0.0.1 {port}', "
        "url: 'http://127.0.0.1:{port}', ready_timeout: 20s}\n"
        "urls: [/]\nruns: 1\nbudgets: {performance: 0.1}\nlighthouse: bin/lh\n"
        "run_timeout: 2s\ntimeout: 30s\n"
    )
    if cell == "tool-absent":
        return Case(body, server="free-port")
    return Case(body, files={"bin/lh": TOOL_SCRIPT[cell]}, server="free-port")


def build_migrations(cell: str) -> Case:
    body = "dir: db\n"
    files = {
        "evidence-missing": {},
        "evidence-empty": {"db/.keep-dir/": b""},
        "evidence-truncated": {"db/20240101000000_init.sql": b"create table t (id int primary"},
    }.get(cell)
    if cell == "evidence-truncated":  # a parse error is a blocking finding at the file
        assert files is not None
        return Case(body, files, allow_fail=True)
    files = {
        "evidence-missing": {},
        "evidence-empty": {"db/.keep-dir/": b""},
        "evidence-wrong-format": {"db/20240101000000_init.sql": JUNK},
    }.get(cell)
    if files is not None:
        return Case(body, files)
    dry = "dir: db\ndry_run: {database: ephemeral}\n" + "timeout: 5s\n"
    sql = {"db/20240101000000_init.sql": "create table t (id int primary key);\n"}
    if cell == "tool-absent":
        return Case(dry, sql, env={"GATES_PG_BIN": "/nonexistent/pg/bin"})
    tools = dict.fromkeys(("initdb", "pg_ctl", "postgres"), TOOL_SCRIPT[cell])
    return Case(dry, sql, tools=tools, env={"GATES_PG_BIN": "{bin}"})


def build_config(cell: str) -> Case:
    body = "env_file: .env.prod\nrequired: [API_URL]\n"
    return {
        "evidence-missing": Case(body),
        "evidence-empty": Case(body, files={".env.prod": b""}, allow_fail=True),
        "evidence-truncated": Case(
            body, files={".env.prod": b'API_URL="https://x.example'}, allow_fail=True
        ),
        "evidence-wrong-format": Case(body, files={".env.prod": JUNK}),
    }[cell]


def _http_case(kind: str, cell: str) -> Case:
    url_key = "url" if kind == "headers" else "base_url"
    extra = "" if kind == "headers" else "checks: [{get: /, status: 200}]\n"
    behaviour = {
        "evidence-missing": "closed",
        "evidence-empty": "empty",
        "evidence-truncated": "truncated",
        "evidence-wrong-format": "garbage",
    }[cell]
    return Case(
        f"stage: pre-deploy\n{url_key}: http://127.0.0.1:{{port}}/\n{extra}timeout: 20s\n",
        server=behaviour,
        allow_fail=True,  # an unreachable or broken site is graded as failing, which blocks
    )


def build_headers(cell: str) -> Case:
    return _http_case("headers", cell)


def build_smoke(cell: str) -> Case:
    if cell.startswith("evidence-"):
        return _http_case("smoke", cell)
    body = (
        "stage: pre-deploy\nbase_url: http://127.0.0.1:{port}/\n"
        "journeys: [{name: home, steps: [{goto: /}]}]\nexecutable_path: {bin}/chromium\n"
        "timeout: 20s\nstep_timeout: 3s\n"
    )
    if cell == "tool-absent":
        return Case(body, server="http")
    return Case(body, tools={"chromium": TOOL_SCRIPT[cell]}, server="http")


def build_analysis(cell: str) -> Case:
    behaviour = {
        "evidence-missing": "closed",
        "evidence-empty": "empty",
        "evidence-truncated": "truncated",
        "evidence-wrong-format": "garbage",
    }[cell]
    return Case(
        "stage: pre-deploy\nbase_url: http://127.0.0.1:{port}/\nduration: 1s\ninterval: 250ms\n"
        "probes: [{get: /}]\ntimeout: 20s\n",
        server=behaviour,
    )


MATRIX: dict[str, Callable[[str], Case]] = {
    "analysis": build_analysis,
    "bundle": build_bundle,
    "command": build_command,
    "config": build_config,
    "coverage": build_coverage,
    "dependencies": build_dependencies,
    "headers": build_headers,
    "lighthouse": build_lighthouse,
    "migrations": build_migrations,
    "sast": build_sast,
    "secrets": build_secrets,
    "smoke": build_smoke,
    "tests": build_tests,
    "window": lambda cell: Case(""),
}

_NO_TOOL = "runs no external tool: it reads files or computes in-process"
_HTTP = "talks HTTP itself (standard library), no external tool"
NOT_APPLICABLE: dict[tuple[str, str], str] = {
    **{("command", c): "judges only an exit code; it reads no evidence file" for c in CELLS[:4]},
    ("command", "tool-silent"): "exit 0 without output is exactly what this gate calls a pass",
    ("command", "tool-no-output-file"): "a command gate has no output file, only its exit code",
    ("sast", "tool-absent"): (
        "without bandit on PATH the gate runs `python -m bandit` from its own environment, which "
        "is a dependency of gates: a real scan, not a missing tool"
    ),
    **{
        ("secrets", c): (
            "git only lists files; when it is absent or fails the gate walks the tree, "
            "which scans a superset (covered by the secrets tests)"
        )
        for c in CELLS[4:]
    },
    **{("bundle", c): _NO_TOOL for c in CELLS[4:]},
    **{("config", c): _NO_TOOL for c in CELLS[4:]},
    **{("headers", c): _HTTP for c in CELLS[4:]},
    **{("analysis", c): _HTTP for c in CELLS[4:]},
    **{
        ("window", c): (
            "reads only the clock and the checklist, no evidence and no tool; its fail-closed "
            "case (an emergency without reason or person) is in tests/checks/test_window.py"
        )
        for c in CELLS
    },
    ("smoke", "tool-no-output-file"): "Chromium is driven over a pipe; it writes no output file",
    ("migrations", "tool-no-output-file"): "pg_ctl/initdb write no report; see tool-silent",
    ("lighthouse", "tool-no-output-file"): "same script as tool-silent: Lighthouse run, no LHR",
}
NOT_APPLICABLE[("lighthouse", "tool-no-output-file")] = (
    "covered by tool-silent: the fake Lighthouse exits 0 and writes no LHR file"
)


# --- servers ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


RESPONSES = {
    "empty": b"",
    "truncated": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n"
    b"Connection: close\r\n\r\n<html><body>cut",
    "garbage": JUNK[:512],
    "http": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n"
    b"Connection: close\r\n\r\n<p>hello</p>\n",
}


@pytest.fixture
def raw_server() -> Iterator[Callable[[str], int]]:
    """Start a TCP server answering every connection with one canned (broken) response."""
    stops: list[Callable[[], None]] = []

    def start(behaviour: str) -> int:
        if behaviour in ("closed", "free-port"):
            return _free_port()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.settimeout(0.2)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                with conn:
                    conn.settimeout(1)
                    try:
                        conn.recv(65536)
                        conn.sendall(RESPONSES[behaviour])
                    except OSError:
                        pass
            sock.close()

        threading.Thread(target=serve, daemon=True).start()
        stops.append(stop.set)
        return int(sock.getsockname()[1])

    yield start
    for stop in stops:
        stop()


# --- the test --------------------------------------------------------------------------------


def materialise(case: Case, tmp_path: Path, port: int | None) -> str:
    """Write files and tools; return the gate body with ``{port}``/``{bin}`` filled in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in case.tools.items():
        tool = bin_dir / name
        tool.write_text(script)
        tool.chmod(0o755)
    for rel, content in case.files.items():
        target = tmp_path / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("#!"):
            target.write_text(content)
            target.chmod(0o755)
        elif isinstance(content, str):
            target.write_text(content)
        else:
            target.write_bytes(content)
    body = case.body.replace("{bin}", str(bin_dir))
    return body.replace("{port}", str(port)) if port is not None else body


KNOWN_FAIL_OPEN: dict[tuple[str, str], str] = {}
"""Cells that still end ``pass`` (bugs reported to the owner): strict xfail, so the fix flips it."""

CELL_IDS = [
    pytest.param(
        t,
        c,
        id=f"{t}-{c}",
        marks=[pytest.mark.xfail(reason=KNOWN_FAIL_OPEN[(t, c)], strict=True)]
        if (t, c) in KNOWN_FAIL_OPEN
        else [],
    )
    for t in sorted(CHECKS)
    for c in CELLS
    # Cells declared not applicable are not generated (rather than skipped), so CI shows no
    # skips; test_matrix_table_is_exhaustive checks each has its reason.
    if (t, c) not in NOT_APPLICABLE
]


@pytest.mark.parametrize(("gate_type", "cell"), CELL_IDS)
def test_cell(
    gate_type: str,
    cell: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raw_server: Callable[[str], int],
) -> None:
    assert gate_type in MATRIX, (
        f"gate type {gate_type!r} has no fail-closed matrix entry: add a builder to MATRIX "
        "(and declare cells that cannot apply in NOT_APPLICABLE with a reason)"
    )
    case = MATRIX[gate_type](cell)
    port = raw_server(case.server) if case.server else None
    project = tmp_path / "project"
    project.mkdir()
    body = materialise(case, project, port)
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    (project / "checklist.yml").write_text(
        f"version: 1\nproject: matrix\ngates:\n  g:\n    type: {gate_type}\n{indented}"
    )
    bin_dir = str(project / "bin")
    path = f"{bin_dir}:/usr/bin:/bin" if case.bare_path else f"{bin_dir}:{os.environ['PATH']}"
    monkeypatch.setenv("PATH", path)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value.replace("{bin}", bin_dir))
    out = project / "reports"
    code, _, _ = run_gates(
        ["run", "--checklist", str(project / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    report = load_report(out)
    result = gate(report, "g")
    allowed = {"error", "fail"} if case.allow_fail else {"error"}
    assert result["status"] in allowed, (
        f"{gate_type}/{cell}: {result['status']}: {result['summary']} / {result.get('error')}"
    )
    assert report["verdict"] == "fail"
    assert code == 1


def test_matrix_table_is_exhaustive() -> None:
    """Every registered type has a builder; every cell is built or declared not applicable."""
    assert set(MATRIX) >= set(CHECKS), f"no matrix entry: {sorted(set(CHECKS) - set(MATRIX))}"
    for gate_type in CHECKS:
        for cell in CELLS:
            if (gate_type, cell) in NOT_APPLICABLE:
                assert len(NOT_APPLICABLE[(gate_type, cell)]) > 20
                continue
            case = MATRIX[gate_type](cell)  # raises KeyError for an undeclared cell
            assert isinstance(case, Case)
    applicable = sum((t, c) not in NOT_APPLICABLE for t in CHECKS for c in CELLS)
    assert applicable >= 5 * len(CHECKS), "most of the matrix must be exercised, not declared away"


# --- reports as evidence: promotion, merge, baseline ---------------------------------------

REPORT_CELLS = (
    "missing",
    "empty",
    "truncated",
    "wrong-format",
    "huge-integer",
    "digest-broken",
    "signature-forged",
    "unsigned",
    "other-project",
)
REPORT_USES = ("promote", "merge", "baseline")
SIGNING_KEY = "matrix-signing-key-0123456789abcdef"
REPORT_CHECKLIST = (
    "version: 1\nproject: matrix\nrequire: [g]\nenvironments:\n  staging:\n    require: [g]\n"
    "gates:\n  g:\n    type: command\n"
    "    run: [python3, -c, \"print('ok')\"]\n"
)


@pytest.fixture(scope="module")
def good_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A real, signed, passing report of a one-gate project."""
    project = tmp_path_factory.mktemp("report-matrix")
    (project / "checklist.yml").write_text(REPORT_CHECKLIST)
    previous = os.environ.get("GATES_SIGNING_KEY")
    os.environ["GATES_SIGNING_KEY"] = SIGNING_KEY
    try:
        code, _, _ = run_gates(
            [
                "run", "--checklist", str(project / "checklist.yml"), "--out",
                str(project / "r"), "--no-history", "--format", "json", "--commit", "f" * 40,
            ]
        )  # fmt: skip
    finally:
        if previous is None:
            os.environ.pop("GATES_SIGNING_KEY")
        else:
            os.environ["GATES_SIGNING_KEY"] = previous
    assert code == 0
    return project, (project / "r" / "gate-report.json").read_bytes()


def _bad_report(cell: str, good: bytes) -> bytes | None:
    import hashlib
    import hmac
    import json

    from gates.report.codec import canonical_json, compute_digest

    data = json.loads(good)

    def signed(key: str | None) -> bytes:
        data["digest"] = compute_digest(data)
        body = {k: v for k, v in data.items() if k not in ("digest", "signature")}
        data["signature"] = (
            hmac.new(key.encode(), canonical_json(body), hashlib.sha256).hexdigest()
            if key
            else None
        )
        return json.dumps(data).encode()

    if cell == "missing":
        return None
    if cell == "empty":
        return b""
    if cell == "truncated":
        return half(good)
    if cell == "wrong-format":
        return JUNIT
    if cell == "huge-integer":
        return good.replace(b'"duration_s": ', b'"duration_s": ' + b"9" * 5000 + b', "x": ')
    if cell == "digest-broken":
        data["gates"][0]["summary"] = "edited after writing"
        return json.dumps(data).encode()
    if cell == "signature-forged":  # edited, digest recomputed, signed with another key
        data["gates"][0]["summary"] = "edited after writing"
        return signed("not-the-key-0123456789")
    if cell == "unsigned":
        return signed(None)
    assert cell == "other-project"
    data["project"] = "another-project"
    return signed(SIGNING_KEY)


@pytest.mark.parametrize("use", REPORT_USES)
@pytest.mark.parametrize("cell", REPORT_CELLS)
def test_report_cell(
    cell: str,
    use: str,
    good_report: tuple[Path, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A report that is not trustworthy evidence is refused by every command that relies on it:
    promote exits 1 (refused) or 2, merge and --baseline exit 2; never 0, never a traceback."""
    project, good = good_report
    monkeypatch.setenv("GATES_SIGNING_KEY", SIGNING_KEY)
    bad = tmp_path / "bad.json"
    content = _bad_report(cell, good)
    if content is not None:
        bad.write_bytes(content)
    fine = tmp_path / "good.json"
    fine.write_bytes(good)
    checklist = str(project / "checklist.yml")
    if use == "promote":
        argv = ["promote", "--report", str(bad), "--to", "staging", "--checklist", checklist]
        argv += ["--commit", "f" * 40]
        allowed = {1, 2}
    elif use == "merge":
        argv = ["merge", str(fine), str(bad), "-o", str(tmp_path / "m.json")]
        allowed = {2}
    else:
        argv = ["run", "--checklist", checklist, "--out", str(tmp_path / "o"), "--no-history"]
        argv += ["--baseline", str(bad), "--commit", "f" * 40]
        allowed = {2}
    code, out, err = run_gates(argv, capsys)
    assert code in allowed, (cell, use, code, out, err)
    assert "Traceback" not in err and "internal error" not in err
    if use == "merge":
        assert not (tmp_path / "m.json").exists()
    if use == "baseline":
        assert not (tmp_path / "o" / "gate-report.json").exists()


def test_report_cells_accept_the_good_report(
    good_report: tuple[Path, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No false alarm: the untouched report promotes, merges and serves as a baseline."""
    project, good = good_report
    monkeypatch.setenv("GATES_SIGNING_KEY", SIGNING_KEY)
    fine = tmp_path / "good.json"
    fine.write_bytes(good)
    checklist = str(project / "checklist.yml")
    promote = ["promote", "--report", str(fine), "--to", "staging", "--checklist", checklist]
    code, out, err = run_gates([*promote, "--commit", "f" * 40], capsys)
    assert code == 0, out + err
    code, out, err = run_gates(["merge", str(fine), "-o", str(tmp_path / "m.json")], capsys)
    assert code == 0, out + err
    run = ["run", "--checklist", checklist, "--out", str(tmp_path / "o"), "--no-history"]
    code, out, err = run_gates([*run, "--baseline", str(fine), "--commit", "f" * 40], capsys)
    assert code == 0, out + err


# --- impossible evidence: a file that parses but states what no producer writes ------------------


@dataclass
class Impossible:
    """A cell of the class ``impossible``: the gate's body, the files of the impossible
    evidence, and its possible twin (the same evidence with possible values), which passes: the
    refusal is of the impossible value, not of the evidence."""

    body: str
    impossible: Mapping[str, bytes | str]
    possible: Mapping[str, bytes | str]
    links: Mapping[str, str] = field(default_factory=dict)
    """Symbolic links added to the impossible files (path in the project → target)."""
    allow_fail: bool = False
    """The producer's contract makes this a blocking finding (``fail``) rather than ``error``."""
    servers: tuple[str, str] | None = None
    """Raw server behaviours (impossible, possible) whose port replaces ``{port}``."""


def _lhr(change: Callable[[dict[str, Any]], object]) -> str:
    doc = json.loads(LHR)
    change(doc)
    return json.dumps(doc)


def _cobertura(hits: str = "3", covered: int = 1, filename: str = "a.py") -> str:
    return (
        f'<coverage lines-valid="2" lines-covered="{covered}"><packages><package name="p">'
        f'<classes><class name="a" filename="{filename}"><lines>'
        f'<line number="1" hits="{hits}"/><line number="2" hits="0"/>'
        "</lines></class></classes></package></packages></coverage>"
    )


def _istanbul(covered: int, total: int) -> str:
    block = {"total": total, "covered": covered, "pct": 0}
    entry = dict.fromkeys(("lines", "statements", "functions", "branches"), block)
    return json.dumps({"total": entry, "a.py": entry})


def _coveragepy(covered: int) -> str:
    summary = {"covered_lines": covered, "num_statements": 2, "percent_covered": 50.0}
    summary |= {"missing_lines": 1, "excluded_lines": 0}
    lines = {"executed_lines": [1], "missing_lines": [2], "excluded_lines": []}
    return json.dumps(
        {
            "meta": {"format": 3, "version": "7.12.0"},
            "files": {"a.py": {"summary": summary, **lines}},
            "totals": summary,
        }
    )


def _junit(tests: int = 1, failures: str = "0") -> str:
    suite = f'<testsuite name="s" tests="{tests}" failures="{failures}">'
    return suite + '<testcase name="a"/></testsuite>'


def _bandit(**change: object) -> str:
    doc = json.loads(BANDIT)
    doc["results"][0].update(change)
    return json.dumps(doc)


SARIF = corpus_bytes("sarif/eslint-8.49-errors-warnings.sarif")


def _sarif(level: str | None = None, line: int | None = None, column: int | None = None) -> str:
    doc = json.loads(SARIF)
    result = doc["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    if level is not None:
        result["level"] = level
    if line is not None:
        region["startLine"] = line
    if column is not None:
        region["startColumn"] = column
    return json.dumps(doc)


def _npm_audit(severity: str = "low", score: float = 3.1, stated_critical: int = 0) -> str:
    via = {"source": 1, "name": "x", "dependency": "x", "title": "t", "severity": severity}
    via |= {"url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc", "cwe": [], "range": "<1"}
    via["cvss"] = {"score": score, "vectorString": None}
    entry = {"name": "x", "severity": severity, "isDirect": True, "via": [via], "effects": []}
    entry |= {"range": "<1", "nodes": ["node_modules/x"], "fixAvailable": True}
    counts = dict.fromkeys(("info", "moderate", "high"), 0) | {"low": int(severity == "low")}
    counts |= {"critical": stated_critical, "total": 1 + stated_critical}
    deps = dict.fromkeys(("prod", "dev", "optional", "peer", "peerOptional"), 0) | {"total": 2}
    return json.dumps(
        {
            "auditReportVersion": 2,
            "vulnerabilities": {"x": entry},
            "metadata": {"vulnerabilities": counts, "dependencies": deps},
        }
    )


SOURCE = {"a.py": "x = 1\ny = 2\n"}
VITE: dict[str, bytes | str] = {
    "dist/.vite/manifest.json": MANIFEST,
    "dist/assets/index-CEtzVbXp.js": "console.log(1)\n",
    "dist/assets/index-DH7HLWMz.css": "a{}\n",
}
SAFE_SQL = "create table t (id bigint primary key);\nalter table t enable row level security;\n"
OUTSIDE = "/etc/hostname"
"""A file outside every project: evidence of another tree."""


def _outside(path: str, files: Mapping[str, bytes | str], body: str) -> Impossible:
    """The evidence at ``path`` is a symbolic link out of the project."""
    kept = {k: v for k, v in files.items() if k != path}
    return Impossible(body, kept, files, links={path: OUTSIDE})


def _one_source(tool: str, file: str, make: Callable[..., str], **broken: Any) -> Impossible:
    """A gate reading one ``sources:`` file blocking on critical: ``make(**broken)`` is the
    impossible evidence, ``make()`` its possible twin."""
    body = f"sources: [{{tool: {tool}, file: {file}}}]\nfail_on: critical\n"
    return Impossible(body, {file: make(**broken)}, {file: make()})


IMPOSSIBLE: dict[str, dict[str, Impossible]] = {
    "coverage": {
        "negative-count": Impossible(
            "report: c.json\n",
            {**SOURCE, "c.json": _coveragepy(-1)},
            {**SOURCE, "c.json": _coveragepy(1)},
        ),
        "covered-beyond-total": Impossible(
            "report: s.json\n",
            {**SOURCE, "s.json": _istanbul(95, 10)},
            {**SOURCE, "s.json": _istanbul(5, 10)},
        ),
        "infinite-hits": Impossible(
            "report: c.xml\n",
            {**SOURCE, "c.xml": _cobertura("inf")},
            {**SOURCE, "c.xml": _cobertura()},
        ),
        "stated-disagrees-with-lines": Impossible(
            "report: c.xml\n",
            {**SOURCE, "c.xml": _cobertura(covered=2)},
            {**SOURCE, "c.xml": _cobertura()},
        ),
        "another-source-tree": Impossible(
            "report: c.xml\n",
            {**SOURCE, "c.xml": _cobertura(filename="elsewhere/other.py")},
            {**SOURCE, "c.xml": _cobertura()},
        ),
    },
    "tests": {
        "infinite-count": Impossible(
            "junit: j.xml\n", {"j.xml": _junit(failures="inf")}, {"j.xml": _junit()}
        ),
        "negative-count": Impossible(
            "junit: j.xml\n", {"j.xml": _junit(failures="-1")}, {"j.xml": _junit()}
        ),
        "declared-counts-disagree": Impossible(
            "junit: j.xml\n", {"j.xml": _junit(tests=5)}, {"j.xml": _junit()}, allow_fail=True
        ),
    },
    "lighthouse": {
        "score-out-of-range": Impossible(
            "results: [lhr/]\nbudgets: {seo: 0.1}\n",
            {"lhr/lhr-1.json": _lhr(lambda d: d["categories"]["performance"].update(score=37))},
            {"lhr/lhr-1.json": LHR},
        ),
        "negative-metric": Impossible(
            "results: [lhr/]\nbudgets: {seo: 0.1}\n",
            {
                "lhr/lhr-1.json": _lhr(
                    lambda d: d["audits"]["largest-contentful-paint"].update(numericValue=-500)
                )
            },
            {"lhr/lhr-1.json": LHR},
        ),
    },
    "sast": {
        "bandit-impossible-severity": _one_source(
            "bandit", "b.json", _bandit, issue_severity="EXTREME"
        ),
        "bandit-impossible-line": _one_source("bandit", "b.json", _bandit, line_number=-3),
        "bandit-impossible-confidence": _one_source(
            "bandit", "b.json", _bandit, issue_confidence="CERTAIN"
        ),
        "sarif-impossible-level": _one_source("sarif", "s.sarif", _sarif, level="catastrophic"),
        "sarif-impossible-line": _one_source("sarif", "s.sarif", _sarif, line=0),
        "sarif-impossible-column": _one_source("sarif", "s.sarif", _sarif, column=0),
    },
    "dependencies": {
        "audit-impossible-severity": _one_source(
            "npm-audit", "a.json", _npm_audit, severity="apocalyptic"
        ),
        "audit-impossible-score": _one_source("npm-audit", "a.json", _npm_audit, score=11),
        "audit-declared-counts-disagree": _one_source(
            "npm-audit", "a.json", _npm_audit, stated_critical=5
        ),
    },
    "bundle": {
        "symlink-outside": _outside(
            "dist/assets/index-DH7HLWMz.css",
            VITE,
            "dir: dist\nbudgets: [{name: home, entry: js/index.js, gzip: 1MB}]\n",
        ),
    },
    "secrets": {
        "bundle-symlink-outside": _outside(
            "dist/chunk.js",
            {"src/a.txt": "ok\n", "dist/app.js": "x\n", "dist/chunk.js": "y\n"},
            "paths: [src]\nbundle: dist\n",
        ),
    },
    "config": {
        "env-file-outside": _outside(
            ".env.prod",
            {".env.prod": "API_URL=https://api.example.com\n"},
            "env_file: .env.prod\nrequired: [API_URL]\n",
        ),
    },
    "migrations": {
        "migration-outside": _outside(
            "db/20240102000000_b.sql",
            {
                "db/20240101000000_a.sql": SAFE_SQL,
                "db/20240102000000_b.sql": SAFE_SQL.replace(" t ", " u "),
            },
            "dir: db\n",
        ),
    },
    "analysis": {
        "metric-not-finite": Impossible(
            "stage: pre-deploy\nbase_url: 'http://127.0.0.1:{port}/'\nduration: 1s\n"
            "interval: 250ms\ntimeout: 20s\n"
            "prometheus: {url: 'http://127.0.0.1:{port}', "
            "queries: [{name: errors, query: 'sum(errors)', max: 1}]}\n",
            {},
            {},
            servers=("prometheus-inf", "prometheus-ok"),
        ),
    },
}
"""Per gate type, its impossible-evidence cells (variant → case)."""

IMPOSSIBLE_NOT_APPLICABLE: dict[str, str] = {
    "command": "judges only an exit code; it reads no evidence that could state impossible values",
    "window": "reads only the clock and the checklist; an impossible date is a checklist error",
    "headers": (
        "its evidence is the live HTTP answer; whatever headers a server sends are what the site "
        "does (a malformed answer is the evidence-wrong-format cell)"
    ),
    "smoke": (
        "its evidence is what Chromium shows of the live site: a page cannot be impossible "
        "(a broken answer is the evidence cells; a missing browser the tool cells)"
    ),
}


def _prometheus(value: str) -> bytes:
    body = json.dumps(
        {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, value]}]},
        }
    ).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


RESPONSES["prometheus-inf"] = _prometheus("+Inf")
RESPONSES["prometheus-ok"] = _prometheus("0.5")

IMPOSSIBLE_IDS = [
    pytest.param(t, v, id=f"{t}-impossible-{v}") for t in sorted(IMPOSSIBLE) for v in IMPOSSIBLE[t]
]


def _run_evidence(
    tmp: Path,
    gate_type: str,
    body: str,
    files: Mapping[str, bytes | str],
    links: Mapping[str, str],
) -> tuple[int, dict[str, Any]]:
    project = tmp
    project.mkdir()
    materialise(Case(body, files), project, None)
    for rel, target in links.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).symlink_to(target)
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    (project / "checklist.yml").write_text(
        f"version: 1\nproject: matrix\ngates:\n  g:\n    type: {gate_type}\n{indented}"
    )
    out = project / "reports"
    code, _, _ = run_gates(
        ["run", "--checklist", str(project / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    return code, load_report(out)


@pytest.mark.parametrize(("gate_type", "variant"), IMPOSSIBLE_IDS)
def test_impossible_cell(
    gate_type: str, variant: str, tmp_path: Path, raw_server: Callable[[str], int]
) -> None:
    """Impossible evidence is ``error`` (one line, no traceback) and blocks; its possible twin
    passes, so no real producer's output is refused."""
    cell = IMPOSSIBLE[gate_type][variant]
    bad_body = good_body = cell.body
    if cell.servers is not None:
        bad_body = cell.body.replace("{port}", str(raw_server(cell.servers[0])))
        good_body = cell.body.replace("{port}", str(raw_server(cell.servers[1])))
    code, report = _run_evidence(tmp_path / "possible", gate_type, good_body, cell.possible, {})
    result = gate(report, "g")
    assert (code, result["status"]) == (0, "pass"), f"false alarm: {result['summary']}"
    code, report = _run_evidence(
        tmp_path / "impossible", gate_type, bad_body, cell.impossible, cell.links
    )
    result = gate(report, "g")
    allowed = {"error", "fail"} if cell.allow_fail else {"error"}
    assert result["status"] in allowed, f"{gate_type}/{variant}: {result['summary']}"
    assert report["verdict"] == "fail" and code == 1
    message = result.get("error") or result["summary"]
    assert "\n" not in message and "Traceback" not in message and "internal error" not in message


def test_every_gate_type_that_reads_evidence_has_an_impossible_cell() -> None:
    """The class ``impossible`` has a cell for every registered type, or a reason it cannot
    apply; a type that reads an evidence file (its evidence-truncated cell writes one) must
    have a cell: no reason excuses it."""
    for gate_type in CHECKS:
        if IMPOSSIBLE.get(gate_type):
            continue
        reason = IMPOSSIBLE_NOT_APPLICABLE.get(gate_type)
        assert reason and len(reason) > 20, f"{gate_type}: no impossible-evidence cell"
        truncated = (gate_type, "evidence-truncated")
        if truncated not in NOT_APPLICABLE:
            assert not MATRIX[gate_type]("evidence-truncated").files, (
                f"{gate_type} reads an evidence file: it needs an impossible-evidence cell"
            )
    assert set(IMPOSSIBLE) | set(IMPOSSIBLE_NOT_APPLICABLE) == set(CHECKS)
