"""Safe YAML → plain data, remembering where every key and value came from.

PyYAML's ``compose`` gives nodes with marks; we build dicts/lists/scalars ourselves, so no tag can
construct an object (``!!python/object/apply:os.system`` is an error, not a command), duplicate keys
are errors, and :class:`Marks` maps each key path to its file position for error messages.
``${VAR}`` / ``${VAR:-default}`` are expanded from the environment; ``$${`` is a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gates.errors import ChecklistError

KeyPath = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (10x faster); the nodes and marks are the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_VAR = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Unresolved:
    """A string naming a variable that is not set; an error only where the value is used."""

    text: str
    missing: tuple[str, ...]


@dataclass
class Marks:
    """Key path → (line, column), 1-based, for values and for keys."""

    path: str
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    values: int = 0
    """Values built so far (bounded: aliases must not expand a small file into a huge one)."""

    def locate(self, key_path: KeyPath) -> tuple[int | None, int | None]:
        """The position of ``key_path`` or of its nearest ancestor that has one."""
        probe = tuple(key_path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (None, None))

    def error(self, message: str, key_path: KeyPath, hint: str = "") -> ChecklistError:
        """A :class:`ChecklistError` positioned at ``key_path``."""
        line, column = self.locate(key_path)
        return ChecklistError(
            message, path=self.path, line=line, column=column, key_path=dotted(key_path), hint=hint
        )


def dotted(key_path: KeyPath) -> str:
    """``gates.coverage.thresholds.lines`` / ``gates.sast.sources[0].tool``."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_yaml(text: str, path: str, environ: Mapping[str, str]) -> tuple[Any, Marks]:
    """Parse ``text`` into plain data (variables expanded) and its marks."""
    marks = Marks(path=path)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        raise ChecklistError(
            f"invalid YAML: {problem}", path=path, line=line, column=column
        ) from None
    except yaml.YAMLError as exc:
        raise ChecklistError(f"invalid YAML: {exc}", path=path) from None
    if node is None:
        raise ChecklistError("the checklist is empty", path=path, line=1, column=1)
    return _convert(node, (), marks, environ), marks


MAX_VALUES = 100_000
"""Most values a checklist may hold once YAML aliases are expanded (an alias bomb stops here)."""
MAX_DEPTH = 64


def _convert(node: yaml.Node, key_path: KeyPath, marks: Marks, environ: Mapping[str, str]) -> Any:
    marks.values += 1
    if marks.values > MAX_VALUES:
        raise marks.error(
            f"the checklist expands to more than {MAX_VALUES} values (nested YAML aliases?)",
            key_path,
        )
    if len(key_path) > MAX_DEPTH:
        raise marks.error(f"the checklist nests deeper than {MAX_DEPTH} levels", key_path[:4])
    marks.positions.setdefault(key_path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if node.tag not in _STANDARD_TAGS:
        raise marks.error(f"YAML tag {node.tag!r} is not allowed in a checklist", key_path)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD_TAGS:
                raise marks.error("mapping keys must be plain strings", key_path)
            if key_node.value == "<<":
                raise marks.error(
                    "YAML merge keys (<<) are not supported; repeat the keys", key_path
                )
            key = str(key_node.value)
            child = (*key_path, key)
            if key in result:
                marks.positions[child] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                raise marks.error(f"duplicate key {key!r}", child)
            marks.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child, marks, environ)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*key_path, i), marks, environ) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    value = _scalar(node)
    if isinstance(value, str):
        return expand(value, environ)
    return value


_RESOLVER = yaml.SafeLoader("")


def _scalar(node: yaml.ScalarNode) -> Any:
    """Construct a scalar the way SafeLoader would (ints, floats, bools, null, dates, strings)."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # keep dates as text; the models parse the ones they need
    return _RESOLVER.construct_object(node, deep=True)


def expand(text: str, environ: Mapping[str, str]) -> str | Unresolved:
    """Expand ``${VAR}`` and ``${VAR:-default}``; an unset variable without default → Unresolved."""
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None or (value == "" and default is not None):
            if default is not None:
                return default
            missing.append(name)
            return match.group(0)
        return value

    result = _VAR.sub(substitute, text)
    if missing:
        return Unresolved(text=result, missing=tuple(missing))
    return result


def find_unresolved(data: Any, key_path: KeyPath = ()) -> list[tuple[KeyPath, Unresolved]]:
    """Every :class:`Unresolved` value under ``data`` with its key path."""
    found: list[tuple[KeyPath, Unresolved]] = []
    if isinstance(data, Unresolved):
        found.append((key_path, data))
    elif isinstance(data, dict):
        for key, value in data.items():
            found.extend(find_unresolved(value, (*key_path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(find_unresolved(value, (*key_path, index)))
    return found


def settle(data: Any) -> Any:
    """Replace :class:`Unresolved` values by their literal text (for gates that will not run)."""
    if isinstance(data, Unresolved):
        return data.text
    if isinstance(data, dict):
        return {key: settle(value) for key, value in data.items()}
    if isinstance(data, list):
        return [settle(value) for value in data]
    return data
