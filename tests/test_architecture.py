"""The layout rules of ARCHITECTURE.md, checked: no import circles in ``gates/``, small modules."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

from pydantic import BaseModel

PACKAGE = Path(__file__).resolve().parent.parent / "gates"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the ``gates`` modules it imports (at any depth of the file, lazy imports too).

    ``from a.b import c`` counts as an import of ``a.b.c`` when that is a module, else of ``a.b``.
    The implicit import of a parent package is not an edge: it is how Python finds the module,
    not a dependency the code states.
    """
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("gates"):
                    continue
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    edges.add(candidate if candidate in modules else node.module)
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name.startswith("gates"))
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_package() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], f"import circles: {cycles}"


# Being split by job (issue 11); an entry here may only shrink, and the list only get shorter.
STILL_LARGE: dict[str, int] = {}


def test_no_module_is_large() -> None:
    limit = 460
    large = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit
    }
    grown = {m: n for m, n in large.items() if n > STILL_LARGE.get(m, limit)}
    assert grown == {}, f"modules over {limit} lines (split them by job): {grown}"


def test_few_plain_modules_at_the_top_and_none_named_for_a_gate_type() -> None:
    from gates.checks import GATE_TYPES

    plain = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert len(plain) <= 12, plain
    assert not [m for m in plain if any(m.startswith(t) for t in GATE_TYPES)], plain


GIT_HOME = PACKAGE / "io" / "git.py"


def git_spawns(source: str) -> list[int]:
    """Lines of ``source`` that build a ``git`` command line: a list or tuple that starts with
    ``"git"`` (``run(["git", …])``), or ``"git …"``/``"git"`` as the first argument of a call.
    A tuple given to ``str.startswith``, tested with ``in`` or looped over is a set of words,
    not a command."""
    prefixes: set[int] = set()
    lines: list[int] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            prefixes.update(id(c) for c in node.comparators)
        elif isinstance(node, ast.comprehension | ast.For):
            prefixes.add(id(node.iter))
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
            prefixes.update(id(arg) for arg in node.args)
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and str(first.value).partition(" ")[0] == "git":
            lines.append(first.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and id(node) not in prefixes and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_git_finder_finds_planted_spawns() -> None:
    planted = (
        'ctx.run(["git", "status"])\n'
        'run_tool(("git", "ls-files"), timeout=1)\n'
        'argv = ["git", "show", ref]\n'
        'subprocess.run("git rev-parse HEAD", shell=True)\n'
        'shutil.which("git")\n'
        'ok = version.startswith(("git", "http"))\n'
        'kinds = {"git": 1}\n'
        'other = kind in ("git", "url") or any(k in s for k in ("git", "url"))\n'
        'parser.add_argument("--base-ref", help="git ref of the base branch")\n'
    )
    assert git_spawns(planted) == [1, 2, 3, 4, 5]


def test_only_gates_io_git_spawns_git() -> None:
    """Every question to git goes through :mod:`gates.io.git` (typed, fail-closed errors)."""
    found = {
        str(p.relative_to(PACKAGE.parent)): lines
        for p in sorted(PACKAGE.rglob("*.py"))
        if p != GIT_HOME and (lines := git_spawns(p.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert git_spawns(GIT_HOME.read_text(encoding="utf-8"))  # the one place does


# --- each gate's contract lives once: docs/gates/<type>.md ------------------------------------

DOCS = PACKAGE.parent / "docs"


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def option_keys(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every checklist key of a gate's options model, nested models included, without the keys
    every gate shares (those are documented once, in docs/checklist.md)."""
    from gates.checks.base import OptionsBase, RunOptionsBase

    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    shared = set(RunOptionsBase.model_fields) if issubclass(model, OptionsBase) else set()
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        if name not in shared:
            keys.add(info.alias or name)
        for nested in _models_in(info.annotation):
            keys |= option_keys(nested, seen)
    return keys


def _mentions(text: str, key: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text) is not None


def test_every_gate_type_has_its_page_and_no_page_lacks_a_type() -> None:
    from gates.checks import GATE_TYPES

    pages = {p.stem for p in (DOCS / "gates").glob("*.md")}
    assert pages == set(GATE_TYPES)
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    assert [t for t in GATE_TYPES if f"(docs/gates/{t}.md)" not in readme] == []


def test_every_option_key_of_a_gate_is_on_its_page() -> None:
    from gates.checks import CHECKS

    missing = {
        gate_type: sorted(k for k in option_keys(check.options) if not _mentions(page, k))
        for gate_type, check in CHECKS.items()
        if (page := (DOCS / "gates" / f"{gate_type}.md").read_text(encoding="utf-8"))
    }
    assert {t: keys for t, keys in missing.items() if keys} == {}


def test_the_keys_every_gate_shares_are_on_the_checklist_page() -> None:
    from gates.checks.base import OptionsBase, RunOptionsBase

    page = (DOCS / "checklist.md").read_text(encoding="utf-8")
    assert [k for k in RunOptionsBase.model_fields if not _mentions(page, k)] == []
    assert set(OptionsBase.model_fields) < set(RunOptionsBase.model_fields)


def test_option_keys_sees_nested_models() -> None:
    from gates.checks import CHECKS

    keys = option_keys(CHECKS["lighthouse"].options)
    assert {"server", "ready_timeout", "urls"} <= keys  # ServerSpec's keys, nested
    assert "needs" not in keys  # shared: on docs/checklist.md


def test_the_security_gates_the_sarif_docs_name_are_the_registrys() -> None:
    from gates.checks import CHECKS

    text = " ".join((DOCS / "reports.md").read_text(encoding="utf-8").split())
    named = re.search(r"of security gates \(([^)]*)\)", text)
    assert named is not None
    listed = {t.strip() for t in named.group(1).split(",")}
    assert listed == {t for t, c in CHECKS.items() if c.security}
