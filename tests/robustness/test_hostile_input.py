"""Hostile input: what a pull request can put in the files gates reads.

XML entities and bombs, a 1 GB sparse file, deeply nested JSON, binary junk, invalid UTF-8,
symlinks out of the project, ``..`` paths, HTML/ANSI in names, YAML tags that would run code,
and property-based tests (hypothesis) on every parser: any bytes give a result or one
:class:`gates.errors.InputError`, never another exception and never a hang.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import signal
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gates.parsers
from gates.errors import InputError
from tests.conftest import CORPUS, gate, load_report, run_gates

GIB = 1024**3


def project(tmp_path: Path, gates_yaml: str, files: dict[str, bytes | str] | None = None) -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    for rel, content in (files or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            target.write_bytes(content)
    indented = "".join(f"  {line}\n" for line in gates_yaml.splitlines())
    (root / "checklist.yml").write_text(f"version: 1\nproject: hostile\ngates:\n{indented}")
    return root


def run(
    root: Path, capsys: pytest.CaptureFixture[str] | None = None
) -> tuple[int, dict[str, Any], str]:
    out = root / "reports"
    code, _, err = run_gates(
        ["run", "--checklist", str(root / "checklist.yml"), "--out", str(out), "--no-history"],
        capsys,
    )
    return code, load_report(out), err


# --- XML -------------------------------------------------------------------------------------

GOOD_JUNIT = '<testsuite name="s" tests="1"><testcase classname="c" name="{name}"/></testsuite>'
XML_ATTACKS = {
    "internal-entity": (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "injected">]>' + GOOD_JUNIT.format(name="&x;")
    ),
    "external-entity": (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + GOOD_JUNIT.format(name="&x;")
    ),
    "parameter-entity": (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
        + GOOD_JUNIT.format(name="n")
    ),
    "billion-laughs": (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "lol">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>"
        + GOOD_JUNIT.format(name="&j;")
    ),
    "quadratic-blowup": (
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "{"x" * 50_000}">]>'
        + GOOD_JUNIT.format(name="&a;" * 2000)
    ),
}


@pytest.mark.parametrize("attack", sorted(XML_ATTACKS))
@pytest.mark.parametrize(
    ("gate_yaml", "path"),
    [
        ("t: {type: tests, junit: [r/*.xml]}", "r/junit.xml"),
        ("c: {type: coverage, report: r/coverage.xml}", "r/coverage.xml"),
    ],
    ids=["tests", "coverage"],
)
def test_xml_entities_are_refused(tmp_path: Path, attack: str, gate_yaml: str, path: str) -> None:
    root = project(tmp_path, gate_yaml, {path: XML_ATTACKS[attack]})
    code, report, _ = run(root)
    result = report["gates"][0]
    assert result["status"] == "error", result
    assert code == 1
    dumped = json.dumps(report)
    assert "root:x:0:0" not in dumped and "injected" not in dumped and "lollol" not in dumped


# --- size, nesting, junk, encoding -------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate_yaml", "path"),
    [
        ("c: {type: coverage, report: big.xml}", "big.xml"),
        ("s: {type: sast, sources: [{tool: bandit, file: big.json}]}", "big.json"),
        ("t: {type: tests, junit: [big.xml]}", "big.xml"),
    ],
    ids=["coverage", "sast", "tests"],
)
def test_a_1gb_sparse_file_is_refused_by_size_not_read(
    tmp_path: Path, gate_yaml: str, path: str
) -> None:
    root = project(tmp_path, gate_yaml)
    with (root / path).open("wb") as fh:
        fh.truncate(GIB)  # sparse: no disk used, 1 GiB apparent size
    code, report, _ = run(root)
    result = report["gates"][0]
    assert result["status"] == "error"
    assert "limit" in (result["error"] or ""), result["error"]
    assert code == 1


NESTED = "[" * 200_000 + "]" * 200_000
NESTED_OBJ = '{"a":' * 100_000 + "1" + "}" * 100_000


@pytest.mark.parametrize("payload", [NESTED, NESTED_OBJ], ids=["arrays", "objects"])
@pytest.mark.parametrize(
    ("gate_yaml", "path"),
    [
        ("s: {type: sast, sources: [{tool: bandit, file: x.json}]}", "x.json"),
        ("d: {type: dependencies, sources: [{tool: npm-audit, file: x.json}]}", "x.json"),
        ("l: {type: lighthouse, results: [x.json], budgets: {performance: 0.5}}", "x.json"),
        ("c: {type: coverage, report: x.json}", "x.json"),
        (
            "b: {type: bundle, dir: d, budgets: [{name: e, entry: a.js, raw: 1MB}]}",
            "d/.vite/manifest.json",
        ),
    ],
    ids=["sast", "dependencies", "lighthouse", "coverage", "bundle"],
)
def test_deeply_nested_json_is_an_error(
    tmp_path: Path, gate_yaml: str, path: str, payload: str
) -> None:
    root = project(tmp_path, gate_yaml, {path: payload, "d/a.js": "x"})
    code, report, _ = run(root)
    assert report["gates"][0]["status"] == "error", report["gates"][0]
    assert code == 1


JUNK = bytes(range(256)) * 64
INVALID_UTF8 = b'<?xml version="1.0" encoding="utf-8"?><testsuite name="\xff\xfe\xc3("/>'


@pytest.mark.parametrize(
    "payload", [JUNK, INVALID_UTF8, b"\x00" * 4096], ids=["junk", "utf8", "nul"]
)
@pytest.mark.parametrize(
    ("gate_yaml", "path"),
    [
        ("t: {type: tests, junit: [x.xml]}", "x.xml"),
        ("c: {type: coverage, report: x.info}", "x.info"),
        ("s: {type: sast, sources: [{tool: sarif, file: x.sarif}]}", "x.sarif"),
        ("m: {type: migrations, dir: db}", "db/20240101000000_a.sql"),
        ("e: {type: config, env_file: .env, required: [A]}", ".env"),
    ],
    ids=["tests", "coverage", "sarif", "migrations", "config"],
)
def test_binary_junk_and_invalid_utf8_never_pass(
    tmp_path: Path, gate_yaml: str, path: str, payload: bytes
) -> None:
    root = project(tmp_path, gate_yaml, {path: payload})
    code, report, _ = run(root)
    assert report["gates"][0]["status"] in ("error", "fail"), report["gates"][0]
    assert code == 1


# --- paths out of the project ----------------------------------------------------------------

OUTSIDE_SECRET = "ghp_" + "Zq8rT4vW1xY6zA3bC5dE7fG9hJ2kL0mN4pQs"


def test_symlinks_out_of_the_project_are_not_followed_by_the_secrets_scan(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.ts").write_text(f'const token = "{OUTSIDE_SECRET}";\n')
    root = project(tmp_path, "s: {type: secrets, paths: [src]}", {"src/app.ts": "export {};\n"})
    (root / "src" / "link.ts").symlink_to(outside / "creds.ts")
    (root / "src" / "linkdir").symlink_to(outside, target_is_directory=True)
    _, report, _ = run(root)
    result = report["gates"][0]
    assert result["status"] != "error" or "outside" in (result["error"] or "")
    dumped = json.dumps(report)
    assert OUTSIDE_SECRET[:12] not in dumped
    assert not any("creds" in (f["location"] or {}).get("path", "") for f in result["findings"])
    assert not any("outside" in e["path"] for e in result["evidence"])


def test_junit_glob_does_not_read_a_symlink_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "passing.xml").write_text(GOOD_JUNIT.format(name="from-outside"))
    root = project(tmp_path, "t: {type: tests, junit: [r/*.xml]}")
    (root / "r").mkdir()
    (root / "r" / "evil.xml").symlink_to(outside / "passing.xml")
    code, report, _ = run(root)
    result = report["gates"][0]
    assert result["status"] == "error"  # the only report is outside: nothing to judge
    assert "from-outside" not in json.dumps(report)
    assert code == 1


@pytest.mark.parametrize(
    "gate_yaml",
    [
        "t: {type: tests, junit: ['../outside/*.xml']}",
        "t: {type: tests, junit: ['r/../../outside/passing.xml']}",
        "c: {type: coverage, report: ../outside/coverage.xml}",
        "s: {type: sast, sources: [{tool: sarif, file: ../outside/x.sarif}]}",
        "l: {type: lighthouse, results: [../outside/], budgets: {performance: 0.1}}",
        "b: {type: bundle, dir: ../outside, budgets: [{name: all, raw: 1GB}]}",
        "m: {type: migrations, dir: ../outside}",
        "e: {type: config, env_file: ../outside/.env, required: [A]}",
        "x: {type: secrets, paths: [../outside]}",
    ],
    ids=[
        "junit-glob",
        "junit-dotdot",
        "coverage",
        "sarif",
        "lighthouse",
        "bundle",
        "migrations",
        "config",
        "secrets",
    ],
)
def test_dotdot_paths_never_read_outside_the_root(tmp_path: Path, gate_yaml: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passing.xml").write_text(GOOD_JUNIT.format(name="outside-marker"))
    (outside / ".env").write_text("A=outside-marker\n")
    root = project(tmp_path, gate_yaml)
    code, report, _ = run(root)
    result = report["gates"][0]
    assert result["status"] == "error", result
    assert code == 1
    assert "outside-marker" not in json.dumps(report)
    assert not result["evidence"]


def test_report_paths_with_dotdot_are_never_read(tmp_path: Path) -> None:
    """A Cobertura ``<source>`` and filenames climbing out of the project map to names only."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    xml = (
        '<?xml version="1.0" ?><coverage version="7" line-rate="1" branch-rate="0">'
        '<sources><source>../outside</source></sources><packages><package name="p">'
        '<classes><class name="s" filename="../../outside/secret.py"><lines>'
        '<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>'
    )
    root = project(
        tmp_path, "c: {type: coverage, report: c.xml, thresholds: {lines: 1}}", {"c.xml": xml}
    )
    _, report, _ = run(root)
    result = report["gates"][0]
    assert [e["path"] for e in result["evidence"]] == ["c.xml"]


