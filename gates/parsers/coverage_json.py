"""coverage.py JSON and istanbul ``coverage-summary.json`` → ``CoverageData``.

Producers read (``tests/corpus/coverage``): coverage.py 7.12 ``coverage json`` (``meta.format``
3, per-file ``functions``/``classes``), coverage.py 7.3 (older shape without ``meta.format``),
and both with ``--branch`` (``summary.num_branches``/``covered_branches``) in the tests that run
real coverage.py; istanbul ``json-summary`` (Jest, Vitest), including ``pct: "Unknown"`` strings
and Windows path keys.

coverage.py JSON keeps line numbers (``executed_lines``/``missing_lines``), so changed-lines
coverage works on it; istanbul's summary has only counts per file.

Impossible evidence is refused (``InputError``): a count that is negative, not an integer or
larger than its total, a file whose ``missing_lines`` are not ``num_statements -
covered_lines``, and stated totals (coverage.py ``totals``, istanbul ``total``) that are not
what the files add up to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import decode_utf8, parse_json_text, read_bytes
from gates.parsers.coverage_model import CoverageData, FileCoverage, check_counts, disagreement

_ISTANBUL_KEYS = ("lines", "statements", "functions", "branches")


def load(path: Path) -> CoverageData:
    """Read and parse a coverage.py JSON or istanbul summary file."""
    return parse(read_bytes(path), str(path))


def parse(data: bytes, name: str) -> CoverageData:
    """Parse JSON bytes, deciding between coverage.py and istanbul by shape."""
    doc = parse_json_text(decode_utf8(data, name), name)
    if not isinstance(doc, dict):
        raise InputError(f"{name}: coverage JSON must be an object, not {type(doc).__name__}")
    if isinstance(doc.get("meta"), dict) and isinstance(doc.get("files"), dict):
        return parse_coverage_py(doc, name)
    if isinstance(doc.get("total"), dict) and isinstance(doc["total"].get("lines"), dict):
        return parse_istanbul_summary(doc, name)
    if doc and all(isinstance(v, dict) and "statementMap" in v for v in doc.values()):
        raise InputError(
            f"{name}: istanbul coverage-final.json is not supported; "
            "use the json-summary or lcov reporter"
        )
    raise InputError(f"{name}: neither coverage.py JSON nor istanbul coverage-summary.json")


def parse_coverage_py(doc: dict[str, Any], name: str) -> CoverageData:
    """coverage.py ``coverage json`` output (formats 1–3)."""
    meta = doc["meta"]
    fmt = meta.get("format", 1)
    if not isinstance(fmt, int) or fmt > 3:
        raise InputError(f"{name}: coverage.py JSON format {fmt!r} is not supported (1–3 are)")
    branch = bool(meta.get("branch_coverage"))
    files = []
    for path, entry in doc["files"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("summary"), dict):
            raise InputError(f"{name}: files[{path!r}] has no summary")
        summary = entry["summary"]
        executed = _int_list(entry.get("executed_lines"), name, path)
        missing = _int_list(entry.get("missing_lines"), name, path)
        statements = _int(summary.get("num_statements"), name, path)
        covered = _int(summary.get("covered_lines"), name, path)
        if "missing_lines" in entry and statements - covered != len(set(missing)):
            raise disagreement(
                name,
                f"{path}: num_statements - covered_lines",
                statements - covered,
                len(set(missing)),
            )
        files.append(
            FileCoverage(
                path=path.replace("\\", "/"),
                lines_valid=statements,
                lines_covered=covered,
                branches_valid=_int(summary.get("num_branches", 0), name, path),
                branches_covered=_int(summary.get("covered_branches", 0), name, path),
                covered_lines=frozenset(executed),
                missed_lines=frozenset(missing),
            )
        )
    raw_totals = doc.get("totals")
    totals: dict[str, Any] = raw_totals if isinstance(raw_totals, dict) else {}
    stated = {
        k: float(v)
        for k, v in totals.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    result = CoverageData(
        format="coverage.py-json",
        producer=f"coverage.py {meta.get('version', '')}".strip(),
        files=tuple(files),
        branch_measured=branch,
        stated=stated,
    )
    check_counts(files, name)
    for key, ours in (
        ("num_statements", sum(f.lines_valid for f in files)),
        ("covered_lines", sum(f.lines_covered for f in files)),
        ("num_branches", sum(f.branches_valid for f in files)),
        ("covered_branches", sum(f.branches_covered for f in files)),
    ):
        if key in stated and stated[key] != ours:
            raise disagreement(name, f"totals.{key}", stated[key], ours)
    return result


def parse_istanbul_summary(doc: dict[str, Any], name: str) -> CoverageData:
    """istanbul ``json-summary``: ``{"total": {...}, "<path>": {"lines": {...}}}``."""
    files = []
    for path, entry in doc.items():
        if path == "total":
            continue
        if not isinstance(entry, dict):
            raise InputError(f"{name}: entry {path!r} is not an object")
        counts = {k: _pair(entry.get(k), name, f"{path}.{k}") for k in _ISTANBUL_KEYS}
        files.append(
            FileCoverage(
                path=path.replace("\\", "/"),
                lines_valid=counts["lines"][1],
                lines_covered=counts["lines"][0],
                branches_valid=counts["branches"][1],
                branches_covered=counts["branches"][0],
                statements_valid=counts["statements"][1],
                statements_covered=counts["statements"][0],
                functions_valid=counts["functions"][1],
                functions_covered=counts["functions"][0],
            )
        )
    total = doc["total"]
    stated: dict[str, float] = {}
    for key in _ISTANBUL_KEYS:
        block = total.get(key)
        if isinstance(block, dict):
            for field_name in ("total", "covered", "pct"):
                value = block.get(field_name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    stated[f"{key}.{field_name}"] = float(value)
    check_counts(files, name)
    for key in _ISTANBUL_KEYS:
        for field_name, index in (("total", 1), ("covered", 0)):
            said = stated.get(f"{key}.{field_name}")
            ours = sum(_istanbul_pair(f, key)[index] for f in files)
            if said is not None and said != ours:
                raise disagreement(name, f"total.{key}.{field_name}", said, ours)
    return CoverageData(
        format="istanbul-summary",
        producer="istanbul",
        files=tuple(files),
        branch_measured=True,
        stated=stated,
    )


def _istanbul_pair(item: FileCoverage, key: str) -> tuple[int, int]:
    pairs = {
        "lines": (item.lines_covered, item.lines_valid),
        "branches": (item.branches_covered, item.branches_valid),
        "statements": (item.statements_covered or 0, item.statements_valid or 0),
        "functions": (item.functions_covered or 0, item.functions_valid or 0),
    }
    return pairs[key]


def _pair(block: Any, name: str, where: str) -> tuple[int, int]:
    if not isinstance(block, dict):
        raise InputError(f"{name}: {where} is missing")
    return _int(block.get("covered"), name, where), _int(block.get("total"), name, where)


def _int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{name}: {where}: expected a count, got {value!r}")
    return value


def _int_list(value: Any, name: str, where: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InputError(f"{name}: {where}: line lists must hold integers")
    return value
