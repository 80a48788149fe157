"""``gates schema --report``: the JSON Schema (draft 2020-12) of ``gate-report.json``.

Generated from the report's typed model (:class:`gates.model.Report` and the dataclasses it
holds), with the same rules the strict reader (:func:`gates.report.codec.from_dict`) applies:
every field of a dataclass is a property, fields without a default are required, no other
field is allowed (``additionalProperties: false``), enums are their strings, ``schema`` is
``gates-report/1``. Free-form maps (a gate's ``details``, ``options``, a finding's ``data``)
take any JSON value. ``tests/report/test_report_schema.py`` holds the schema and the reader to
the same answers.

One difference the schema language cannot express: a JSON Schema ``integer`` is a mathematical
integer, so ``"line": 3.0`` validates, while the reader wants ``3`` as written.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import types
import typing
from typing import Any, Union

from gates.model import Report
from gates.report.codec import SCHEMA

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
}


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``gate-report.json`` (schema ``gates-report/1``)."""
    definitions: dict[str, Any] = {}
    root = _dataclass_schema(Report, definitions)
    root["properties"]["schema"] = {"const": SCHEMA, "description": "report format version"}
    if "schema" not in root["required"]:
        # the reader refuses a report without it (an unknown schema), whatever its default
        root["required"].append("schema")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:release-gates:schema:gate-report-1",
        "title": "gates gate-report.json",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def _dataclass_schema(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    docs = _field_docs(cls)
    for spec in dataclasses.fields(cls):
        node = _type_schema(hints[spec.name], definitions)
        if spec.name in docs:
            node = {**node, "description": docs[spec.name]}
        properties[spec.name] = node
        no_default = spec.default is dataclasses.MISSING
        if no_default and spec.default_factory is dataclasses.MISSING:
            required.append(spec.name)
    description = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "type": "object",
        "description": " ".join(description.split()),
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _type_schema(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [_type_schema(option, definitions) for option in typing.get_args(hint)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    if hint is type(None):
        return {"type": "null"}
    if hint is Any:
        return {}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(hint)[0], definitions)}
    if origin is dict:
        return {
            "type": "object",
            "additionalProperties": _type_schema(typing.get_args(hint)[1], definitions),
        }
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if hint.__name__ not in definitions:
            definitions[hint.__name__] = {
                "enum": [member.value for member in hint],
                "description": " ".join((hint.__doc__ or "").split()),
            }
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint.__name__ not in definitions:
            definitions[hint.__name__] = {}  # a placeholder first: the model may recurse
            definitions[hint.__name__] = _dataclass_schema(hint, definitions)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    raise TypeError(f"no JSON Schema for {hint!r}")  # pragma: no cover - a new model type


def _field_docs(cls: type) -> dict[str, str]:
    """The attribute docstrings (a string literal right after a field) of a dataclass."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):  # pragma: no cover - source always shipped
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for field_node, after in itertools.pairwise(body):
        if (
            isinstance(field_node, ast.AnnAssign)
            and isinstance(field_node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[field_node.target.id] = " ".join(after.value.value.split())
    return docs