# --- HTML / ANSI in names --------------------------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"
ANSI = "\x1b[2J\x1b[31mPWNED\x1b]0;title\x07"


def test_html_and_ansi_in_names_are_escaped_and_stripped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = [
        {
            "code": "1 x = 1\n",
            "filename": f"src/{SCRIPT}.py",
            "issue_confidence": "HIGH",
            "issue_severity": "HIGH",
            "issue_text": f"bad {SCRIPT} {ANSI} thing",
            "line_number": 1,
            "line_range": [1],
            "more_info": "https://example.com",
            "test_id": "B999",
            "test_name": f"evil{ANSI}",
        }
    ]
    bandit = {
        "errors": [],
        "generated_at": "2024-01-01T00:00:00Z",
        "metrics": {},
        "results": results,
    }
    junit = (
        '<testsuite name="s" tests="1" failures="1"><testcase classname="c" '
        'name="&lt;img src=x onerror=alert(1)&gt;"><failure message="&lt;b&gt;boom"/>'
        "</testcase></testsuite>"
    )
    root = project(
        tmp_path,
        "s: {type: sast, fail_on: low, sources: [{tool: bandit, file: b.json}]}\n"
        "t: {type: tests, junit: [j.xml]}",
        {"b.json": json.dumps(bandit), "j.xml": junit},
    )
    code, report, err = run(root, capsys)
    assert code == 1
    assert gate(report, "s")["status"] == "fail"
    assert "\x1b" not in err and "\x07" not in err
    assert "PWNED" in err or "evil" in err  # the finding is shown, its escapes removed
    html = (root / "reports" / "gate-report.html").read_text()
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "\x1b" not in html
    ET.fromstring((root / "reports" / "gate-report.junit.xml").read_bytes())  # still well-formed
    md = (root / "reports" / "gate-report.md").read_text()
    assert SCRIPT not in md and "\x1b" not in md


