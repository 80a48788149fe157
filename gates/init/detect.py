"""What a project is made of, read from its files: frameworks, test runners, lock files, sources.

Only files are read (``package.json``, ``pyproject.toml``, lock files, config files); nothing is
run and nothing is fetched. Every fact carries the file that shows it, so the written checklist
can say why each gate is there.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Folders that never hold the project's own sources.
_NOT_SOURCES = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".git",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        "__pycache__",
        ".svelte-kit",
        ".next",
        "coverage",
        "reports",
        "docs",
        "examples",
        "migrations",
    }
)
_TEST_DIRS = frozenset({"tests", "test", "testing", "spec", "e2e"})
_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Node:
    """The JavaScript side: package manager, framework and test runners of ``package.json``."""

    manager: str  # npm | pnpm | yarn
    lockfile: str | None
    scripts: dict[str, str]
    deps: frozenset[str]
    framework: str | None  # sveltekit | vite | None
    build_dir: str | None
    vitest: bool = False
    vitest_coverage: bool = False
    jest: bool = False
    jest_junit: bool = False
    playwright: bool = False
    lighthouse: bool = False

    def exec(self, tool: str) -> str:
        """The command line that runs a locally installed tool with this package manager."""
        if self.manager == "pnpm":
            return f"pnpm exec {tool}"
        if self.manager == "yarn":
            return f"yarn {tool}"
        return f"npx --no-install {tool}"


@dataclass(frozen=True)
class Python:
    """The Python side: sources to scan, pytest, coverage.py and the dependency lock."""

    sources: tuple[str, ...]
    pytest: bool
    pytest_cov: bool
    lockfiles: tuple[str, ...]  # poetry.lock, uv.lock, Pipfile.lock
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class Project:
    """Everything :func:`detect` found, with the files that show it."""

    name: str
    node: Node | None
    python: Python | None
    supabase_migrations: str | None
    supabase_config: bool
    vercel: bool
    env_example: str | None
    public_prefix: str | None
    evidence: tuple[str, ...] = field(default_factory=tuple)


def read_small_text(path: Path) -> str:
    """A regular file's text, at most ``_MAX_BYTES``; ``""`` for anything else (a device, a
    folder, a file too large or unreadable): hostile layouts never hang or crash detection."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return ""
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return ""
    return data[:_MAX_BYTES].decode("utf-8", errors="replace")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_small_text(path) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_small_text(path))
    except tomllib.TOMLDecodeError:
        return {}


def _any(root: Path, *names: str) -> str | None:
    for name in names:
        if (root / name).is_file():
            return name
    return None


def _node(root: Path, seen: list[str]) -> Node | None:
    manifest = _read_json(root / "package.json")
    if not (root / "package.json").is_file():
        return None
    seen.append("package.json")
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        section = manifest.get(key)
        if isinstance(section, dict):
            deps.update(str(k) for k in section)
    raw_scripts = manifest.get("scripts")
    scripts = (
        {str(k): str(v) for k, v in raw_scripts.items()} if isinstance(raw_scripts, dict) else {}
    )
    manager, lockfile = "npm", None
    for lock, who in (
        ("pnpm-lock.yaml", "pnpm"),
        ("yarn.lock", "yarn"),
        ("package-lock.json", "npm"),
        ("npm-shrinkwrap.json", "npm"),
    ):
        if (root / lock).is_file():
            manager, lockfile = who, lock
            seen.append(lock)
            break
    kit_config = _any(root, "svelte.config.js", "svelte.config.mjs", "svelte.config.ts")
    vite_config = _any(
        root, "vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts"
    )
    framework: str | None = None
    build_dir: str | None = None
    if "@sveltejs/kit" in deps:
        framework, build_dir = "sveltekit", ".svelte-kit/output/client"
        seen.append(kit_config or "package.json (@sveltejs/kit)")
    elif "vite" in deps or vite_config:
        framework, build_dir = "vite", "dist"
        seen.append(vite_config or "package.json (vite)")
    return Node(
        manager=manager,
        lockfile=lockfile,
        scripts=scripts,
        deps=frozenset(deps),
        framework=framework,
        build_dir=build_dir,
        vitest="vitest" in deps,
        vitest_coverage=bool({"@vitest/coverage-v8", "@vitest/coverage-istanbul"} & deps),
        jest="jest" in deps,
        jest_junit="jest-junit" in deps,
        playwright="@playwright/test" in deps,
        lighthouse="lighthouse" in deps or "@lhci/cli" in deps,
    )


