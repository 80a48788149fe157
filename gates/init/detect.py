"""What a project is made of, read from its files: frameworks, test runners, lock files, sources.

Only files are read (``package.json``, ``pyproject.toml``, lock files, config files); nothing is
run and nothing is fetched. Every fact carries the file that shows it, so the written checklist
can say why each gate is there.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.init.files import read_json, read_small_text
from gates.init.workspaces import declared_patterns, expand, fallback_folders

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


@dataclass(frozen=True)
class Node:
    """The JavaScript side: package manager, framework and test runners of ``package.json``."""

    manager: str  # npm | pnpm | yarn | bun
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
    framework_config: str | None = None
    """``svelte.config.js`` / ``vite.config.ts``… when the folder has one (a monorepo root
    with only hoisted tools in its devDependencies has none)."""

    def exec(self, tool: str) -> str:
        """The command line that runs a locally installed tool with this package manager."""
        if self.manager == "pnpm":
            return f"pnpm exec {tool}"
        if self.manager == "yarn":
            return f"yarn {tool}"
        if self.manager == "bun":
            return f"bunx --no-install {tool}"
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
    apps: tuple[App, ...] = ()
    """The workspace packages (or sub-folder apps) that get their own gates; empty for a
    single-package project, whose gates work at the root."""
    workspaces: str | None = None
    """What declared the workspaces (``pnpm-workspace.yaml``, ``package.json workspaces``) or
    ``None``; sub-folder apps found without a declaration say ``folders``."""


@dataclass(frozen=True)
class App:
    """One package of a monorepo that gets gates: where it is, and what is in it. Every path
    is project-relative (the checklist lives at the root)."""

    path: str
    """Its folder, e.g. ``apps/web``."""
    slug: str
    """The gate-id suffix, e.g. ``web`` (``build-web``)."""
    node: Node | None
    supabase_migrations: str | None = None
    supabase_config: bool = False
    vercel: bool = False
    env_example: str | None = None
    public_prefix: str | None = None
    own_lockfile: bool = False
    """The package has its own lock file (a sub-folder project, not a workspace member)."""


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


def _node(root: Path, seen: list[str], inherit: Node | None = None) -> Node | None:
    """The package at ``root``; a workspace member without a lock file of its own takes the
    manager and lock file of the workspace root (``inherit``)."""
    manifest = read_json(root / "package.json")
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
    declared = manifest.get("packageManager")
    if isinstance(declared, str) and declared.split("@", 1)[0] in ("npm", "pnpm", "yarn", "bun"):
        manager = declared.split("@", 1)[0]
    for lock, who in _LOCKS:
        if (root / lock).is_file():
            manager, lockfile = who, lock
            seen.append(lock)
            break
    else:
        if inherit is not None:
            manager = inherit.manager
    kit_config = _any(root, "svelte.config.js", "svelte.config.mjs", "svelte.config.ts")
    vite_config = _any(
        root, "vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts"
    )
    framework: str | None = None
    build_dir: str | None = None
    if _library(root, scripts, vite_config, deps):
        # a component library (svelte-package) or a Vite library build (build.lib):
        # nothing a browser loads, so no bundle, Lighthouse or client-secrets gate
        seen.append("package.json (a library build)")
    elif "@sveltejs/kit" in deps:
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
        framework_config=(kit_config or vite_config) if framework else None,
    )


_LOCKS = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
)


_VITE_LIBRARY = re.compile(r"\blib\s*:")


def _library(root: Path, scripts: dict[str, str], vite_config: str | None, deps: set[str]) -> bool:
    """The package builds a library (or a server), not an app a browser loads: SvelteKit's
    ``svelte-package``, or a Vite config with ``build.lib``."""
    build = scripts.get("build", "")
    if "svelte-package" in build and "vite build" not in build:
        return True
    if vite_config is not None and "@sveltejs/kit" not in deps:
        text = read_small_text(root / vite_config)
        return _VITE_LIBRARY.search(text) is not None
    return False


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
    env_example = _any(root, *_ENV_EXAMPLES)
    name = root.resolve().name or "project"
    if node is not None:
        manifest_name = read_json(root / "package.json").get("name")
        if isinstance(manifest_name, str) and manifest_name:
            name = manifest_name
    apps, workspaces = _apps(root, node, seen)
    prefix = _public_prefix(node)
    app_prefixes = {app.public_prefix for app in apps if app.public_prefix}
    if prefix is None and len(app_prefixes) == 1:
        # a root env example the apps read (Vite's envDir): their framework's public prefix
        prefix = app_prefixes.pop()
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
        apps=apps,
        workspaces=workspaces,
    )


_ENV_EXAMPLES = (
    ".env.example",
    ".env.local.example",
    ".env.sample",
    ".env.template",
    ".env-example",
)


def _public_prefix(node: Node | None) -> str | None:
    """The prefix that makes an env variable public in this framework's client code."""
    if node is None:
        return None
    if node.framework == "sveltekit":
        return "PUBLIC_"
    if "next" in node.deps:
        return "NEXT_PUBLIC_"
    if node.framework == "vite":
        return "VITE_"
    return None


def _apps(
    root: Path, root_node: Node | None, seen: list[str]
) -> tuple[tuple[App, ...], str | None]:
    """The packages of a monorepo that get gates, and what declared them."""
    patterns, declared = declared_patterns(root, seen)
    if declared is not None:
        folders = expand(root, patterns)
    elif root_node is None or root_node.framework is None:
        # no declaration, and nothing to build at the root: an app in a sub-folder
        folders = fallback_folders(root)
        declared = "folders" if folders else None
    else:
        return (), None
    apps: list[App] = []
    for folder in folders:
        app = _app(root, folder, root_node, declared != "folders", seen)
        if app is not None:
            apps.append(app)
    slugs = [a.slug for a in apps]
    if len(set(slugs)) != len(slugs):  # apps/web and packages/web: the whole path tells
        apps = [dataclasses.replace(a, slug=_slug(a.path.replace("/", "-"))) for a in apps]
    return tuple(apps), (declared if apps else None)


def _slug(text: str) -> str:
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in text.lower()).strip("-._")
    return slug or "app"


def _app(
    root: Path, folder: Path, root_node: Node | None, member: bool, seen: list[str]
) -> App | None:
    rel = folder.relative_to(root).as_posix()
    local: list[str] = []
    node = _node(folder, local, inherit=root_node if member else None)
    sql_dir = folder / "supabase" / "migrations"
    migrations = (
        f"{rel}/supabase/migrations" if sql_dir.is_dir() and any(sql_dir.glob("*.sql")) else None
    )
    config = (folder / "supabase" / "config.toml").is_file()
    vercel = (folder / "vercel.json").is_file()
    env_example = _any(folder, *_ENV_EXAMPLES)
    runs_something = node is not None and (
        node.framework is not None or node.vitest or node.jest or node.playwright
    )
    own_lock = node is not None and node.lockfile is not None and not member
    if not (runs_something or migrations or config or vercel or env_example or own_lock):
        return None  # a shared config or a library without tests: nothing to gate
    seen.extend(f"{rel}/{name}" for name in local)
    seen.extend(
        f"{rel}/{n}"
        for n, present in (
            ("supabase/migrations", migrations),
            ("supabase/config.toml", config),
            ("vercel.json", vercel),
        )
        if present
    )
    return App(
        path=rel,
        slug=_slug(folder.name),
        node=node,
        supabase_migrations=migrations,
        supabase_config=config,
        vercel=vercel,
        env_example=f"{rel}/{env_example}" if env_example else None,
        public_prefix=_public_prefix(node),
        own_lockfile=own_lock,
    )