# --- YAML tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tagged",
    [
        '!!python/object/apply:os.system ["touch PWNED"]',
        '!!python/object/new:subprocess.Popen [["touch", "PWNED"]]',
        "!!python/name:os.system",
    ],
)
def test_yaml_tags_cannot_run_code(tmp_path: Path, tagged: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "checklist.yml").write_text(
        f"version: 1\nproject: p\ngates:\n  x:\n    type: command\n    run: {tagged}\n"
    )
    os.chdir(root)
    code, _, _ = run_gates(
        [
            "run",
            "--checklist",
            str(root / "checklist.yml"),
            "--out",
            str(root / "reports"),
            "--no-history",
        ]
    )
    assert code == 2
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()
    code, _, _ = run_gates(["validate", str(root / "checklist.yml")])
    assert code == 2


# --- hypothesis on every parser --------------------------------------------------------------


class Hang(Exception):
    """A parser call ran past its deadline."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in this (main) thread after ``seconds``: a hang fails, not blocks."""

    def fire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result within {seconds}s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


FILE_NAMES = {"lockfiles": "package-lock.json", "coverage_data": ".coverage"}


def _targets() -> list[tuple[str, Callable[[bytes, Path], Any]]]:
    """Every parser entry point taking bytes, text or a file, as ``f(data, tmp_dir)``."""
    targets: list[tuple[str, Callable[[bytes, Path], Any]]] = []
    for info in pkgutil.iter_modules(gates.parsers.__path__):
        module = importlib.import_module(f"gates.parsers.{info.name}")
        for name, func in sorted(vars(module).items()):
            if not callable(func) or getattr(func, "__module__", "") != module.__name__:
                continue
            if name.startswith("_") or not (name in ("load", "parse") or name.startswith("parse_")):
                continue
            params = list(inspect.signature(func).parameters.values())
            kind = str(params[0].annotation)
            label = f"{info.name}.{name}"
            if kind == "Path":
                file_name = FILE_NAMES.get(info.name, "input")
                targets.append((label, _via_file(func, file_name)))
            elif kind in ("bytes", "str"):
                targets.append((label, _direct(func, kind == "bytes", len(params))))
        if hasattr(module, "load_db"):
            targets.append((f"{info.name}.load_db", _via_folder(module.load_db)))
    return targets


