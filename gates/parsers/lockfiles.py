"""Resolved packages from lock files, for offline advisory matching.

Formats: ``package-lock.json`` / ``npm-shrinkwrap.json`` (lockfileVersion 1, 2, 3),
``requirements*.txt`` (only ``name==version`` pins are resolved; every other requirement is
listed as not audited, because its installed version is unknown), ``poetry.lock`` and
``uv.lock`` (TOML, read with :mod:`tomllib`), ``pnpm-lock.yaml`` lockfileVersion 5.x, 6.0 and
9.0 (pnpm 8: keys ``/name@version``, peers in a ``(…)`` suffix; pnpm 9: ``name@version``),
``yarn.lock`` classic (yarn 1's own format) and berry (YAML, ``name@npm:range`` keys,
``resolution: "name@npm:version"``). Recorded real pnpm/yarn locks are in
``tests/corpus/lockfiles`` (how each was made: the corpus MANIFEST). YAML aliases are refused
(no lock file writes them; an alias bomb would never end).

Packages from the project itself (workspace links, ``file:`` / path / editable / virtual
sources) are local code, not published packages: they are listed as ``local``, not audited.
Packages from git or URL sources cannot be matched against advisories by version and are
``unaudited``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text, resolve_inside


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Package:
    """One resolved package: ecosystem (``npm``/``PyPI``), name and exact version."""

    ecosystem: str
    name: str
    version: str


@dataclass(frozen=True)
class Lockfile:
    """What a lock file resolves, and what it could not."""

    path: str
    format: str
    packages: tuple[Package, ...]
    unaudited: tuple[str, ...] = ()
    local: tuple[str, ...] = ()


def load(path: Path, root: Path | None = None) -> Lockfile:
    """Parse a lock file, choosing the format by file name."""
    name = path.name
    if name in ("package-lock.json", "npm-shrinkwrap.json"):
        return parse_package_lock(read_text(path), str(path))
    if name == "poetry.lock":
        return parse_poetry_lock(read_text(path), str(path))
    if name == "uv.lock":
        return parse_uv_lock(read_text(path), str(path))
    if name == "pnpm-lock.yaml":
        return parse_pnpm_lock(read_text(path), str(path))
    if name == "yarn.lock":
        return parse_yarn_lock(read_text(path), str(path))
    if name.endswith(".txt") and "requirements" in name:
        return parse_requirements(read_text(path, allow_empty=True), str(path), path, root)
    raise InputError(
        f"{path}: unknown lock file (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml,"
        " yarn.lock, requirements*.txt, poetry.lock and uv.lock are supported)"
    )


def _npm_name(key: str) -> str:
    return key.rsplit("node_modules/", 1)[-1]


def parse_package_lock(text: str, name: str = "package-lock.json") -> Lockfile:
    """npm lock file v1 (nested ``dependencies``) or v2/v3 (flat ``packages``)."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise InputError(f"{name}: not an npm lock file (no lockfileVersion)")
    version = data["lockfileVersion"]
    packages: list[Package] = []
    unaudited: list[str] = []
    local: list[str] = []
    if version in (2, 3) and isinstance(data.get("packages"), dict):
        for key, entry in data["packages"].items():
            if not key or "node_modules/" not in key:
                continue  # the root project or a workspace folder
            if not isinstance(entry, dict):
                raise InputError(f"{name}: packages[{key!r}] is not an object")
            pkg_name = str(entry.get("name") or _npm_name(key))
            _npm_entry(pkg_name, entry, packages, unaudited, local)
    elif version == 1:
        _walk_v1(data.get("dependencies") or {}, packages, unaudited, local, name)
    else:
        raise InputError(f"{name}: lockfileVersion {version!r} is not supported (1, 2 and 3 are)")
    return Lockfile(
        name, f"package-lock v{version}", _dedupe(packages), tuple(unaudited), tuple(local)
    )


def _npm_entry(
    pkg_name: str,
    entry: dict[str, Any],
    packages: list[Package],
    unaudited: list[str],
    local: list[str],
) -> None:
    resolved = str(entry.get("resolved") or "")
    version = str(entry.get("version") or "")
    if entry.get("link") or resolved.startswith("file:") or version.startswith("file:"):
        local.append(pkg_name)
    elif resolved.startswith(("git+", "git:", "github:")) or version.startswith(
        ("git", "github:", "http")
    ):
        unaudited.append(f"{pkg_name} (git/URL source; no registry version)")
    elif not version:
        unaudited.append(f"{pkg_name} (no version in the lock file)")
    else:
        # npm aliases ("npm:real-name@1.2.3") are audited under the real name.
        if version.startswith("npm:"):
            real, _, version = version[4:].rpartition("@")
            pkg_name = real or pkg_name
        packages.append(Package("npm", pkg_name, version))


