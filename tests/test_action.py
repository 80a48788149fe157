"""action.yml: checked against GitHub's action metadata rules, its run steps executed locally,
and the sticky-comment poster against a local server that speaks GitHub's REST API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.support.git import git as _git

ACTION = REPO / "action.yml"
POSTER = REPO / "action" / "sticky_comment.py"
MARKER = "<!-- gates:pr-comment -->"
ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
USES = re.compile(r"^(\./\S+|[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w.-]+|docker://\S+)$")
SHELLS = {"bash", "pwsh", "python", "sh", "cmd", "powershell"}


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def test_metadata_rules() -> None:
    action = _action()
    assert set(action) <= {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
    assert action["name"] and action["description"]
    for name, spec in action["inputs"].items():
        assert ID.match(name), name
        assert set(spec) <= {"description", "required", "default", "deprecationMessage"}, name
        assert spec["description"], name
        assert isinstance(spec.get("default", ""), str), name  # inputs are strings
    assert {"checklist", "env", "stage", "url", "baseline"} <= set(action["inputs"])
    runs = action["runs"]
    assert runs["using"] == "composite" and isinstance(runs["steps"], list)
    ids: list[str] = []
    for step in runs["steps"]:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") in SHELLS, f"run step without shell: {step.get('name')}"
            # no expression is pasted into a script (injection): values arrive through env
            assert "${{" not in step["run"], step.get("name")
        else:
            assert USES.match(step["uses"]), step["uses"]
        if "id" in step:
            assert ID.match(step["id"]) and step["id"] not in ids
            ids.append(step["id"])
    for name, spec in action["outputs"].items():
        assert ID.match(name) and spec["description"]
        assert "value" in spec, f"composite outputs need value: {name}"  # a composite rule


def test_expressions_name_only_declared_inputs_and_earlier_steps() -> None:
    action = _action()
    text = ACTION.read_text()
    inputs = set(action["inputs"])
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert used <= inputs, used - inputs
    seen: set[str] = set()
    for step in action["runs"]["steps"]:
        body = yaml.safe_dump(step)
        for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", body):
            assert ref in seen, f"step {step.get('name')} reads step {ref} before it ran"
        if "id" in step:
            seen.add(step["id"])
    for spec in action["outputs"].values():
        for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", spec["value"]):
            assert ref in seen


def test_uploads_summary_comment_and_exit_code_are_wired() -> None:
    steps = _action()["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    names = [s.get("name", "") for s in steps]
    # the comment is rendered before the upload, so a fork PR's artifact carries it
    assert names.index("Render the pull-request comment") < names.index("Upload the reports")
    assert steps[-1]["if"] == "always()" and "exit" in steps[-1]["run"]
    install = next(s for s in steps if s.get("name") == "Install gates")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # this checkout, not PyPI's `gates`


def _step(name: str) -> dict[str, Any]:
    for step in _action()["runs"]["steps"]:
        if step.get("name") == name:
            return dict(step)
    raise AssertionError(name)


def _bash(step: dict[str, Any], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    bindir = Path(sys.executable).parent
    full = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_run_and_comment_steps_execute(tmp_path: Path) -> None:
    work = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "python-service", work)
    outputs = tmp_path / "out.txt"
    outputs.write_text("")
    env = {
        "IN_CHECKLIST": "checklist.yml",
        "IN_ENV": "production",
        "IN_STAGE": "",
        "IN_URL": "",
        "IN_BASELINE": "base/gate-report.json",  # absent: first adoption
        "IN_BASE_REF": "",
        "IN_OUT": "reports",
        "IN_ARGS": "--no-history",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = _bash(_step("gates run"), env, work)
    assert done.returncode == 0, done.stderr
    assert "no baseline report at base/gate-report.json" in done.stdout
    got = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert got == {
        "exit-code": "0",
        "verdict": "pass",
        "report": "reports/gate-report.json",
        "baseline": "",  # the given baseline does not exist
    }
    assert "python-service" in (tmp_path / "summary.md").read_text()  # the job summary
    done = _bash(
        _step("Render the pull-request comment"),
        {**env, "PR_NUMBER": "7", "RUN_URL": "https://ci.example/run/1"},
        work,
    )
    assert done.returncode == 0, done.stderr
    body = (work / "reports" / "pr-comment.md").read_text()
    assert body.startswith(MARKER) and "No base report to compare with" in body
    assert (work / "reports" / "pr-number.txt").read_text().strip() == "7"
    verdict = _bash(_step("Verdict"), {"CODE": "1"}, work)
    assert verdict.returncode == 1


class FakeGitHub:
    """Issue comments of one pull request, the REST way (pages of 2 to exercise Link)."""

    def __init__(self, *, read_only: bool = False, head: str = "abc") -> None:
        self.comments: list[dict[str, Any]] = [
            {"id": 1, "body": "LGTM"},
            {"id": 2, "body": "another bot"},
            {"id": 3, "body": "please rebase"},
        ]
        self.read_only = read_only
        self.head = head
        self.calls: list[str] = []


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, body: object, link: str = "") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if link:
                self.send_header("Link", link)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            state.calls.append(f"GET {self.path}")
            assert self.headers["Authorization"] == "Bearer t0ken"
            if self.path.startswith("/repos/o/r/pulls/7"):
                self._json(200, {"head": {"sha": state.head}})
                return
            page = int(self.path.split("page=")[-1]) if "&page=" in self.path else 1
            items = state.comments[(page - 1) * 2 : page * 2]
            more = len(state.comments) > page * 2
            link = (
                f"<http://{self.headers['Host']}/repos/o/r/issues/7/comments?per_page=100"
                f'&page={page + 1}>; rel="next"'
                if more
                else ""
            )
            self._json(200, items, link)

        def _body(self) -> dict[str, Any]:
            data: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            return data

        def do_POST(self) -> None:
            state.calls.append(f"POST {self.path}")
            if state.read_only:
                self._json(403, {"message": "Resource not accessible by integration"})
                return
            made = {"id": 100 + len(state.comments), "body": self._body()["body"]}
            state.comments.append(made)
            self._json(201, made)

        def do_PATCH(self) -> None:
            state.calls.append(f"PATCH {self.path}")
            number = int(self.path.rsplit("/", 1)[1])
            for c in state.comments:
                if c["id"] == number:
                    c["body"] = self._body()["body"]
            self._json(200, {"id": number})

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _post(api: str, body: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(POSTER),
            "--repo",
            "o/r",
            "--pr",
            "7",
            "--body",
            str(body),
            "--api",
            api,
            *extra,
        ],
        env={**os.environ, "GITHUB_TOKEN": "t0ken"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sticky_comment_is_created_once_then_edited_in_place(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    state, api = github
    body = tmp_path / "c.md"
    body.write_text(f"{MARKER}\n## gates: pass\n")
    first = _post(api, body)
    assert first.returncode == 0 and "created" in first.stdout, first.stderr
    body.write_text(f"{MARKER}\n## gates: fail\n")
    second = _post(api, body)
    assert second.returncode == 0 and "updated" in second.stdout, second.stderr
    ours = [c for c in state.comments if c["body"].startswith(MARKER)]
    assert len(ours) == 1 and "fail" in ours[0]["body"]
    assert sum(c.startswith("POST") for c in state.calls) == 1
    # the marker comment sat on page 2: pagination was followed to find it
    assert any("page=2" in c for c in state.calls)


def test_read_only_token_exits_3_for_the_workflow_run_job(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    state, api = github
    state.read_only = True
    body = tmp_path / "c.md"
    body.write_text(f"{MARKER}\nx\n")
    done = _post(api, body)
    assert done.returncode == 3 and "workflow_run" in done.stderr


def test_workflow_run_refuses_a_pr_whose_head_is_another_commit(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    state, api = github
    body = tmp_path / "c.md"
    body.write_text(f"{MARKER}\nx\n")
    assert _post(api, body, "--expect-head-sha", "zzz").returncode == 1
    assert not any(c.startswith("POST") for c in state.calls)
    assert _post(api, body, "--expect-head-sha", "abc").returncode == 0


def test_poster_refuses_a_body_that_is_not_a_gates_comment(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    _, api = github
    body = tmp_path / "c.md"
    body.write_text("hello\n")
    assert _post(api, body).returncode == 1
    body.write_text(MARKER + "x" * 70_000)
    assert _post(api, body).returncode == 1


AUTO_STEPS = (
    "Restore the baselines",
    "Fetch the base branch for the merge-base",
    "Save this report as a baseline",
    "Save the baselines",
)


def test_automatic_baseline_is_wired() -> None:
    action = _action()
    inputs = action["inputs"]
    assert inputs["auto-baseline"]["default"] == "true"
    assert inputs["baseline-dir"]["default"] == ".gates/baselines"
    steps = action["runs"]["steps"]
    names = [s.get("name", "") for s in steps]
    restore, fetch, save, cache_save = (_step(n) for n in AUTO_STEPS)
    # restored and fetched before the run, kept after it
    assert names.index(AUTO_STEPS[0]) < names.index("gates run")
    assert names.index(AUTO_STEPS[1]) < names.index("gates run")
    assert names.index("gates run") < names.index(AUTO_STEPS[2]) < names.index(AUTO_STEPS[3])
    # the cache is keyed by branch: a pull request restores its base branch's newest folder
    assert restore["uses"].startswith("actions/cache/restore@")
    assert restore["with"]["path"] == "${{ inputs.baseline-dir }}"
    prefix = "gates-baselines-${{ inputs.env }}-${{ github.base_ref || github.ref_name }}-"
    assert restore["with"]["restore-keys"].strip() == prefix
    assert restore["with"]["key"].startswith(prefix)
    assert cache_save["uses"].startswith("actions/cache/save@")
    assert cache_save["with"]["path"] == "${{ inputs.baseline-dir }}"
    # caches are immutable: each save has its own key, under the branch's prefix
    assert cache_save["with"]["key"].endswith("-${{ github.ref_name }}-${{ github.sha }}")
    assert "steps.save-baseline.outcome == 'success'" in cache_save["if"]
    # every automatic step can be turned off, and an explicit baseline turns them off
    for step in (restore, fetch, save):
        assert "inputs.auto-baseline == 'true'" in step["if"], step["name"]
        assert "inputs.baseline == ''" in step["if"], step["name"]
    # the merge-base is looked for on pull requests; reports are kept only from pushes to the
    # default branch, and only passing ones
    assert "github.event_name == 'pull_request'" in fetch["if"]
    assert "github.event_name == 'push'" in save["if"]
    assert "github.ref_name == github.event.repository.default_branch" in save["if"]
    assert "steps.run.outputs.verdict == 'pass'" in save["if"]
    assert "'fail'" not in save["if"] and "'error'" not in save["if"]
    assert "gates baseline save" in save["run"]
    run = _step("gates run")
    assert "--baseline auto --base-ref" in run["run"]
    assert run["env"]["IN_AUTO_BASE_REF"] == "${{ steps.base.outputs.ref }}"
    comment = _step("Render the pull-request comment")
    assert comment["env"]["IN_BASELINE"] == "${{ steps.run.outputs.baseline }}"


AUTO_CHECKLIST = """\
version: 1
project: auto-baseline
gates:
  check:
    type: command
    run: [python3, -c, "print('ok')"]