def _via_file(func: Callable[..., Any], file_name: str) -> Callable[[bytes, Path], Any]:
    def call(data: bytes, tmp: Path) -> Any:
        path = tmp / file_name
        path.write_bytes(data)
        return func(path)

    return call


def _via_folder(func: Callable[..., Any]) -> Callable[[bytes, Path], Any]:
    def call(data: bytes, tmp: Path) -> Any:
        folder = tmp / "db"
        folder.mkdir(exist_ok=True)
        (folder / "record.json").write_bytes(data)
        return func(folder)

    return call


def _direct(
    func: Callable[..., Any], wants_bytes: bool, arity: int
) -> Callable[[bytes, Path], Any]:
    def call(data: bytes, tmp: Path) -> Any:
        arg: bytes | str = data if wants_bytes else data.decode("utf-8", "replace")
        return func(arg, "fuzz-input") if arity > 1 else func(arg)

    return call


TARGETS = _targets()
SEEDS = sorted(
    p.read_bytes()
    for p in CORPUS.rglob("*")
    if p.is_file() and p.stat().st_size < 64_000 and p.suffix != ".md"
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real tool output, cut and/or with random bytes spliced in (deeper than pure noise)."""
    seed = draw(st.sampled_from(SEEDS))
    cut = draw(st.integers(0, len(seed)))
    data = seed[:cut] if draw(st.booleans()) else seed
    where = draw(st.integers(0, len(data)))
    return data[:where] + draw(st.binary(max_size=64)) + data[where:]


def test_every_parser_module_is_fuzzed() -> None:
    fuzzed = {label.split(".")[0] for label, _ in TARGETS}
    modules = {i.name for i in pkgutil.iter_modules(gates.parsers.__path__)}
    helpers = {
        "safe",
        "audit_model",
        "coverage_model",
        "junit_cases",
        "cobertura_scan",  # cobertura.parse's fast path: fuzzed through the cobertura target
    }  # no entry point of their own
    assert modules - helpers <= fuzzed, f"parsers without parse/load: {modules - helpers - fuzzed}"


@pytest.mark.parametrize(("label", "target"), TARGETS, ids=[label for label, _ in TARGETS])
@settings(
    max_examples=100,
    deadline=None,  # the SIGALRM deadline below catches hangs; hypothesis's would only report late
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.one_of(st.binary(max_size=4096), mutated()))
def test_any_bytes_give_a_result_or_input_error(
    label: str, target: Callable[[bytes, Path], Any], data: bytes, tmp_path: Path
) -> None:
    try:
        with deadline(5.0):
            target(data, tmp_path)
    except InputError as exc:
        assert str(exc).strip(), f"{label}: InputError without a message"
