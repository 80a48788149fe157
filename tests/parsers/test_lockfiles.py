"""Lock files → exact package versions; anything unpinned or non-registry is listed, not guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.errors import InputError
from gates.parsers import lockfiles
from gates.parsers.lockfiles import Package


def test_package_lock_v3_flat_packages(tmp_path: Path) -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/lodash": {
                "version": "4.17.15",
                "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
            },
            "node_modules/@scope/pkg": {"version": "1.2.3"},
            "node_modules/a/node_modules/lodash": {"version": "4.17.21"},
            "node_modules/alias": {"version": "npm:string-width@4.2.3"},
            "node_modules/ws-link": {"resolved": "packages/ws", "link": True},
            "node_modules/from-git": {
                "version": "1.0.0",
                "resolved": "git+ssh://git@github.com/x/y.git#abc",
            },
            "packages/ws": {"name": "ws", "version": "0.0.1"},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    parsed = lockfiles.load(tmp_path / "package-lock.json")
    assert set(parsed.packages) == {
        Package("npm", "lodash", "4.17.15"),
        Package("npm", "@scope/pkg", "1.2.3"),
        Package("npm", "lodash", "4.17.21"),
        Package("npm", "string-width", "4.2.3"),
    }
    assert parsed.local == ("ws-link",)
    assert parsed.unaudited and "from-git" in parsed.unaudited[0]


def test_package_lock_v1_nested() -> None:
    text = json.dumps(
        {
            "lockfileVersion": 1,
            "dependencies": {
                "lodash": {
                    "version": "4.17.15",
                    "dependencies": {"minimist": {"version": "0.0.8"}},
                },
                "local": {"version": "file:../local"},
            },
        }
    )
    parsed = lockfiles.parse_package_lock(text)
    assert set(parsed.packages) == {
        Package("npm", "lodash", "4.17.15"),
        Package("npm", "minimist", "0.0.8"),
    }
    assert parsed.local == ("local",)


@pytest.mark.parametrize(
    "text",
    [
        '{"lockfileVersion": 9, "packages": {}}',
        "{}",
        "[]",
        "",
        '{"lockfileVersion": 3, "packages": {"node_modules/x": 5}}',
    ],
)
def test_package_lock_bad(text: str) -> None:
    with pytest.raises(InputError):
        lockfiles.parse_package_lock(text)


def test_requirements_only_exact_pins_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "requirements-base.txt").write_text("urllib3==1.26.5  # pinned\n")
    (tmp_path / "requirements.txt").write_text(
        "-r requirements-base.txt\n--index-url https://pypi.org/simple\n"
        "requests[security]==2.19.1 ; python_version >= '3.8' \\\n    --hash=sha256:abc\n"
        "Django>=4.2\nflask\n-e .\n-e git+https://github.com/x/y.git#egg=y\nnumpy==1.*\n# comment\n"
        "pyyaml===6.0.1\n"
    )
    parsed = lockfiles.load(tmp_path / "requirements.txt", tmp_path)
    assert set(parsed.packages) == {
        Package("PyPI", "requests", "2.19.1"),
        Package("PyPI", "urllib3", "1.26.5"),
        Package("PyPI", "pyyaml", "6.0.1"),
    }
    names = " ".join(parsed.unaudited)
    assert "Django" in names and "flask" in names and "numpy" in names and "git+" in names
    assert parsed.local == (". (editable install; no pinned version)",)


def test_requirements_include_outside_project_refused(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r ../../etc/requirements.txt\n")
    with pytest.raises(InputError, match="outside"):
        lockfiles.load(tmp_path / "requirements.txt", tmp_path)


def test_poetry_and_uv_locks(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.19.1"\n\n'
        '[[package]]\nname = "mylib"\nversion = "0.1"\n[package.source]\ntype = "directory"\nurl = "../mylib"\n\n'  # noqa: E501
        '[[package]]\nname = "gitdep"\nversion = "1.0"\n[package.source]\ntype = "git"\nurl = "https://x"\n'
    )
    poetry = lockfiles.load(tmp_path / "poetry.lock")
    assert poetry.packages == (Package("PyPI", "requests", "2.19.1"),)
    assert poetry.local == ("mylib",) and "gitdep" in poetry.unaudited[0]
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'  # noqa: E501
        '[[package]]\nname = "requests"\nversion = "2.32.4"\nsource = { registry = "https://pypi.org/simple" }\n'  # noqa: E501
    )
    uv = lockfiles.load(tmp_path / "uv.lock")
    assert uv.packages == (Package("PyPI", "requests", "2.32.4"),) and uv.local == ("app",)
    (tmp_path / "uv.lock").write_text("[[package]\nname=")
    with pytest.raises(InputError, match="TOML"):
        lockfiles.load(tmp_path / "uv.lock")


def test_unknown_file_name(tmp_path: Path) -> None:
    (tmp_path / "Gemfile.lock").write_text("x")
    with pytest.raises(InputError, match="unknown lock file"):
        lockfiles.load(tmp_path / "Gemfile.lock")
    (tmp_path / "yarn.lock").write_text("x")
    with pytest.raises(InputError, match="not a yarn lock file"):
        lockfiles.load(tmp_path / "yarn.lock")
