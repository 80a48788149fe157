"""Every checklist in the repository and every checklist YAML block in the README and docs/ is
accepted by ``gates schema`` (an editor using the schema never flags what gates accepts)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
import yaml

from gates.checklist.json_schema import checklist_schema
from tests.conftest import REPO

_FENCE = re.compile(r"```ya?ml\n(.*?)```", re.S)


class _AsEditorsRead(yaml.SafeLoader):
    """YAML as an editor's schema validator sees it: ``2027-01-15`` is a string (YAML 1.2 has
    no timestamp type), which is also how gates reads a date."""


_AsEditorsRead.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2's booleans are true/false only (`on:` is a key, not True)
_AsEditorsRead.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_AsEditorsRead)


def _as_checklist(block: Any) -> dict[str, Any] | None:
    """The block as a whole checklist: fragments (``gates:`` only, or gate bodies) wrapped."""
    if not isinstance(block, dict) or not block:
        return None
    if "gates" in block or "version" in block:
        return {"version": 1, "project": "docs", **block}
    if all(isinstance(v, dict) and "type" in v for v in block.values()):
        return {"version": 1, "project": "docs", "gates": block}
    return None


def _blocks() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        for number, match in enumerate(_FENCE.finditer(doc.read_text(encoding="utf-8")), 1):
            try:
                block = _load(match.group(1))
            except yaml.YAMLError:
                continue  # not YAML on its own (a workflow with ${{ }}, a shell line)
            checklist = _as_checklist(block)
            if checklist is not None:
                found.append((f"{doc.relative_to(REPO)}#{number}", checklist))
    return found


BLOCKS = _blocks()
CHECKLISTS = sorted(
    str(p.relative_to(REPO))
    for p in [REPO / "checklist.yml", *REPO.glob("examples/*/*.yml")]
    if p.is_file() and re.search(r"^version: 1$", p.read_text(encoding="utf-8"), re.M)
)


def test_the_docs_hold_checklist_blocks_and_the_repository_its_checklists() -> None:
    assert len(BLOCKS) >= 10
    assert {"checklist.yml", "examples/shop-web/checklist.yml"} <= set(CHECKLISTS)


@pytest.mark.parametrize(("where", "checklist"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_every_checklist_block_in_the_docs_is_accepted_by_the_schema(
    where: str, checklist: dict[str, Any]
) -> None:
    validator = jsonschema.Draft202012Validator(checklist_schema())
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(checklist)
    ]
    assert errors == [], where


@pytest.mark.parametrize("name", CHECKLISTS)
def test_every_checklist_in_the_repository_is_accepted_by_the_schema(name: str) -> None:
    validator = jsonschema.Draft202012Validator(checklist_schema())
    data = _load((REPO / name).read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(data)] == []
