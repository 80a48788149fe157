"""Vite build manifest (``.vite/manifest.json``): chunks, entries and static import closures.

Producers tested: Vite 7.3 through SvelteKit 2.70
(``.svelte-kit/output/client/.vite/manifest.json``, built in tests from ``examples/shop-web``),
and Vite 5 (``tests/corpus/bundle/vite-manifest-*.json``, including @crxjs odd keys and
laravel-vite-plugin's ``public/build/manifest.json`` with assets).

Shape (Vite's ``ManifestChunk``): an object keyed by source path (or ``_<hash>.js`` for shared
chunks) whose values have ``file`` (output path relative to the output dir) and optionally
``src``, ``name``, ``isEntry``, ``isDynamicEntry``, ``imports`` and ``dynamicImports`` (manifest
keys), ``css`` and ``assets`` (output paths). Anything else in that shape is an InputError: a
value that is not an object, a chunk without ``file``, an import naming a key that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text


@dataclass(frozen=True)
class Chunk:
    """One manifest entry."""

    key: str
    file: str
    src: str = ""
    name: str = ""
    is_entry: bool = False
    is_dynamic_entry: bool = False
    imports: tuple[str, ...] = ()
    """Manifest keys of chunks this one imports statically (loaded with it)."""
    dynamic_imports: tuple[str, ...] = ()
    """Manifest keys this one may ``import()`` later (not loaded with it)."""
    css: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Closure:
    """What loading one entry pulls in: its file, its static imports (recursively), their CSS."""

    entry: str
    keys: tuple[str, ...]
    """Manifest keys in the static closure, the entry first."""
    files: tuple[str, ...]
    """Output files loaded with the entry: JS of every key, then CSS, de-duplicated."""
    dynamic: tuple[str, ...]
    """Manifest keys reachable by ``import()`` from the closure but not in it (listed apart)."""
    assets: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViteManifest:
    """A parsed manifest."""

    chunks: dict[str, Chunk]

    @property
    def entries(self) -> list[Chunk]:
        """Chunks marked ``isEntry`` (static entries and SvelteKit route nodes)."""
        return [chunk for chunk in self.chunks.values() if chunk.is_entry]

    def closure(self, key: str) -> Closure:
        """The static import closure of ``key`` (its CSS included); KeyError-free."""
        if key not in self.chunks:
            raise InputError(f"'{key}' is not a key of the Vite manifest")
        order: list[str] = []
        seen: set[str] = set()
        stack = [key]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            order.append(current)
            stack.extend(reversed(self.chunks[current].imports))
        files: dict[str, None] = {}
        for item in order:
            files[self.chunks[item].file] = None
        for item in order:
            for css in self.chunks[item].css:
                files[css] = None
        assets = {a: None for item in order for a in self.chunks[item].assets}
        dynamic = {
            d: None for item in order for d in self.chunks[item].dynamic_imports if d not in seen
        }
        return Closure(
            entry=key,
            keys=tuple(order),
            files=tuple(files),
            dynamic=tuple(dynamic),
            assets=tuple(assets),
        )


def load(path: Path) -> ViteManifest:
    """Read and validate a manifest file."""
    return parse(read_text(path), str(path))


def parse(text: str, name: str) -> ViteManifest:
    """Validate the manifest shape and build :class:`ViteManifest`."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict):
        raise InputError(f"{name}: a Vite manifest is a JSON object keyed by source path")
    if not data:
        raise InputError(f"{name}: the Vite manifest lists no chunks")
    chunks = {key: _chunk(name, key, value) for key, value in data.items()}
    for chunk in chunks.values():
        for ref in (*chunk.imports, *chunk.dynamic_imports):
            if ref not in chunks:
                raise InputError(
                    f"{name}: chunk '{chunk.key}' imports '{ref}', which is not in the manifest"
                )
    return ViteManifest(chunks=chunks)


def _chunk(name: str, key: str, value: Any) -> Chunk:
    if not isinstance(value, dict):
        raise InputError(f"{name}: manifest entry '{key}' is not an object")
    file = value.get("file")
    if not isinstance(file, str) or not file:
        raise InputError(f"{name}: manifest entry '{key}' has no 'file'")
    return Chunk(
        key=key,
        file=file,
        src=_string(name, key, value, "src"),
        name=_string(name, key, value, "name"),
        is_entry=value.get("isEntry") is True,
        is_dynamic_entry=value.get("isDynamicEntry") is True,
        imports=_strings(name, key, value, "imports"),
        dynamic_imports=_strings(name, key, value, "dynamicImports"),
        css=_strings(name, key, value, "css"),
        assets=_strings(name, key, value, "assets"),
    )


def _string(name: str, key: str, value: dict[str, Any], field: str) -> str:
    item = value.get(field, "")
    if not isinstance(item, str):
        raise InputError(f"{name}: '{key}'.{field} is not a string")
    return item


def _strings(name: str, key: str, value: dict[str, Any], field: str) -> tuple[str, ...]:
    items = value.get(field, [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InputError(f"{name}: '{key}'.{field} is not a list of strings")
    return tuple(items)
