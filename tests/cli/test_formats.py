"""One registry of report formats (``gates.writers.FORMATS``): the CLI, the writers and the
file names all read it, and no other module lists the formats."""

from __future__ import annotations

import argparse
import ast

import pytest

from gates.cli.args import formats
from gates.writers import FILENAMES, FORMAT_NAMES, FORMATS, WRITERS
from tests.conftest import REPO, run_gates
from tests.support.sample_report import hostile_report


def test_every_format_renders_through_its_dotted_path() -> None:
    report = hostile_report()
    for name, fmt in FORMATS.items():
        assert fmt.name == name and FILENAMES[name] == fmt.filename
        text = WRITERS[name](report)
        assert isinstance(text, str) and text.strip(), name
    assert len({f.filename for f in FORMATS.values()}) == len(FORMATS)


def test_the_cli_offers_exactly_the_registered_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert formats("md,html") == ["json", "md", "html"]
    with pytest.raises(argparse.ArgumentTypeError, match=", ".join(FORMAT_NAMES)):
        formats("pdf")
    code, out, _ = run_gates(["run", "--help"], capsys)
    assert code == 0 and ",".join(FORMAT_NAMES) in out.replace("\n", "").replace(" ", "")
    code, _, err = run_gates(["report", "x.json", "--format", "pdf"], capsys)
    assert code == 2
    assert all(repr(name) in err for name in FORMAT_NAMES)


def _format_name_collections(tree: ast.AST) -> list[int]:
    names = set(FORMAT_NAMES)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            values = {i.value for i in items if isinstance(i, ast.Constant)}
            if len(values & names) >= 3:
                hits.append(node.lineno)
    return hits


def test_no_module_lists_the_formats_again() -> None:
    """The duplicate list args.py once kept (held equal by a test) cannot come back."""
    found = []
    for path in sorted((REPO / "gates").rglob("*.py")):
        if path == REPO / "gates" / "writers" / "__init__.py":
            continue
        found += [
            f"{path.relative_to(REPO)}:{n}"
            for n in _format_name_collections(ast.parse(path.read_text()))
        ]
    assert found == []
    # the check itself sees a list like the one removed from gates/cli/args.py
    assert _format_name_collections(ast.parse('FORMATS = ("json", "html", "junit", "sarif", "md")'))
