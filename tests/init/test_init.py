"""``gates init``: detection on real layouts, a checklist that validates, never overwriting."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, run_gates

EXAMPLES = REPO / "examples"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _pkg(deps: dict[str, str], scripts: dict[str, str] | None = None) -> str:
    return json.dumps({"name": "app", "scripts": scripts or {}, "devDependencies": deps})


# Layouts as the public projects have them (the files init reads; sources are stand-ins).
LAYOUTS: dict[str, dict[str, str]] = {
    "vite-react-pnpm-jest-playwright": {
        "package.json": _pkg(
            {"vite": "^5", "jest": "^29", "jest-junit": "^16", "@playwright/test": "^1.45"},
            {"build": "vite build"},
        ),
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "vite.config.ts": "export default {}\n",
        ".env.example": "VITE_API_URL=https://api.example.com\nAPI_SECRET=\n",
    },
    "sveltekit-yarn-vitest-no-coverage": {
        "package.json": _pkg({"@sveltejs/kit": "^2", "vite": "^5", "vitest": "^2"}),
        "yarn.lock": "# yarn lockfile v1\n",
        "svelte.config.js": "export default {}\n",
        "supabase/config.toml": 'project_id = "x"\n',
        "supabase/migrations/20240101000000_init.sql": "create table t (id int);\n",
        "vercel.json": '{"headers": []}\n',
    },
    "python-poetry-pytest": {
        "pyproject.toml": '[tool.poetry]\nname = "svc"\n[tool.pytest.ini_options]\n',
        "poetry.lock": "# poetry\n",
        "svc/__init__.py": "",
        "tests/test_svc.py": "def test_x():\n    assert True\n",
    },
    "python-uv-src-layout": {
        "pyproject.toml": '[project]\nname = "lib"\n[dependency-groups]\ntest = ["pytest"]\n',
        "uv.lock": "version = 1\n",
        "src/lib/__init__.py": "",
        "tests/test_lib.py": "def test_x():\n    assert True\n",
    },
    "python-requirements-flask": {
        "requirements.txt": "flask==3.0.3\npytest==8.3.2\npytest-cov==5.0.0\n",
        "app.py": "print('hi')\n",
        "test_app.py": "def test_x():\n    assert True\n",
    },
    "empty": {"README.md": "# nothing here\n"},
}


def _validate(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_URL", "https://preview.example.com")
    rc, out, err = run_gates(["validate", str(path)])
    assert rc == 0, (out, err, path.read_text())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_writes_a_checklist_that_validates(
    tmp_path: Path, layout: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path / layout, LAYOUTS[layout])
    rc, out, err = run_gates(["init", str(root)], capsys)
    assert rc == 0, err
    assert "wrote" in out
    _validate(root / "checklist.yml", monkeypatch)


def _gates(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    rc, out, err = run_gates(["init", "--print", str(root)], capsys)
    assert rc == 0, err
    assert not (root / "checklist.yml").exists()  # --print writes nothing
    loaded = yaml.safe_load(out)
    gates: dict[str, dict[str, Any]] = loaded["gates"]
    return gates


def test_js_layout_gets_runner_commands_that_write_the_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = _gates(_write(tmp_path, LAYOUTS["vite-react-pnpm-jest-playwright"]), capsys)
    assert gates["build"]["run"] == "pnpm run build"
    assert "--reporters=jest-junit" in str(gates["tests"]["run"])
    assert "JEST_JUNIT_OUTPUT_DIR=reports/raw" in str(gates["tests"]["run"])
    assert gates["tests"]["junit"] == ["reports/raw/jest.xml"]
    assert gates["coverage"]["report"] == "coverage/cobertura-coverage.xml"
    assert "--reporter=junit" in str(gates["e2e"]["run"])
    assert gates["bundle"]["dir"] == "dist"
    deps = gates["dependencies"]["sources"]
    assert isinstance(deps, list) and "pnpm-lock.yaml" in deps[0]["run"]
    assert gates["config"]["public_prefix"] == "VITE_"
    assert gates["config"]["required"] == ["VITE_API_URL", "API_SECRET"]
    assert "sast" not in gates  # no Python sources


def test_sveltekit_supabase_vercel_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, LAYOUTS["sveltekit-yarn-vitest-no-coverage"])
    rc, out, _ = run_gates(["init", "--print", str(root)], capsys)
    assert rc == 0
    gates = yaml.safe_load(out)["gates"]
    assert gates["bundle"]["dir"] == ".svelte-kit/output/client"
    assert gates["secrets"]["bundle"] == ".svelte-kit/output/client"
    assert gates["migrations"]["dry_run"] == {"database": "ephemeral", "preset": "supabase"}
    assert gates["config"]["headers_from"] == "vercel.json"
    assert "--outputFile.junit=reports/raw/vitest.xml" in gates["tests"]["run"]
    assert "coverage" not in gates and "@vitest/coverage-v8" in out  # said, not guessed
    assert "lighthouse" not in gates and "npm i -D lighthouse" in out
    assert gates["headers"]["stage"] == "post-deploy"
    assert gates["tests"]["run"].startswith("yarn vitest")


@pytest.mark.parametrize(
    ("layout", "sast_paths", "dep"),
    [
        ("python-poetry-pytest", ["svc"], "poetry.lock"),
        ("python-uv-src-layout", ["src"], "uv.lock"),
        ("python-requirements-flask", ["app.py"], "requirements.txt"),
    ],
)
def test_python_layouts(
    tmp_path: Path,
    layout: str,
    sast_paths: list[str],
    dep: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gates = _gates(_write(tmp_path, LAYOUTS[layout]), capsys)
    assert gates["sast"]["sources"] == [{"tool": "bandit", "paths": sast_paths}]
    assert "--junitxml=reports/raw/pytest.xml" in str(gates["tests"]["run"])
    assert gates["coverage"]["report"] == ".coverage"
    assert dep in json.dumps(gates["dependencies"]["sources"])
    assert "build" not in gates and "bundle" not in gates


def test_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _write(tmp_path, LAYOUTS["python-poetry-pytest"])
    (root / "checklist.yml").write_text("# mine\n")
    rc, _, err = run_gates(["init", str(root)], capsys)
    assert rc == 2 and "not overwritten" in err and "Traceback" not in err
    assert (root / "checklist.yml").read_text() == "# mine\n"


def test_not_a_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_gates(["init", str(tmp_path / "missing")], capsys)
    assert rc == 2 and "not a folder" in err


def test_unreadable_manifest_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, {"package.json": "{not json", "svc/__init__.py": ""})
    gates = _gates(root, capsys)
    assert "secrets" in gates and "build" not in gates


@pytest.mark.parametrize("example", ["shop-web", "python-service"])
def test_init_on_the_examples_validates(
    tmp_path: Path,
    example: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = EXAMPLES / example
    if not source.is_dir():
        pytest.fail(f"{source} is missing")
    root = tmp_path / example
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("node_modules", "checklist.yml"))
    rc, _, err = run_gates(["init", str(root)], capsys)
    assert rc == 0, err
    _validate(root / "checklist.yml", monkeypatch)


def test_init_command_line_entry_point(tmp_path: Path) -> None:
    root = _write(tmp_path, LAYOUTS["python-uv-src-layout"])
    done = subprocess.run(
        [sys.executable, "-m", "gates", "init", "--print", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0 and "type: tests" in done.stdout


REAL = Path(__file__).parent / "layouts"  # public projects' files, see layouts/MANIFEST.md


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.iterdir() if p.is_dir()))
def test_real_layouts_validate(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / name
    shutil.copytree(REAL / name, root)
    rc, _, err = run_gates(["init", str(root)], capsys)
    assert rc == 0, err
    _validate(root / "checklist.yml", monkeypatch)


def test_real_sveltekit_yarn_supabase_starter(capsys: pytest.CaptureFixture[str]) -> None:
    gates = _gates(REAL / "grether-io-sveltekit-supabase-starter", capsys)
    assert gates["build"]["run"] == "yarn run build"
    assert gates["bundle"]["dir"] == ".svelte-kit/output/client"
    assert gates["migrations"]["dir"] == "supabase/migrations"
    assert gates["config"]["env_file"] == ".env.local.example"
    assert gates["config"]["public_prefix"] == "PUBLIC_"
    assert "PRIVATE_SUPABASE_SERVICE_ROLE" in gates["config"]["required"]
    assert "tests" not in gates and "coverage" not in gates  # it has no test runner
    assert "yarn.lock" in json.dumps(gates["dependencies"])


def test_real_sveltekit_pnpm_drizzle(capsys: pytest.CaptureFixture[str]) -> None:
    gates = _gates(REAL / "jacksonthall22-sveltekit-supabase", capsys)
    assert gates["build"]["run"] == "pnpm run build"
    assert "migrations" not in gates  # supabase/migrations holds drizzle metadata, no SQL
    assert "pnpm-lock.yaml" in json.dumps(gates["dependencies"])
    assert gates["config"]["required"][:2] == ["PUBLIC_SITE_URL", "PUBLIC_SUPABASE_URL"]


def test_hostile_layout_never_hangs(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "package.json").symlink_to("/dev/zero")  # endless bytes
    os.mkfifo(root / "pyproject.toml")  # a read would block forever
    (root / "requirements.txt").mkdir()  # a folder where a file is expected
    (root / ".env.example").write_bytes(b"\xff\xfe KEY=1\n" * 10)
    (root / "src").mkdir()
    (root / "src" / "loop").symlink_to(root / "src")  # a symlink cycle
    (root / "src" / "m.py").write_text("x = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "gates", "init", "--print", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "type: sast" in done.stdout
