"""What a checklist may not say: keys that would be ignored, weakened required gates, waivers that
are not owned, reasoned, expiring and narrow, non-finite numbers, alias bombs; all errors shown."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from gates import checklist as checklist_mod
from gates.errors import ChecklistError
from tests.conftest import run_gates

TODAY = datetime.now(UTC).date()
SOON = (TODAY + timedelta(days=30)).isoformat()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checklist.yml"
    path.write_text(text)
    return path


def errors_of(tmp_path: Path, text: str, **kwargs: object) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as info:
        checklist_mod.load(path, environ={}, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = write(tmp_path, text)
    code, out, err = run_gates(["validate", str(path)], capsys)
    return code, out + err


# --- options say what runs --------------------------------------------------------------------

NOT_RUNNING = {
    "sast": "{type: sast, sources: [{tool: bandit, file: b.json}], KEY}",
    "bundle": "{type: bundle, dir: dist, budgets: [{path: '*.js', max: 10kB}], KEY}",
    "secrets": "{type: secrets, KEY}",
}


@pytest.mark.parametrize("gate_type", sorted(NOT_RUNNING))
@pytest.mark.parametrize("key", ["run: semgrep --sarif -o out.sarif", "shell: true", "cwd: app"])
def test_run_keys_are_refused_by_types_that_do_not_run_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gate_type: str, key: str
) -> None:
    spec = NOT_RUNNING[gate_type].replace("KEY", key)
    code, text = validate(tmp_path, f"gates:\n  g: {spec}\n", capsys)
    assert code == 2
    name = key.split(":")[0]
    assert re.search(rf"checklist.yml:2:\d+: at 'gates.g.{name}': gate type '{gate_type}'", text)
    assert "does not run commands" in text and "Traceback" not in text


@pytest.mark.parametrize(
    "spec",
    [
        "{type: command, run: make, cwd: app, shell: true}",
        "{type: tests, run: pytest, junit: r.xml, cwd: app}",
        "{type: coverage, run: make cov, report: c.xml, thresholds: {lines: 80}}",
    ],
)
def test_run_keys_are_accepted_by_types_that_run_them(tmp_path: Path, spec: str) -> None:
    loaded = checklist_mod.load(write(tmp_path, f"gates:\n  g: {spec}\n"), environ={})
    assert loaded.gates["g"].options.run  # type: ignore[attr-defined]


def test_run_key_in_an_overlay_is_refused_at_the_overlay_line(tmp_path: Path) -> None:
    text = (
        "environments:\n  ci:\n    gates:\n      s: {run: bandit -r . -f json -o b.json}\n"
        "gates:\n  s: {type: sast, sources: [{tool: bandit, file: b.json}]}\n"
    )
    message = errors_of(tmp_path, text)
    assert re.search(r":4:\d+: at 'environments.ci.gates.s.run'", message)


def test_description_is_shown_in_html_and_markdown(tmp_path: Path) -> None:
    from gates.model import GateResult, Report, Status
    from gates.writers import WRITERS

    gate = GateResult(
        id="build",
        type="command",
        status=Status.PASS,
        blocking=True,
        summary="ok",
        description="Vite production build <b>",
    )
    report = Report(
        verdict=Status.PASS,
        environment=None,
        stage="pre-deploy",
        project="p",
        commit=None,
        branch=None,
        started_at="2026-01-01T00:00:00+00:00",
        duration_s=0.1,
        checklist_sha256="0" * 64,
        tool_versions={"gates": "0"},
        gates=(gate,),
    )
    assert "Vite production build &lt;b&gt;" in WRITERS["html"](report)
    assert "Vite production build" in WRITERS["md"](report)
    loaded = checklist_mod.load(
        write(tmp_path, "gates:\n  b: {type: command, run: x, description: Vite build}\n"),
        environ={},
    )
    assert loaded.gates["b"].options.description == "Vite build"


# --- policy floors ----------------------------------------------------------------------------

FLOORS = """\
require: [cov]
environments:
  production:
    require: [build]
    gates:
      build: {blocking: false}
      cov: {stage: post-deploy}
  dev:
    gates:
      cov: {blocking: false}
gates:
  build: {type: command, run: make}
  cov: {type: coverage, report: c.xml, thresholds: {lines: 80}}
