"""``gates schema``: the JSON Schema of checklist.yml, generated from the gate option models.

Editors (VS Code YAML, JetBrains) use it for completion and validation: put
``# yaml-language-server: $schema=checklist.schema.json`` at the top of the checklist.
"""

from __future__ import annotations

from typing import Any

from gates.checklist.deploy import NotifyTarget, RollbackSpec
from gates.checks import CHECKS

_DURATION = {"type": ["string", "number"], "description": "e.g. 800ms, 30s, 10m"}


def _loader_forms(node: Any) -> Any:
    """Widen the pydantic schema to the forms the loader accepts: a single string where a list
    of strings is expected, and units written as text (``'100kB'``, ``'2500ms'``, ``'5%'``)
    where a number is expected (``gates validate`` checks the unit; the schema cannot)."""
    if isinstance(node, list):
        return [_loader_forms(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _loader_forms(value) for key, value in node.items()}
    kind = node.get("type")
    if kind == "array" and node.get("items") == {"type": "string"}:
        widened = {k: v for k, v in node.items() if k not in ("type", "items")}
        return {
            **widened,
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        }
    if kind in ("number", "integer"):
        widened = {k: v for k, v in node.items() if k != "type"}
        numeric = {k: widened.pop(k) for k in list(widened) if k in _NUMERIC_KEYWORDS}
        return {**widened, "anyOf": [{"type": kind, **numeric}, {"type": "string"}]}
    return node


_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def checklist_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a checklist."""
    definitions: dict[str, Any] = {}
    gate_refs = []
    for gate_type, check in sorted(CHECKS.items()):
        schema = _loader_forms(check.options.model_json_schema(ref_template="#/$defs/{model}"))
        for name, sub in schema.pop("$defs", {}).items():
            definitions[name] = sub
        schema["description"] = check.summary or schema.get("description", "")
        definitions[f"gate:{gate_type}"] = schema
        gate_refs.append(
            {
                "if": {"properties": {"type": {"const": gate_type}}, "required": ["type"]},
                "then": {"$ref": f"#/$defs/gate:{gate_type}"},
            }
        )
    gate = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": sorted(CHECKS)}},
        "allOf": gate_refs,
    }
    id_list = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    defaults = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"timeout": _DURATION, "blocking": {"type": "boolean"}},
    }
    gates_map = {"type": "object", "additionalProperties": {"$ref": "#/$defs/gate"}}
    # the deploy sections take the loader's forms too (``detect: 2m``)
    rollback = _loader_forms(RollbackSpec.model_json_schema(ref_template="#/$defs/{model}"))
    notify = _loader_forms(NotifyTarget.model_json_schema(ref_template="#/$defs/{model}"))
    definitions = {**definitions, **rollback.pop("$defs", {}), **notify.pop("$defs", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:release-gates:schema:checklist-1",
        "title": "gates checklist.yml",
        "type": "object",
        "additionalProperties": False,
        "required": ["gates"],
        "properties": {
            "version": {"const": 1},
            "project": {"type": "string"},
            "defaults": defaults,
            "require": id_list,
            "waiver_max_days": {"type": "integer", "minimum": 1, "maximum": 3650},
            "gates": gates_map,
            "rollback": rollback,
            "notify": {"type": "array", "items": notify},
            "baseline": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "allow_other_branch": {
                        "type": "boolean",
                        "description": "accept a --baseline of another branch or a newer commit",
                    }
                },
            },
            "environments": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "require": id_list,
                        "defaults": defaults,
                        "gates": {"type": "object", "additionalProperties": {"type": "object"}},
                    },
                },
            },
            "waivers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["gate", "match", "reason", "owner", "expires"],
                    "properties": {
                        "gate": {"type": "string"},
                        "match": {"type": "string"},
                        "reason": {"type": "string"},
                        "owner": {"type": "string"},
                        "expires": {"type": "string", "format": "date"},
                        "paths": id_list,
                        "max_matches": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
        "$defs": {"gate": gate, **definitions},
    }