def _python_sources(root: Path) -> list[str]:
    """Top-level folders (and ``src/``) that hold Python code, tests left out."""
    found: list[str] = []
    try:
        children = sorted(root.iterdir())
    except OSError:
        return found
    for child in children:
        name = child.name
        if name.startswith(".") or name in _NOT_SOURCES or name in _TEST_DIRS:
            continue
        if child.is_dir() and not child.is_symlink():
            if (child / "__init__.py").is_file() or (
                name in {"src", "app", "scripts"} and any(child.rglob("*.py"))
            ):
                found.append(name)
        elif (
            child.suffix == ".py"
            and child.is_file()
            and not name.startswith("test_")
            and name not in {"setup.py", "noxfile.py", "conftest.py", "manage.py"}
        ):
            found.append(name)
    return found


def _python(root: Path, seen: list[str]) -> Python | None:
    pyproject = _read_toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else {}
    requirements = tuple(
        name
        for name in ("requirements.txt", "requirements-dev.txt", "requirements/base.txt")
        if (root / name).is_file()
    )
    lockfiles = tuple(n for n in ("poetry.lock", "uv.lock", "Pipfile.lock") if (root / n).is_file())
    sources = _python_sources(root)
    if not (pyproject or requirements or lockfiles or sources):
        return None
    text = ""
    for name in ("pyproject.toml", "setup.cfg", "tox.ini", *requirements):
        text += read_small_text(root / name).lower()
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    pytest = (
        "pytest" in tool
        or (root / "pytest.ini").is_file()
        or (root / "conftest.py").is_file()
        or "pytest" in text
        or any((root / d).is_dir() and any((root / d).glob("test_*.py")) for d in _TEST_DIRS)
    )
    seen.extend(n for n in ("pyproject.toml", *requirements, *lockfiles) if (root / n).is_file())
    return Python(
        sources=tuple(sources),
        pytest=pytest,
        pytest_cov="pytest-cov" in text,
        lockfiles=lockfiles,
        requirements=requirements,
    )


def detect(root: Path) -> Project:
    """Read the project at ``root``; never raises for a file it cannot read (it is left out)."""
    seen: list[str] = []
    node = _node(root, seen)
    python = _python(root, seen)
    # only SQL migrations are Supabase's (a folder of drizzle metadata alone is not)
    sql_dir = root / "supabase" / "migrations"
    migrations = "supabase/migrations" if sql_dir.is_dir() and any(sql_dir.glob("*.sql")) else None
    supabase_config = (root / "supabase" / "config.toml").is_file()
    vercel = (root / "vercel.json").is_file()
    seen.extend(
        n
        for n, present in (
            ("supabase/migrations", migrations),
            ("supabase/config.toml", supabase_config),
            ("vercel.json", vercel),
        )
        if present
    )
    env_example = _any(root, ".env.example", ".env.local.example", ".env.sample", ".env.template")
    prefix: str | None = None
    if node is not None:
        if node.framework == "sveltekit":
            prefix = "PUBLIC_"
        elif "next" in node.deps:
            prefix = "NEXT_PUBLIC_"
        elif node.framework == "vite":
            prefix = "VITE_"
    name = root.resolve().name or "project"
    if node is not None:
        manifest_name = _read_json(root / "package.json").get("name")
        if isinstance(manifest_name, str) and manifest_name:
            name = manifest_name
    return Project(
        name=name,
        node=node,
        python=python,
        supabase_migrations=migrations,
        supabase_config=supabase_config,
        vercel=vercel,
        env_example=env_example,
        public_prefix=prefix,
        evidence=tuple(dict.fromkeys(seen)),
    )