def _walk_v1(
    deps: object,
    packages: list[Package],
    unaudited: list[str],
    local: list[str],
    name: str,
    depth: int = 0,
) -> None:
    if not isinstance(deps, dict) or depth > 200:
        raise InputError(f"{name}: 'dependencies' is malformed or nested too deeply")
    for pkg_name, entry in deps.items():
        if not isinstance(entry, dict):
            raise InputError(f"{name}: dependencies[{pkg_name!r}] is not an object")
        _npm_entry(pkg_name, entry, packages, unaudited, local)
        if entry.get("dependencies"):
            _walk_v1(entry["dependencies"], packages, unaudited, local, name, depth + 1)


def _dedupe(packages: list[Package]) -> tuple[Package, ...]:
    return tuple(dict.fromkeys(packages))


_REQ_PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;,#\\]+)\s*(?:;.*)?$"
)
_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def parse_requirements(
    text: str,
    name: str = "requirements.txt",
    path: Path | None = None,
    root: Path | None = None,
    _depth: int = 0,
) -> Lockfile:
    """``name==version`` pins are resolved; other requirements are unaudited; ``-r`` is followed."""
    packages: list[Package] = []
    unaudited: list[str] = []
    local: list[str] = []
    logical = re.sub(r"\\\r?\n", " ", text)
    for raw in logical.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        line = re.sub(r"\s--hash[= ]\S+", "", line).strip()
        if line.startswith(("-r ", "--requirement ", "-r\t", "--requirement=")):
            included = line.split(None, 1)[1] if " " in line else line.split("=", 1)[1]
            if path is None or root is None or _depth > 10:
                unaudited.append(f"{included} (included requirements file not followed)")
                continue
            sub_path = resolve_inside(root, path.resolve().parent / included)
            sub = parse_requirements(
                read_text(sub_path, allow_empty=True), str(sub_path), sub_path, root, _depth + 1
            )
            packages += sub.packages
            unaudited += sub.unaudited
            local += sub.local
            continue
        if line.startswith(("-e ", "--editable")):
            target = line.split(None, 1)[-1]
            (local if target.startswith((".", "/", "file:")) else unaudited).append(
                f"{target} (editable install; no pinned version)"
            )
            continue
        if line.startswith("-"):
            continue  # --index-url, -c constraints, --hash on its own line...
        pin = _REQ_PIN.match(line)
        if pin and "*" not in pin.group(2):
            packages.append(Package("PyPI", pin.group(1), pin.group(2)))
            continue
        req = _REQ_NAME.match(line)
        unaudited.append(f"{req.group(1) if req else line[:60]} (not pinned with ==: {line[:80]})")
    return Lockfile(name, "requirements.txt", _dedupe(packages), tuple(unaudited), tuple(local))


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML ({exc})") from None


