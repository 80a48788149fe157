"""Where the packages of a monorepo are: the workspace globs a project declares
(``pnpm-workspace.yaml``, ``package.json`` ``workspaces``), or, without a declaration, the
folders apps usually live in. Only folders inside the project, never through node_modules or a
symbolic link, at most :data:`MAX_PACKAGES`."""

from __future__ import annotations

from pathlib import Path

from gates.init.files import read_json, read_small_text

MAX_PACKAGES = 50
"""Workspace packages read at most (a bound, so a hostile layout cannot make init crawl)."""
_FALLBACK_PARENTS = ("apps", "packages", "sites", "services")
# Top-level folders that are never the project's apps (their sub-folders may be).
_NOT_APPS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        "env",
        "build",
        "dist",
        "site-packages",
        "__pycache__",
        "coverage",
        "reports",
        "docs",
        "examples",
        "migrations",
        "tests",
        "test",
        "testing",
        "spec",
        "e2e",
    }
)


def declared_patterns(root: Path, seen: list[str]) -> tuple[list[str], str | None]:
    """Workspace globs: ``pnpm-workspace.yaml``'s ``packages``, else package.json's
    ``workspaces`` (a list, or ``{"packages": [...]}`` as yarn and bun also write it)."""
    import yaml

    pnpm = root / "pnpm-workspace.yaml"
    if pnpm.is_file():
        try:
            data = yaml.safe_load(read_small_text(pnpm))
        except yaml.YAMLError:
            data = None
        packages = data.get("packages") if isinstance(data, dict) else None
        if isinstance(packages, list):
            seen.append("pnpm-workspace.yaml")
            return [str(p) for p in packages if isinstance(p, str)], "pnpm-workspace.yaml"
    declared = read_json(root / "package.json").get("workspaces")
    if isinstance(declared, dict):
        declared = declared.get("packages")
    if isinstance(declared, list):
        seen.append("package.json (workspaces)")
        return [str(p) for p in declared if isinstance(p, str)], "package.json workspaces"
    return [], None


def expand(root: Path, patterns: list[str]) -> list[Path]:
    """The folders the workspace globs name that hold a package.json, inside the project,
    never through node_modules or a symbolic link, at most :data:`MAX_PACKAGES`."""
    import fnmatch

    include = [p.strip().strip("/") for p in patterns if p.strip() and not p.startswith("!")]
    exclude = [p[1:].strip().strip("/") for p in patterns if p.startswith("!")]
    found: dict[str, Path] = {}
    for pattern in include:
        parts = pattern.split("/")
        if not pattern or ".." in parts or pattern.startswith("/"):
            continue
        depth = 4 if "**" in pattern else len(parts)
        for folder in _folders(root, depth):
            rel = folder.relative_to(root).as_posix()
            if rel in found or not _glob_matches(pattern, rel):
                continue
            if any(fnmatch.fnmatchcase(rel, ex) or _glob_matches(ex, rel) for ex in exclude):
                continue
            if (folder / "package.json").is_file():
                found[rel] = folder
            if len(found) >= MAX_PACKAGES:
                break
    return [found[k] for k in sorted(found)]


def _glob_matches(pattern: str, rel: str) -> bool:
    """Workspace globs as npm/pnpm read them: ``*`` within one folder name, ``**`` any depth."""
    import re

    regex = ""
    for index, part in enumerate(pattern.split("/")):
        if part == "**":
            regex += "(?:[^/]+/)*" if index < len(pattern.split("/")) - 1 else ".*"
            continue
        piece = re.escape(part).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex += piece + "/"
    regex = regex.removesuffix("/")
    return re.fullmatch(regex.removesuffix("/"), rel) is not None


def _folders(root: Path, depth: int) -> list[Path]:
    """Folders under ``root`` up to ``depth`` levels, skipping what never holds a package."""
    out: list[Path] = []
    level = [root]
    for _ in range(depth):
        following: list[Path] = []
        for folder in level:
            try:
                children = sorted(folder.iterdir())
            except OSError:
                continue
            for child in children:
                if child.name.startswith(".") or child.name in _NOT_PACKAGES:
                    continue
                if child.is_symlink() or not child.is_dir():
                    continue
                following.append(child)
                if len(out) + len(following) > 2000:
                    break
        out += following
        level = following
    return out


_NOT_PACKAGES = frozenset({"node_modules", "dist", "build", ".svelte-kit", "coverage", "reports"})


def fallback_folders(root: Path) -> list[Path]:
    """Sub-folder apps nobody declared: ``apps/*``, ``packages/*`` (and ``sites/*``,
    ``services/*``) and direct sub-folders (``frontend/``, ``web/``) with a package.json."""
    found = []
    for folder in _folders(root, 2):
        rel = folder.relative_to(root).as_posix()
        parent = rel.split("/", 1)[0] if "/" in rel else ""
        if "/" in rel and parent not in _FALLBACK_PARENTS:
            continue
        if "/" not in rel and (folder.name in _NOT_APPS):
            continue  # docs/, examples/, tests/… at the top are not the project's apps
        if (folder / "package.json").is_file():
            found.append(folder)
    return found[:MAX_PACKAGES]
