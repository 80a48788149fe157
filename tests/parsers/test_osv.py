"""Offline OSV matching: the shipped advisory folder, range semantics, version orderings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.errors import InputError
from gates.model import Severity
from gates.parsers import osv
from gates.parsers.cvss import parse_base_score, severity_for_score
from gates.versions import SemVer, parse_version
from tests.conftest import TESTS

DB_DIR = TESTS / "fixtures" / "osv"


def test_shipped_folder_flags_lodash_4_17_15_with_fixes() -> None:
    db = osv.load_db(DB_DIR)
    found = {a.id: a for a in db.match("npm", "lodash", "4.17.15")}
    assert set(found) == {"GHSA-p6mc-m468-83gw", "GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"}
    pp = found["GHSA-p6mc-m468-83gw"]
    assert pp.fixed == ("4.17.20",) and pp.severity == Severity.HIGH and pp.cvss_score == 7.4
    assert "CVE-2020-8203" in pp.aliases
    assert found["GHSA-29mw-wpgm-hmr9"].severity == Severity.MEDIUM
    assert db.match("npm", "lodash", "4.17.21") == []
    assert {a.id for a in db.match("npm", "lodash", "4.17.11")} >= {"GHSA-jf85-cpcp-j695"}


def test_shipped_folder_flags_requests_2_19_1() -> None:
    db = osv.load_db(DB_DIR)
    found = {a.id: a for a in db.match("PyPI", "Requests", "2.19.1")}
    assert found["GHSA-x84v-xcm2-53pg"].fixed == ("2.20.0",)
    assert found["GHSA-x84v-xcm2-53pg"].severity == Severity.HIGH
    assert "GHSA-j8r2-6x86-q33q" in found  # introduced 2.3.0
    assert db.match("PyPI", "requests", "2.32.4") == []
    assert "GHSA-j8r2-6x86-q33q" not in {a.id for a in db.match("PyPI", "requests", "2.2.0")}


def _record(
    events: list[dict[str, str]], kind: str = "SEMVER", eco: str = "npm", **extra: object
) -> osv.OsvDatabase:
    db = osv.OsvDatabase()
    db.add(
        osv.parse_record(
            {
                "id": "TEST-1",
                "modified": "2024-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": eco, "name": "pkg"},
                        "ranges": [{"type": kind, "events": events}],
                    }
                ],
                **extra,
            },
            "t",
        )
    )
    return db


@pytest.mark.parametrize(
    ("version", "hit"),
    [
        ("0.9.0", False),
        ("1.0.0", True),
        ("1.4.9", True),
        ("1.5.0", False),
        ("2.0.0-rc.1", False),
        ("2.0.0", True),
        ("2.1.0", True),
        ("2.1.1", False),
    ],
)
def test_semver_introduced_fixed_last_affected(version: str, hit: bool) -> None:
    db = _record(
        [
            {"introduced": "1.0.0"},
            {"fixed": "1.5.0"},
            {"introduced": "2.0.0"},
            {"last_affected": "2.1.0"},
        ]
    )
    assert bool(db.match("npm", "pkg", version)) is hit


def test_pep440_ordering_not_text() -> None:
    db = _record([{"introduced": "0"}, {"fixed": "2.10.0"}], kind="ECOSYSTEM", eco="PyPI")
    assert db.match("PyPI", "pkg", "2.9.0")  # "2.9.0" > "2.10.0" as text, but not as versions
    assert not db.match("PyPI", "pkg", "2.10.0")
    assert db.match("PyPI", "pkg", "2.10.0rc1")
    assert not db.match("PyPI", "pkg", "2.10.0.post1")


def test_withdrawn_and_unparseable() -> None:
    db = _record([{"introduced": "0"}], withdrawn="2024-02-02T00:00:00Z")
    assert db.match("npm", "pkg", "1.0.0") == []
    db = _record([{"introduced": "0"}])
    with pytest.raises(InputError):
        db.match("npm", "pkg", "not-a-version")


def test_cvss_v4_only_uses_database_label_else_unknown() -> None:
    v4 = [
        {
            "type": "CVSS_V4",
            "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        }
    ]
    db = _record([{"introduced": "0"}], severity=v4, database_specific={"severity": "MODERATE"})
    (adv,) = db.match("npm", "pkg", "1.0.0")
    assert adv.severity == Severity.MEDIUM and "database" in adv.severity_source
    db = _record([{"introduced": "0"}], severity=v4)
    (adv,) = db.match("npm", "pkg", "1.0.0")
    assert adv.severity is None and "CVSS v4" in adv.severity_source


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"id": "X"},
        {"id": "X", "modified": "m", "affected": [{"package": {}}]},
        {
            "id": "X",
            "modified": "m",
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": "a"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}],
                }
            ],
        },
    ],
)
def test_malformed_records(data: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        osv.parse_record(data, "bad.json")


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        osv.load_db(tmp_path / "nope")
    with pytest.raises(InputError, match="no OSV advisories"):
        osv.load_db(tmp_path)
    (tmp_path / "bad.json").write_text(json.dumps({"id": "X"}))
    with pytest.raises(InputError):
        osv.load_db(tmp_path)


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:N/A:N", 4.4),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
    ],
)
def test_cvss_base_scores(vector: str, score: float) -> None:
    assert parse_base_score(vector) == score


def test_cvss_bands_and_bad_vectors() -> None:
    assert [severity_for_score(s) for s in (9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0.1, 0.0)] == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.LOW,
        Severity.INFO,
    ]
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    assert parse_base_score(v4) is None
    for bad in ("CVSS:3.1/AV:X", "garbage", "CVSS:3.9/AV:N"):
        with pytest.raises(InputError):
            parse_base_score(bad)


def test_semver_order() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    assert sorted(order, key=SemVer) == order
    assert parse_version("npm", "v1.2.3+build.5") == SemVer("1.2.3")