def _toml_packages(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = data.get("package")
    if not isinstance(items, list):
        raise InputError(f"{name}: no [[package]] entries")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InputError(f"{name}: a [[package]] entry has no name")
    return items


def parse_poetry_lock(text: str, name: str = "poetry.lock") -> Lockfile:
    """poetry.lock: ``[[package]]`` name/version, ``source.type`` git/url unaudited, path local."""
    data = _toml(text, name)
    packages: list[Package] = []
    unaudited: list[str] = []
    local: list[str] = []
    for item in _toml_packages(data, name):
        source = _dict(item.get("source"))
        kind = source.get("type", "")
        if kind in ("directory", "file"):
            local.append(item["name"])
        elif kind in ("git", "url"):
            unaudited.append(f"{item['name']} ({kind} source; no registry version)")
        elif not item.get("version"):
            unaudited.append(f"{item['name']} (no version)")
        else:
            packages.append(Package("PyPI", item["name"], str(item["version"])))
    return Lockfile(name, "poetry.lock", _dedupe(packages), tuple(unaudited), tuple(local))


def parse_uv_lock(text: str, name: str = "uv.lock") -> Lockfile:
    """uv.lock: registry sources resolved; editable/virtual/path local; git/url unaudited."""
    data = _toml(text, name)
    packages: list[Package] = []
    unaudited: list[str] = []
    local: list[str] = []
    for item in _toml_packages(data, name):
        source = _dict(item.get("source"))
        if any(k in source for k in ("editable", "virtual", "directory", "path")):
            local.append(item["name"])
        elif any(k in source for k in ("git", "url")):
            unaudited.append(f"{item['name']} (git/URL source; no registry version)")
        elif not item.get("version"):
            unaudited.append(f"{item['name']} (no version)")
        else:
            packages.append(Package("PyPI", item["name"], str(item["version"])))
    return Lockfile(name, "uv.lock", _dedupe(packages), tuple(unaudited), tuple(local))


# --- pnpm and yarn ---------------------------------------------------------------------------

_PEERS = re.compile(r"\(.*\)$")
_LOCAL = ("link:", "workspace:", "portal:")
_REGISTRY_TARBALL = re.compile(r"^https?://[^#]+/-/[^/#]+\.tgz(#.*)?$")


def _yaml(text: str, name: str) -> Any:
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(f"{name}: YAML aliases are refused (no lock file writes them)")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply") from None


def _split(spec: str) -> tuple[str, str]:
    """``@scope/name@1.2.3`` → (``@scope/name``, ``1.2.3``); the ``@`` of a scope is not it."""
    at = spec.rfind("@")
    if at <= 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def parse_pnpm_lock(text: str, name: str = "pnpm-lock.yaml") -> Lockfile:
    """``pnpm-lock.yaml`` of pnpm 6–9 (lockfileVersion 5.x keys ``/name/version`` too)."""
    data = _yaml(text, name)
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise InputError(f"{name}: not a pnpm lock file (no lockfileVersion)")
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise InputError(f"{name}: `packages` is not a mapping")
    found: dict[tuple[str, str], None] = {}
    unaudited: list[str] = []
    local: list[str] = []
    for key, entry in packages.items():
        spec = _PEERS.sub("", str(key)).lstrip("/")
        resolution = entry.get("resolution") if isinstance(entry, dict) else None
        if any(spec.startswith(p) for p in _LOCAL) or "link:" in spec:
            local.append(spec)
            continue
        package, version = _split(spec)
        if not version and "/" in spec:  # lockfileVersion 5: /name/1.2.3
            package, _, version = spec.rpartition("/")
        off_registry = isinstance(resolution, dict) and (
            "tarball" in resolution or "repo" in resolution or "directory" in resolution
        )
        if off_registry or not re.match(r"^\d", version):
            unaudited.append(f"{package or spec} (not from the npm registry: {spec[:80]})")
            continue
        found[(package, version)] = None
    return Lockfile(
        path=name,
        format=f"pnpm-lock.yaml {data['lockfileVersion']}",
        packages=tuple(Package("npm", p, v) for p, v in found),
        unaudited=tuple(unaudited),
        local=tuple(local),
    )


def parse_yarn_lock(text: str, name: str = "yarn.lock") -> Lockfile:
    """``yarn.lock``: berry (YAML with ``__metadata``) or classic (yarn 1's own format)."""
    if "__metadata:" in text[:2000]:
        return _berry(_yaml(text, name), name)
    if "# yarn lockfile v1" not in text[:500]:
        raise InputError(f"{name}: not a yarn lock file (neither '# yarn lockfile v1' nor berry)")
    return _classic(text, name)


def _classic(text: str, name: str) -> Lockfile:
    found: dict[tuple[str, str], None] = {}
    unaudited: list[str] = []
    local: list[str] = []
    package = ""
    version = ""
    resolved = ""

    def close() -> None:
        if not package:
            return
        if not version:
            raise InputError(f"{name}: the entry of {package} has no version")
        if resolved and not _REGISTRY_TARBALL.match(resolved):
            unaudited.append(f"{package} (not from the npm registry: {resolved[:80]})")
        else:
            found[(package, version)] = None

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            close()
            first = line.rstrip(":").split(",")[0].strip().strip('"')
            package, version, resolved = _split(first)[0], "", ""
            if not line.rstrip().endswith(":") or not package:
                raise InputError(f"{name}:{number}: not a yarn lock entry: {line[:60]!r}")
            spec = _split(first)[1]
            if spec.startswith(_LOCAL):
                local.append(package)
                package = ""
            continue
        stripped = line.strip()
        if line.startswith("  ") and not line.startswith("    "):
            key, _, value = stripped.partition(" ")
            value = value.strip().strip('"')
            if key == "version":
                version = value
            elif key == "resolved":
                resolved = value
    close()
    return Lockfile(
        path=name,
        format="yarn.lock v1",
        packages=tuple(Package("npm", p, v) for p, v in found),
        unaudited=tuple(unaudited),
        local=tuple(local),
    )


def _berry(data: Any, name: str) -> Lockfile:
    if not isinstance(data, dict):
        raise InputError(f"{name}: not a yarn berry lock file")
    found: dict[tuple[str, str], None] = {}
    unaudited: list[str] = []
    local: list[str] = []
    for key, entry in data.items():
        if key == "__metadata":
            continue
        if not isinstance(entry, dict):
            raise InputError(f"{name}: entry {str(key)[:60]!r} is not a mapping")
        resolution = str(entry.get("resolution") or "")
        package, protocol = _split(resolution)
        version = str(entry.get("version") or "")
        if protocol.startswith(_LOCAL):
            local.append(package)
        elif protocol.startswith("npm:") and re.match(r"^\d", version):
            found[(package, version)] = None
        elif protocol.startswith("patch:") and "npm%3A" in protocol and re.match(r"^\d", version):
            found[(package, version)] = None  # a patched registry package: its version is known
        else:
            unaudited.append(f"{package or key} (not from the npm registry: {resolution[:80]})")
    return Lockfile(
        path=name,
        format=f"yarn.lock berry {data.get('__metadata', {}).get('version', '?')}"
        if isinstance(data.get("__metadata"), dict)
        else "yarn.lock berry",
        packages=tuple(Package("npm", p, v) for p, v in found),
        unaudited=tuple(unaudited),
        local=tuple(local),
    )
