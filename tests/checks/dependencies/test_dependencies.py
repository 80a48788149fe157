"""dependencies gate: offline OSV on lock files, report files, fail-closed paths, end to end."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from gates.checks.base import GateContext
from gates.checks.dependencies import DependenciesOptions, evaluate
from gates.model import Severity, Status
from tests.conftest import CORPUS, TESTS, gate, load_report, run_gates
from tests.support.gates import gate_context

OSV_DIR = TESTS / "fixtures" / "osv"


def ctx(root: Path) -> GateContext:
    return gate_context("dependencies", root)


def opts(**kw: object) -> DependenciesOptions:
    return DependenciesOptions.model_validate(kw)


def project(root: Path, lodash: str, requests: str) -> None:
    shutil.copytree(OSV_DIR, root / "advisories")
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"lodash": f"^{lodash}"}},
            "node_modules/lodash": {
                "version": lodash,
                "resolved": f"https://registry.npmjs.org/lodash/-/lodash-{lodash}.tgz",
            },
        },
    }
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2))
    (root / "requirements.txt").write_text(f"requests=={requests}\n")


OFFLINE = {"tool": "osv", "lockfile": ["package-lock.json", "requirements.txt"], "db": "advisories"}


def test_offline_osv_flags_vulnerable_versions_with_fixes(tmp_path: Path) -> None:
    project(tmp_path, "4.17.15", "2.19.1")
    context = ctx(tmp_path)
    out = evaluate(opts(sources=[OFFLINE]), context)
    assert out.status is None
    by_id = {f.rule: f for f in out.findings}
    lodash = by_id["GHSA-p6mc-m468-83gw"]
    assert lodash.blocks and lodash.severity is Severity.HIGH
    assert lodash.data["fixed"] == ["4.17.20"] and "fixed in 4.17.20" in lodash.message
    assert lodash.location is not None and lodash.location.path == "package-lock.json"
    req = by_id["GHSA-x84v-xcm2-53pg"]
    assert req.blocks and req.data["fixed"] == ["2.20.0"] and req.data["version"] == "2.19.1"
    assert req.location is not None and req.location.path == "requirements.txt"
    assert not by_id["GHSA-29mw-wpgm-hmr9"].blocks  # medium < high
    assert {e.path for e in context.evidence} >= {"package-lock.json", "requirements.txt"}


def test_offline_osv_clean_versions_pass(tmp_path: Path) -> None:
    project(tmp_path, "4.17.21", "2.32.4")
    out = evaluate(opts(sources=[OFFLINE]), ctx(tmp_path))
    assert out.status is None and out.findings == [] and "no known advisories" in out.summary


def test_unpinned_requirement_is_unaudited_error(tmp_path: Path) -> None:
    project(tmp_path, "4.17.21", "2.32.4")
    (tmp_path / "requirements.txt").write_text("requests==2.32.4\nflask>=2\n")
    out = evaluate(opts(sources=[OFFLINE]), ctx(tmp_path))
    assert out.status is Status.ERROR and "flask" in out.summary
    allowed = evaluate(opts(sources=[OFFLINE], allow_unaudited=["flask"]), ctx(tmp_path))
    assert allowed.status is None


def _write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


def test_pip_audit_skip_reason_fails_closed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pip-audit.json",
        json.dumps(
            {
                "dependencies": [
                    {
                        "name": "requests",
                        "skip_reason": "Dependency not found on PyPI and could not be audited: requests (2.19.1)",  # noqa: E501
                    }
                ],
                "fixes": [],
            }
        ),
    )
    out = evaluate(opts(sources=[{"tool": "pip-audit", "file": "pip-audit.json"}]), ctx(tmp_path))
    assert out.status is Status.ERROR
    assert "not audited" in out.summary and "requests" in out.summary
    assert "audited no packages" in out.summary


def test_npm_error_json_fails_closed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "npm.json",
        json.dumps(
            {
                "error": {
                    "code": "ENOAUDIT",
                    "summary": "Your configured registry does not support audit requests.",
                }
            }
        ),
    )
    out = evaluate(opts(sources=[{"tool": "npm-audit", "file": "npm.json"}]), ctx(tmp_path))
    assert out.status is Status.ERROR and "ENOAUDIT" in out.summary


@pytest.mark.parametrize("tool", ["npm-audit", "pip-audit", "safety", "osv-scanner"])
def test_empty_report_fails_closed(tmp_path: Path, tool: str) -> None:
    _write(tmp_path, "r.json", "")
    out = evaluate(opts(sources=[{"tool": tool, "file": "r.json"}]), ctx(tmp_path))
    assert out.status is Status.ERROR and "empty" in out.summary


def test_unreachable_service_text_fails_closed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pip-audit.json",
        "ERROR:pip_audit._cli:HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: "  # noqa: E501
        "/pypi/requests/2.19.1/json (Caused by NewConnectionError('Failed to establish a new connection'))\n",  # noqa: E501
    )
    out = evaluate(opts(sources=[{"tool": "pip-audit", "file": "pip-audit.json"}]), ctx(tmp_path))
    assert out.status is Status.ERROR and "not reachable" in out.summary


def _script(root: Path, name: str, body: str) -> str:
    path = root / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return f"./{name}"


def test_run_mode_unreachable_on_stderr_fails_even_with_clean_json(tmp_path: Path) -> None:
    cmd = _script(
        tmp_path,
        "fake-pip-audit.sh",
        "echo 'No known vulnerabilities found' >&2\n"
        "echo 'WARNING: Connection refused while contacting https://pypi.org' >&2\n"
        'echo \'{"dependencies": [{"name": "a", "version": "1", "vulns": []}], "fixes": []}\'\n',
    )
    out = evaluate(opts(sources=[{"tool": "pip-audit", "run": cmd}]), ctx(tmp_path))
    assert out.status is Status.ERROR and "not reachable" in out.summary


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (127, "general error"),
        (128, "no packages"),
        (129, "OSV API"),
        (130, "invalid configuration"),
        (2, "unexpected"),
    ],
)
def test_osv_scanner_exit_codes_fail_closed(tmp_path: Path, code: int, meaning: str) -> None:
    cmd = _script(tmp_path, "fake-osv-scanner.sh", f"echo '{{\"results\": []}}'\nexit {code}\n")
    out = evaluate(opts(sources=[{"tool": "osv-scanner", "run": cmd}]), ctx(tmp_path))
    assert out.status is Status.ERROR and f"exit {code}" in out.summary and meaning in out.summary


def test_run_mode_clean_osv_scanner_passes(tmp_path: Path) -> None:
    cmd = _script(tmp_path, "fake-osv-scanner.sh", "echo '{\"results\": []}'\nexit 0\n")
    context = ctx(tmp_path)
    out = evaluate(opts(sources=[{"tool": "osv-scanner", "run": cmd}]), context)
    assert out.status is None and out.findings == []
    assert any("osv-scanner-0.json" in e.path for e in context.evidence)


def test_pip_audit_requirements_mode_without_the_tool_errors(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "requests==2.19.1\n")
    context = ctx(tmp_path)
    context.environ = {"PATH": str(tmp_path / "empty-bin")}
    out = evaluate(
        opts(sources=[{"tool": "pip-audit", "requirements": "requirements.txt"}]), context
    )
    assert out.status is Status.ERROR and "pip-audit" in out.summary


def test_corpus_reports_and_unknown_severity_policy(tmp_path: Path) -> None:
    for name in (
        "npm-audit-v2-cra-critical.json",
        "pip-audit-vulns-pip-setuptools-werkzeug.json",
        "safety-3.7.0-check-evaluacion3.json",
        "osv-scanner-go-stdlib-groups.json",
    ):
        shutil.copy(CORPUS / "audit" / name, tmp_path / name)
    out = evaluate(
        opts(sources=[{"tool": "npm-audit", "file": "npm-audit-v2-cra-critical.json"}]),
        ctx(tmp_path),
    )
    assert len(out.findings) == 19 and sum(f.blocks for f in out.findings) == 13
    pip = evaluate(
        opts(
            sources=[{"tool": "pip-audit", "file": "pip-audit-vulns-pip-setuptools-werkzeug.json"}]
        ),
        ctx(tmp_path),
    )
    assert len(pip.findings) == 15 and all(
        f.data["severity_assumed"] and f.blocks for f in pip.findings
    )
    lenient = evaluate(
        opts(
            sources=[{"tool": "pip-audit", "file": "pip-audit-vulns-pip-setuptools-werkzeug.json"}],
            unknown_severity="low",
        ),
        ctx(tmp_path),
    )
    assert not any(f.blocks for f in lenient.findings)
    both = evaluate(
        opts(
            sources=[
                {"tool": "safety", "file": "safety-3.7.0-check-evaluacion3.json"},
                {"tool": "osv-scanner", "file": "osv-scanner-go-stdlib-groups.json"},
            ]
        ),
        ctx(tmp_path),
    )
    assert len(both.findings) == 13 and both.status is None


def test_severity_looked_up_in_advisories_db_by_alias(tmp_path: Path) -> None:
    shutil.copytree(OSV_DIR, tmp_path / "advisories")
    _write(
        tmp_path,
        "pip-audit.json",
        json.dumps(
            {
                "dependencies": [
                    {
                        "name": "requests",
                        "version": "2.19.1",
                        "vulns": [
                            {
                                "id": "PYSEC-2018-28",
                                "fix_versions": ["2.20.0"],
                                "aliases": ["CVE-2018-18074"],
                            }
                        ],
                    }
                ],
                "fixes": [],
            }
        ),
    )
    out = evaluate(
        opts(
            sources=[{"tool": "pip-audit", "file": "pip-audit.json"}],
            advisories_db="advisories",
            unknown_severity="low",
        ),
        ctx(tmp_path),
    )
    (finding,) = out.findings
    assert finding.severity is Severity.HIGH and not finding.data["severity_assumed"]
    assert "GHSA-x84v-xcm2-53pg" in finding.data["severity_source"]


def test_duplicate_advisories_across_sources_are_merged(tmp_path: Path) -> None:
    project(tmp_path, "4.17.15", "2.19.1")
    out = evaluate(opts(sources=[OFFLINE, OFFLINE]), ctx(tmp_path))
    assert len(out.findings) == len({f.rule for f in out.findings}) == 7


def test_options_validation() -> None:
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "osv", "lockfile": ["x"]}])
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "npm-audit"}])
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "npm-audit", "file": "a", "run": "b"}])
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "safety", "requirements": "r.txt"}])


@pytest.mark.parametrize(
    ("lodash", "requests", "status", "exit_code"),
    [("4.17.21", "2.32.4", "pass", 0), ("4.17.15", "2.19.1", "fail", 1)],
)
def test_end_to_end(
    tmp_path: Path, lodash: str, requests: str, status: str, exit_code: int
) -> None:
    project(tmp_path, lodash, requests)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  dependencies:\n    type: dependencies\n    sources:\n"
        "      - {tool: osv, lockfile: [package-lock.json, requirements.txt], db: advisories}\n"
    )
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "reports"), "--no-history"]
    )
    result = gate(load_report(tmp_path / "reports"), "dependencies")
    assert rc == exit_code and result["status"] == status
    if status == "fail":
        assert "GHSA-p6mc-m468-83gw" in {f["rule"] for f in result["findings"]}


CLEAN_REPORTS = {
    "npm-audit": {
        "auditReportVersion": 2,
        "vulnerabilities": {},
        "metadata": {"vulnerabilities": {"total": 0}, "dependencies": {"total": 12}},
    },
    "pip-audit": {
        "dependencies": [{"name": "requests", "version": "2.32.4", "vulns": []}],
        "fixes": [],
    },
    "safety": {
        "report_meta": {"safety_version": "3.7.0"},
        "scanned_packages": {"requests": {}},
        "vulnerabilities": [],
    },
    "osv-scanner": {"results": []},
}
SEEDED_REPORTS = {
    "npm-audit": "npm-audit-v2-cra-critical.json",
    "pip-audit": "pip-audit-vulns-pip-setuptools-werkzeug.json",
    "safety": "safety-3.7.0-with-deprecation-banner-prefix.json",
    "osv-scanner": "osv-scanner-go-stdlib-groups.json",
}


@pytest.mark.parametrize("tool", sorted(CLEAN_REPORTS))
@pytest.mark.parametrize("seeded", [False, True], ids=["clean", "seeded"])
def test_end_to_end_every_report_source(tmp_path: Path, tool: str, seeded: bool) -> None:
    if seeded:
        shutil.copy(CORPUS / "audit" / SEEDED_REPORTS[tool], tmp_path / "report.json")
    else:
        (tmp_path / "report.json").write_text(json.dumps(CLEAN_REPORTS[tool]))
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  deps:\n    type: dependencies\n"
        f"    sources:\n      - {{tool: {tool}, file: report.json}}\n"
    )
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "out"), "--no-history"]
    )
    result = gate(load_report(tmp_path / "out"), "deps")
    assert (rc, result["status"]) == ((1, "fail") if seeded else (0, "pass"))
    assert result["evidence"][0]["path"] == "report.json"


@pytest.mark.parametrize("pip_first", [True, False], ids=["low-first", "high-first"])
def test_duplicate_advisory_keeps_the_most_severe_copy(tmp_path: Path, pip_first: bool) -> None:
    """pip-audit gives no severity (assumed low here); the OSV record of the same advisory says
    high. Whatever the order, the merged finding is high, blocks, and unites ids and fixes."""
    shutil.copytree(OSV_DIR, tmp_path / "advisories")
    (tmp_path / "requirements.txt").write_text("requests==2.19.1\n")
    vuln = {"id": "PYSEC-2018-28", "fix_versions": ["2.19.9", "2.20.0"], "aliases": ["BIT-x"]}
    report = {
        "dependencies": [{"name": "requests", "version": "2.19.1", "vulns": [vuln]}],
        "fixes": [],
    }
    _write(tmp_path, "pip-audit.json", json.dumps(report))
    pip = "      - {tool: pip-audit, file: pip-audit.json}\n"
    osv = "      - {tool: osv, lockfile: [requirements.txt], db: advisories}\n"
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  deps:\n    type: dependencies\n"
        "    unknown_severity: low\n    sources:\n" + (pip + osv if pip_first else osv + pip)
    )
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "out"), "--no-history"]
    )
    result = gate(load_report(tmp_path / "out"), "deps")
    assert (rc, result["status"]) == (1, "fail")
    (only,) = [
        f
        for f in result["findings"]
        if "PYSEC-2018-28" in {f["rule"], *f["data"]["aliases"]}  # the OSV data has 3 others
    ]
    assert (only["rule"], only["severity"], only["blocks"]) == ("GHSA-x84v-xcm2-53pg", "high", True)
    assert {"PYSEC-2018-28", "CVE-2018-18074", "BIT-x"} <= set(only["data"]["aliases"])
    assert "GHSA-x84v-xcm2-53pg" not in only["data"]["aliases"]
    assert set(only["data"]["fixed"]) == {"2.19.9", "2.20.0"}
    assert "2.19.9" in only["message"] and "2.20.0" in only["message"]


def _npm_audit(total: int) -> str:
    return json.dumps(
        {
            "auditReportVersion": 2,
            "vulnerabilities": {},
            "metadata": {
                "vulnerabilities": {"info": 0, "low": 0, "moderate": 0, "high": 0, "critical": 0},
                "dependencies": {"prod": total, "dev": 0, "optional": 0, "total": total},
            },
        }
    )


def test_an_audit_that_covered_fewer_packages_than_the_lock_is_error(tmp_path: Path) -> None:
    """npm/cli#6021: npm audit on workspaces reports 0 vulnerabilities for packages it never
    audited. The example's real package-lock.json lists every package; a report of fewer is not
    evidence about the rest."""
    from gates.parsers import lockfiles

    lock = TESTS.parent / "examples" / "shop-web" / "package-lock.json"
    shutil.copy(lock, tmp_path / "package-lock.json")
    listed = len(lockfiles.load(tmp_path / "package-lock.json").packages)
    assert listed > 50
    (tmp_path / "short.json").write_text(_npm_audit(3))
    short = evaluate(opts(sources=[{"tool": "npm-audit", "file": "short.json"}]), ctx(tmp_path))
    assert short.status is Status.ERROR
    assert f"covered 3 packages but package-lock.json lists {listed}" in short.summary
    (tmp_path / "full.json").write_text(_npm_audit(listed))
    full = evaluate(opts(sources=[{"tool": "npm-audit", "file": "full.json"}]), ctx(tmp_path))
    assert full.status is not Status.ERROR, full.summary
    # a lock named on the source is compared for any tool
    (tmp_path / "package-lock.json").rename(tmp_path / "web.lock.json")
    (tmp_path / "sub").mkdir()
    shutil.copy(lock, tmp_path / "sub" / "package-lock.json")
    named = evaluate(
        opts(
            sources=[
                {"tool": "npm-audit", "file": "short.json", "lockfile": "sub/package-lock.json"}
            ]
        ),
        ctx(tmp_path),
    )
    assert named.status is Status.ERROR and "sub/package-lock.json" in named.summary


LOCKS = CORPUS / "lockfiles"


@pytest.mark.parametrize(
    ("recorded", "as_name"),
    [
        ("pnpm-8.15.9-lockfile-6.0.yaml", "pnpm-lock.yaml"),
        ("pnpm-9.15.0-lockfile-9.0.yaml", "pnpm-lock.yaml"),
        ("yarn-1.22.22-classic.lock", "yarn.lock"),
        ("yarn-4.5.3-berry.lock", "yarn.lock"),
    ],
)
def test_offline_mode_reads_pnpm_and_yarn_locks(
    tmp_path: Path, recorded: str, as_name: str
) -> None:
    """The four real locks of one package.json resolve the same packages; lodash 4.17.20 in
    them is found by the offline OSV match like in a package-lock.json."""
    from gates.parsers import lockfiles

    shutil.copytree(OSV_DIR, tmp_path / "advisories")
    shutil.copy(LOCKS / recorded, tmp_path / as_name)
    lock = lockfiles.load(tmp_path / as_name)
    assert sorted((p.name, p.version) for p in lock.packages) == [
        ("@types/node", "20.11.0"),
        ("debug", "4.3.4"),
        ("lodash", "4.17.20"),
        ("minimist", "1.2.5"),
        ("ms", "2.1.2"),
        ("undici-types", "5.26.5"),
    ]
    assert lock.unaudited == ()
    out = evaluate(
        opts(sources=[{"tool": "osv", "lockfile": as_name, "db": "advisories"}]), ctx(tmp_path)
    )
    rules = {f.rule for f in out.findings}
    assert "GHSA-35jh-r3h4-6jhm" in rules, (out.summary, rules)


def test_pnpm_and_yarn_sources_off_the_registry_are_unaudited_and_aliases_refused() -> None:
    from gates.errors import InputError
    from gates.parsers import lockfiles

    pnpm = (
        "lockfileVersion: '9.0'\npackages:\n  lodash@4.17.21:\n    resolution: {integrity: x}\n"
        "  mylib@https://codeload.github.com/o/mylib/tar.gz/abc:\n"
        "    resolution: {tarball: https://codeload.github.com/o/mylib/tar.gz/abc}\n"
    )
    lock = lockfiles.parse_pnpm_lock(pnpm, "pnpm-lock.yaml")
    assert [p.name for p in lock.packages] == ["lodash"] and len(lock.unaudited) == 1
    yarn1 = (
        '# yarn lockfile v1\n\n\nlodash@^4.17.0:\n  version "4.17.21"\n'
        '  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#abc"\n\n'
        '"mylib@git+https://github.com/o/mylib.git":\n  version "1.0.0"\n'
        '  resolved "git+https://github.com/o/mylib.git#abc"\n'
    )
    lock = lockfiles.parse_yarn_lock(yarn1, "yarn.lock")
    assert [p.name for p in lock.packages] == ["lodash"] and "mylib" in lock.unaudited[0]
    berry = (
        "__metadata:\n  version: 8\n\n"
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n\n'
        '"mylib@github:o/mylib":\n  version: 1.0.0\n  resolution: "mylib@https://github.com/o/mylib.git#commit=abc"\n'
    )
    lock = lockfiles.parse_yarn_lock(berry, "yarn.lock")
    assert lock.packages == () and lock.local == ("app",) and "mylib" in lock.unaudited[0]
    bomb = "lockfileVersion: '9.0'\na: &a [x, x]\nb: &b [*a, *a]\npackages: {}\n"
    with pytest.raises(InputError, match="aliases are refused"):
        lockfiles.parse_pnpm_lock(bomb, "pnpm-lock.yaml")