"""


@pytest.mark.slow
def test_automatic_baseline_runs_on_a_shallow_pull_request_checkout(tmp_path: Path) -> None:
    """A real origin with main and a pull-request branch, checked out shallow (fetch-depth: 1,
    actions/checkout's default): the fetch step makes the merge-base findable, the run picks
    the report saved on main at the merge-base, and a push to main keeps its own report."""
    if not shutil.which("git"):
        pytest.fail("git is needed")
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    (origin / "checklist.yml").write_text(AUTO_CHECKLIST)
    (origin / ".gitignore").write_text("reports/\n.gates/\n")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "base")
    base_sha = _git(origin, "rev-parse", "HEAD")
    # the run on the push to main: gates run, then the baseline is saved
    outputs = tmp_path / "main-out.txt"
    outputs.write_text("")
    env = {
        "IN_CHECKLIST": "checklist.yml",
        "IN_ENV": "",
        "IN_STAGE": "",
        "IN_URL": "",
        "IN_BASELINE": "",
        "IN_BASE_REF": "",
        "IN_OUT": "reports",
        "IN_ARGS": "--no-history",
        "IN_AUTO_BASE_REF": "",  # a push: no merge-base step ran
        "IN_BASELINE_DIR": str(tmp_path / "cache"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = _bash(_step("gates run"), env, origin)
    assert done.returncode == 0, done.stderr
    got = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert got["verdict"] == "pass" and got["baseline"] == ""
    saved = _bash(
        _step("Save this report as a baseline"),
        {"IN_REPORT": got["report"], "IN_BASELINE_DIR": env["IN_BASELINE_DIR"]},
        origin,
    )
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "cache" / f"{base_sha}.json").is_file()
    # a pull request two commits ahead, checked out with depth 1
    _git(origin, "checkout", "-q", "-b", "feature")
    for n in (1, 2):
        (origin / f"f{n}.txt").write_text(str(n))
        _git(origin, "add", ".")
        _git(origin, "commit", "-q", "-m", f"feature {n}")
    _git(origin, "checkout", "-q", "main")
    (origin / "main.txt").write_text("moved on")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "main moved on")
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), "work")
    assert _git(work, "rev-parse", "--is-shallow-repository") == "true"
    fetch_out = tmp_path / "fetch-out.txt"
    fetch_out.write_text("")
    fetched = _bash(
        _step("Fetch the base branch for the merge-base"),
        {"IN_BASE_REF": "", "BASE_BRANCH": "main", "GITHUB_OUTPUT": str(fetch_out)},
        work,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetch_out.read_text().strip() == "ref=origin/main"
    assert _git(work, "merge-base", "HEAD", "origin/main") == base_sha
    outputs.write_text("")
    done = _bash(_step("gates run"), {**env, "IN_AUTO_BASE_REF": "origin/main"}, work)
    assert done.returncode == 0, done.stderr
    assert f"merge-base {base_sha[:12]}" in done.stdout + done.stderr
    got = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert got["verdict"] == "pass"
    assert got["baseline"] == str(tmp_path / "cache" / f"{base_sha}.json")