"""


def test_an_overlay_cannot_weaken_a_required_gate(tmp_path: Path) -> None:
    message = errors_of(tmp_path, FLOORS, environment="production")
    lines = message.splitlines()
    assert re.match(
        r".*:6:\d+: at 'environments.production.gates.build.blocking': gate 'build'", lines[0]
    )
    assert "must stay blocking" in lines[0]
    assert re.match(r".*:7:\d+: at 'environments.production.gates.cov.stage'", lines[1])
    # dev requires cov too (top-level require): blocking: false there is refused as well
    assert "must stay blocking" in errors_of(tmp_path, FLOORS, environment="dev")


def test_gates_validate_checks_the_floors_of_every_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = validate(tmp_path, FLOORS, capsys)
    assert code == 2 and "must stay blocking" in text


def test_non_blocking_gates_that_are_not_required_stay_allowed(tmp_path: Path) -> None:
    text = FLOORS.replace("require: [cov]\n", "").replace("    require: [build]\n", "")
    for env in ("production", "dev"):
        loaded = checklist_mod.load(write(tmp_path, text), environment=env, environ={})
        assert not all(g.blocking for g in loaded.gates.values())


def test_zero_tests_is_never_allowed(tmp_path: Path) -> None:
    message = errors_of(tmp_path, "gates:\n  t: {type: tests, junit: r.xml, min_tests: 0}\n")
    assert "gates.t.min_tests" in message


# --- waivers ----------------------------------------------------------------------------------


def waiver_checklist(**fields: object) -> str:
    entry = {
        "gate": "s",
        "match": "B602",
        "reason": "input is a constant string",
        "owner": "sec@example.com",
        "expires": SOON,
        **fields,
    }
    entry = {k: v for k, v in entry.items() if v is not None}
    return (
        "gates:\n  s: {type: sast, sources: [{tool: bandit, file: b.json}]}\n"
        "  m: {type: migrations, dir: db}\n"
        "  c: {type: config, env_file: .env}\n"
        "  x: {type: secrets}\n"
        f"waivers:\n  - {json.dumps(entry)}\n"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"owner": " "}, "'owner' must be non-blank"),
        ({"owner": {"a": 1}}, "'owner' must be non-blank"),
        ({"owner": "bob"}, "must be an email address or an @handle"),
        ({"reason": " "}, "'reason' must be non-blank"),
        ({"reason": ["x"]}, "'reason' must be non-blank"),
        ({"reason": "todo"}, "at least 10 characters"),
        ({"expires": "9999-12-31"}, "more than waiver_max_days (90)"),
        ({"expires": (TODAY + timedelta(days=91)).isoformat()}, "more than waiver_max_days"),
        ({"match": "*.*"}, "is not an id"),
        ({"match": "*[a-z]*"}, "is not an id"),
        ({"match": "[!.]*"}, "is not an id"),
        ({"paths": ["../etc/*"]}, "stay inside the project"),
        ({"max_matches": 0}, "max_matches must be"),
        ({"gate": "m", "match": "migration-changed"}, "always blocks"),
        ({"gate": "m", "match": "syntax-error"}, "always blocks"),
        ({"gate": "c", "match": "config-public-secret"}, "always blocks"),
        ({"gate": "x", "match": "supabase-service-role-public"}, "always blocks"),
    ],
)
def test_bad_waivers_are_refused_at_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, object], expected: str
) -> None:
    code, text = validate(tmp_path, waiver_checklist(**fields), capsys)
    assert code == 2, text
    assert expected in text
    assert re.search(r"checklist.yml:7:\d+: at 'waivers\[0\]", text)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"owner": "@platform-team"},
        {"owner": "@acme/security"},
        {"paths": "app/**/*.py"},
        {"paths": ["app/*.py", "lib/**"], "max_matches": 3},
        {"match": "GHSA-xxxx-yyyy-zzzz"},
        {"expires": (TODAY + timedelta(days=90)).isoformat()},
        {"expires": "2020-01-01"},  # expired: a warning when it runs, not a checklist error
    ],
)
def test_good_waivers_load(tmp_path: Path, fields: dict[str, object]) -> None:
    loaded = checklist_mod.load(write(tmp_path, waiver_checklist(**fields)), environ={})
    assert loaded.waivers[0].gate == "s"


def test_waiver_max_days_is_a_checklist_key(tmp_path: Path) -> None:
    far = (TODAY + timedelta(days=200)).isoformat()
    text = waiver_checklist(expires=far)
    assert "more than waiver_max_days (90)" in errors_of(tmp_path, text)
    loaded = checklist_mod.load(write(tmp_path, "waiver_max_days: 365\n" + text), environ={})
    assert loaded.waivers[0].expires.isoformat() == far
    assert "waiver_max_days must be" in errors_of(tmp_path, "waiver_max_days: .inf\n" + text)


# --- validate catches typos, all of them, in file order --------------------------------------


def test_all_errors_are_shown_in_file_order(tmp_path: Path) -> None:
    text = (
        "require: [buidl]\n"
        "environments:\n"
        "  prod:\n"
        "    require: [nope]\n"
        "    gates:\n"
        "      lh: {runss: 3}\n"
        "gates:\n"
        "  build: {type: command, run: make, timeout: .nan}\n"
        "  lh:\n"
        "    type: lighthouse\n"
        "    results: [.lighthouseci]\n"
        "    preset: mobil\n"
        "    budgets: {perfomance: 0.9, largest-contentful-paint: 2.5}\n"
        "  s: {type: sast, sources: [{tool: bandit, file: b.json}], sevrity: high}\n"
    )
    message = errors_of(tmp_path, text)
    lines = message.splitlines()
    numbers = [int(re.match(r"[^:]+:(\d+):", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert numbers == sorted(numbers)
    assert (
        ":1:" in lines[0]
        and "required gate 'buidl'" in lines[0]
        and "did you mean 'build'" in lines[0]
    )
    assert any(":4:" in x and "required gate 'nope'" in x for x in lines)
    assert any(
        ":6:" in x and "unknown key 'runss'" in x and "did you mean 'runs'" in x for x in lines
    )
    assert any(":8:" in x and "not a finite number" in x for x in lines)
    assert any(":12:" in x and "did you mean 'mobile'" in x for x in lines)
    assert any(
        ":13:" in x and "perfomance" in x and "did you mean 'performance'" in x for x in lines
    )
    assert any(":13:" in x and "2.5" in x and "unit" in x for x in lines)
    assert any(":14:" in x and "sevrity" in x for x in lines)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "1" + "0" * 400])
@pytest.mark.parametrize(
    "where",
    [
        "  a: {type: command, run: x, timeout: VALUE}\n",
        "  c: {type: coverage, report: c.xml, thresholds: {lines: VALUE}}\n",
        "  b: {type: bundle, dir: dist, budgets: [{path: '*.js', max: VALUE}]}\n",
    ],
)
def test_non_finite_and_huge_numbers_are_refused_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, where: str
) -> None:
    code, text = validate(tmp_path, "gates:\n" + where.replace("VALUE", value), capsys)
    assert code == 2
    assert re.search(r"checklist.yml:2:\d+: ", text)
    assert "Traceback" not in text


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_a_clean_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(ALIAS_BOMB) < 600
    code, text = validate(tmp_path, ALIAS_BOMB, capsys)
    assert code == 2 and "more than 100000 values" in text
    code, text = validate(tmp_path, "gates: &r\n  a: [*r]\n", capsys)
    assert code == 2 and "nests deeper" in text


# --- any checklist: exit 0 or 2, never a traceback --------------------------------------------


_KEYS = [
    "type",
    "run",
    "timeout",
    "blocking",
    "stage",
    "needs",
    "junit",
    "report",
    "thresholds",
    "budgets",
    "paths",
    "lines",
    "match",
    "owner",
    "expires",
    "gate",
    "reason",
    "require",
    "environments",
    "gates",
    "waivers",
    "defaults",
    "waiver_max_days",
    "min_tests",
    "dir",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "command",
            "tests",
            "sast",
            "coverage",
            "bundle",
            "2500ms",
            "5%",
            "100kB",
            "*.*",
            "${NOPE}",
            "a@b.io",
            "2026-12-31",
            "pre-deploy",
            "x",
        ]
    ),
    st.text(max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


@seed(20261201)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6))
def test_generated_checklists_validate_or_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, object]
) -> None:
    import yaml

    path = tmp_path / "generated.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, out, err = run_gates(["validate", str(path)], capsys)
    assert code in (0, 2), err
    assert "Traceback" not in out + err


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name",
    ["checklist.yml", "examples/shop-web/checklist.yml", "examples/python-service/checklist.yml"],
)
def test_gates_schema_accepts_the_repository_checklists(name: str) -> None:
    import jsonschema
    import yaml

    from gates.checklist.json_schema import checklist_schema

    path = REPO / name
    assert path.is_file(), f"{name} is part of the repository"
    validator = jsonschema.Draft202012Validator(checklist_schema())
    data = yaml.safe_load(path.read_text())
    assert [e.message for e in validator.iter_errors(data)] == []
    # and the schema still refuses what the loader refuses
    assert list(validator.iter_errors({"gates": {"a": {"type": "command", "runn": "x"}}}))
