"""The commented ``checklist.yml`` for a detected :class:`~gates.init.detect.Project`.

Each gate comes with the command its tool needs to write the evidence the gate reads (JUnit XML,
a coverage report, a build folder), and a comment saying which file made ``gates init`` add it.
Limits are starting points the comments ask the team to set to their own numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gates.init.detect import Node, Project, Python
from gates.init.files import env_keys

PREVIEW_PORT = 4173


def _q(value: str) -> str:
    """A YAML scalar: plain when it is safe, else a JSON (= YAML double-quoted) string."""
    safe = (
        value
        and all(c.isalnum() or c in "-_./ =" for c in value)
        and not value[0].isdigit()
        and value == value.strip()
        and value[0] not in "-."
    )
    return value if safe else json.dumps(value)


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


@dataclass(frozen=True)
class _Place:
    """Where a package's gates work: the root (``path`` empty) or a monorepo app's folder.
    Commands run there (``cwd:``); evidence paths are written relative to the checklist."""

    path: str = ""
    suffix: str = ""

    def id(self, base: str) -> str:
        return base + self.suffix

    def rel(self, name: str) -> str:
        return f"{self.path}/{name}" if self.path else name

    def cwd(self) -> list[str]:
        return [f"cwd: {_q(self.path)}"] if self.path else []

    def where(self) -> str:
        return f" in {self.path}" if self.path else ""


ROOT = _Place()


@dataclass
class _Out:
    lines: list[str] = field(default_factory=list)
    pre_deploy: list[str] = field(default_factory=list)

    def gate(self, gate_id: str, why: str, body: list[str], *, post: bool = False) -> None:
        self.lines += ["", f"  # {why}", f"  {gate_id}:", *(f"    {line}" for line in body)]
        if not post:
            self.pre_deploy.append(gate_id)

    def commented(self, why: str, body: list[str]) -> None:
        self.lines += ["", f"  # {why}", *(f"  # {line}" for line in body)]


def _build(node: Node, out: _Out, place: _Place = ROOT) -> str | None:
    if node.framework is None:
        return None
    run = f"{node.manager} run build" if "build" in node.scripts else node.exec("vite build")
    gate_id = place.id("build")
    out.gate(
        gate_id,
        f"{node.framework} app{place.where()} ({place.rel('package.json')}): the build the "
        "bundle, secrets and Lighthouse gates judge",
        ["type: command", f"run: {_q(run)}", *place.cwd()],
    )
    return gate_id


def _js_tests(node: Node, out: _Out, taken: set[str], place: _Place = ROOT) -> None:
    unit = place.id("tests")
    if node.vitest:
        cmd = node.exec(
            "vitest run --reporter=default --reporter=junit"
            " --outputFile.junit=reports/raw/vitest.xml"
        )
        if node.vitest_coverage:
            cmd += " --coverage --coverage.reporter=cobertura"
        out.gate(
            unit,
            f"Vitest ({place.rel('package.json')}): its JUnit reporter writes the evidence",
            [
                "type: tests",
                f"run: {_q(cmd)}",
                *place.cwd(),
                f"junit: [{_q(place.rel('reports/raw/vitest.xml'))}]",
                "min_tests: 1",
            ],
        )
        taken.add(unit)
        if node.vitest_coverage:
            _coverage(
                out,
                place.id("coverage"),
                unit,
                place.rel("coverage/cobertura-coverage.xml"),
                "Vitest coverage",
            )
        else:
            out.commented(
                "coverage: install a provider first (npm i -D @vitest/coverage-v8), then add "
                "--coverage --coverage.reporter=cobertura to the tests command",
                [
                    f"{place.id('coverage')}: {{type: coverage, needs: [{unit}], "
                    f"report: {place.rel('coverage/cobertura-coverage.xml')}, "
                    "thresholds: {lines: 80}}"
                ],
            )
    if node.jest:
        gate_id = place.id("tests-jest") if unit in taken else unit
        env = "JEST_JUNIT_OUTPUT_DIR=reports/raw JEST_JUNIT_OUTPUT_NAME=jest.xml"
        cmd = (
            f"{env} {node.exec('jest')} --ci --coverage --coverageReporters=cobertura "
            "--reporters=default --reporters=jest-junit"
        )
        why = f"Jest ({place.rel('package.json')}): jest-junit writes the JUnit XML"
        if not node.jest_junit:
            why += " (install it: npm i -D jest-junit)"
        out.gate(
            gate_id,
            why,
            [
                "type: tests",
                "shell: true",
                f"run: {_q(cmd)}",
                *place.cwd(),
                f"junit: [{_q(place.rel('reports/raw/jest.xml'))}]",
                "min_tests: 1",
            ],
        )
        taken.add(gate_id)
        cov = place.id("coverage")
        if cov in out.pre_deploy:
            cov = place.id("coverage-jest")
        _coverage(out, cov, gate_id, place.rel("coverage/cobertura-coverage.xml"), "Jest coverage")
    if node.playwright:
        cmd = (
            "PLAYWRIGHT_JUNIT_OUTPUT_NAME=reports/raw/playwright.xml "
            f"{node.exec('playwright test')} --reporter=junit"
        )
        out.gate(
            place.id("e2e"),
            f"Playwright ({place.rel('package.json')}): browser tests, JUnit reporter "
            "(browsers: npx playwright install)",
            [
                "type: tests",
                "shell: true",
                f"run: {_q(cmd)}",
                *place.cwd(),
                f"junit: [{_q(place.rel('reports/raw/playwright.xml'))}]",
                "min_tests: 1",
            ],
        )


def _coverage(out: _Out, gate_id: str, needs: str, report: str, what: str) -> None:
    out.gate(
        gate_id,
        f"{what}: set the thresholds to today's numbers, then raise them",
        [
            "type: coverage",
            f"needs: [{needs}]",
            f"report: {_q(report)}",
            "thresholds: {lines: 80, branches: 70}",
            "max_drop: 0.5                # points of `lines` below the --baseline report",
            "baseline_optional: true      # the first run has no baseline yet",
        ],
    )


def _python_tests(py: Python, out: _Out) -> None:
    if not py.pytest:
        return
    gate_id = "tests" if "tests" not in out.pre_deploy else "tests-python"
    out.gate(
        gate_id,
        "pytest, measured by coverage.py (pip install pytest coverage)",
        [
            "type: tests",
            'run: "python3 -m coverage run -m pytest --junitxml=reports/raw/pytest.xml"',
            "junit: [reports/raw/pytest.xml]",
            "min_tests: 1",
        ],
    )
    cov = "coverage" if "coverage" not in out.pre_deploy else "coverage-python"
    # The .coverage data file is read as coverage.py reads it (with the project's config).
    _coverage(out, cov, gate_id, ".coverage", "coverage.py data")


def _sast(py: Python | None, out: _Out) -> None:
    if py is None or not py.sources:
        return
    out.gate(
        "sast",
        "Python sources: bandit (installed with gates) scans them; tests are left out",
        [
            "type: sast",
            "sources:",
            f"  - {{tool: bandit, paths: {_list(py.sources)}}}",
            "fail_on: high",
        ],
    )


def _dependencies(project: Project, root: Path, out: _Out) -> None:
    sources: list[str] = []
    offline = (root / "advisories").is_dir() and any((root / "advisories").glob("*.json"))
    node, py = project.node, project.python
    offline_locks: list[str] = []
    if node is not None and node.lockfile:
        if node.lockfile == "package-lock.json" and offline:
            offline_locks.append(node.lockfile)
        elif node.manager == "npm":
            sources.append("- {tool: npm-audit, run: npm audit --json}")
        else:
            sources.append(
                f'- {{tool: osv-scanner, run: "osv-scanner --format json --lockfile '
                f'{node.lockfile}"}}                  # osv-scanner: github.com/google/osv-scanner'
            )
    if py is not None:
        for req in py.requirements:
            if req == "requirements.txt" and offline:
                offline_locks.append(req)
            else:
                sources.append(
                    f"- {{tool: pip-audit, requirements: {_q(req)}}}    # pip install pip-audit"
                )
        for lock in py.lockfiles:
            sources.append(
                f'- {{tool: osv-scanner, run: "osv-scanner --format json --lockfile {lock}"}}'
            )
    for app in project.apps:
        if not app.own_lockfile or app.node is None or app.node.lockfile is None:
            continue
        lock = f"{app.path}/{app.node.lockfile}"
        if app.node.manager == "npm":
            sources.append(
                f"- {{tool: npm-audit, run: {_q(f'npm audit --json --prefix {app.path}')}}}"
            )
        else:
            sources.append(
                f'- {{tool: osv-scanner, run: "osv-scanner --format json --lockfile {lock}"}}'
            )
    if offline_locks:
        sources.insert(0, f"- {{tool: osv, lockfile: {_list(offline_locks)}, db: advisories}}")
    if not sources:
        return
    out.gate(
        "dependencies",
        "lock files: known advisories in the locked versions",
        ["type: dependencies", "sources:", *(f"  {s}" for s in sources), "fail_on: high"],
    )


def _web(node: Node | None, out: _Out, build: str | None, place: _Place = ROOT) -> None:
    if node is None or build is None or node.build_dir is None:
        return
    out.gate(
        place.id("bundle"),
        f"client build in {place.rel(node.build_dir)}: budgets to set to today's sizes",
        [
            "type: bundle",
            f"needs: [{build}]",
            f"dir: {_q(place.rel(node.build_dir))}",
            "budgets:",
            '  - {name: all JavaScript, files: "**/*.js", gzip: 200kB}',
            "  - {name: all CSS, type: css, gzip: 50kB}",
            "max_growth: 5%",
            "baseline_optional: true",
        ],
    )
    preview = node.exec(f"vite preview --host 127.0.0.1 --port {PREVIEW_PORT} --strictPort")
    body = [
        "type: lighthouse",
        f"needs: [{build}]",
        "server:",
        f"  run: {_q(preview)}",
        *(f"  {line}" for line in place.cwd()),
        f"  url: http://127.0.0.1:{PREVIEW_PORT}",
        "urls: [/]",
        "runs: 3",
        "budgets: {performance: 0.9, accessibility: 0.9, largest-contentful-paint: 2500ms}",
        "baseline_optional: true",
    ]
    if node.lighthouse:
        out.gate(
            place.id("lighthouse"),
            f"Lighthouse ({place.rel('package.json')}) on the built app",
            body,
        )
    else:
        out.commented(
            f"Lighthouse{place.where()}: npm i -D lighthouse, set CHROME_PATH, then uncomment",
            [f"{place.id('lighthouse')}:", *(f"  {line}" for line in body)],
        )


def _config(
    env_example: str | None,
    vercel: bool,
    public_prefix: str | None,
    root: Path,
    out: _Out,
    place: _Place = ROOT,
) -> None:
    """``env_example`` is project-relative; ``vercel`` means ``vercel.json`` in the place."""
    if env_example is None and not vercel:
        return
    body = ["type: config"]
    why = []
    if env_example:
        why.append(env_example)
        body.append(f"env_file: {_q(env_example)}")
        keys = env_keys(root / env_example)
        if keys:
            body.append(f"required: {_list(keys)}")
        if public_prefix:
            body.append(f"public_prefix: {_q(public_prefix)}")
    if vercel:
        why.append(place.rel("vercel.json"))
        body.append(f"headers_from: {_q(place.rel('vercel.json'))}")
    out.gate(
        place.id("config"), f"{' and '.join(why)}: required keys, public secrets, headers", body
    )


def _migrations(migrations: str | None, out: _Out, place: _Place = ROOT) -> None:
    if migrations is None:
        return
    out.gate(
        place.id("migrations"),
        f"Supabase migrations in {migrations}: lint, then a dry run on a throwaway PostgreSQL "
        "(binaries needed)",
        [
            "type: migrations",
            f"dir: {_q(migrations)}",
            "dry_run: {database: ephemeral, preset: supabase}",
        ],
    )


def _post_deploy(project: Project, out: _Out) -> None:
    frameworks = [project.node] + [app.node for app in project.apps]
    if not any(node is not None and node.framework is not None for node in frameworks):
        return
    out.gate(
        "headers",
        "after a deploy: gates run --stage post-deploy --url https://your-preview.example",
        ["type: headers", "stage: post-deploy"],
        post=True,
    )
    out.gate(
        "smoke",
        "the deployment answers (add your own pages and APIs)",
        ["type: smoke", "stage: post-deploy", "checks:", "  - {get: /, status: 200}"],
        post=True,
    )


def render(project: Project, root: Path) -> str:
    """The checklist text for ``project`` found at ``root``."""
    out = _Out()
    node, py = project.node, project.python
    # (build gate id, client output folder, node, place) of every app that builds
    builds: list[tuple[str, str, Node, _Place]] = []
    taken: set[str] = set()
    # a monorepo root is an app too when it has its own framework config (a SvelteKit app at
    # the root with workspaces of libraries); hoisted tools alone do not make it one
    if node and (not project.apps or node.framework_config):
        build = _build(node, out)
        if build and node.build_dir:
            builds.append((build, node.build_dir, node, ROOT))
        _js_tests(node, out, taken)
    for app in project.apps:
        place = _Place(app.path, f"-{app.slug}")
        if app.node is None:
            continue
        build = _build(app.node, out, place)
        if build and app.node.build_dir:
            builds.append((build, place.rel(app.node.build_dir), app.node, place))
        _js_tests(app.node, out, taken, place)
    if py:
        _python_tests(py, out)
    _sast(py, out)
    _dependencies(project, root, out)
    out.gate(
        "secrets",
        "committed secrets in tracked files" + (" and in the client build" if builds else ""),
        ["type: secrets"]
        + ([f"needs: {_list([b[0] for b in builds])}"] if builds else [])
        + (
            [f"bundle: {_q(builds[0][1]) if len(builds) == 1 else _list([b[1] for b in builds])}"]
            if builds
            else []
        ),
    )
    for build, _dir, app_node, place in builds:
        _web(app_node, out, build, place)
    _migrations(project.supabase_migrations, out)
    for app in project.apps:
        _migrations(app.supabase_migrations, out, _Place(app.path, f"-{app.slug}"))
    _config(project.env_example, project.vercel, project.public_prefix, root, out)
    for app in project.apps:
        place = _Place(app.path, f"-{app.slug}")
        _config(app.env_example, app.vercel, app.public_prefix, root, out, place)
    _post_deploy(project, out)
    header = [
        f"# checklist.yml for {project.name}, written by `gates init` from: "
        + (", ".join(project.evidence) or "the folder layout")
        + ".",
        *(
            [
                f"# Monorepo ({project.workspaces}): one set of gates per app, run in its "
                f"folder: {', '.join(app.path for app in project.apps)}."
            ]
            if project.apps
            else []
        ),
        "# Check it: gates validate · run it: gates run · after a deploy: "
        "gates run --stage post-deploy --url URL",
        "# Every gate fails closed: evidence a command did not write is an error, not a pass.",
        "version: 1",
        f"project: {_q(project.name)}",
        "",
        "defaults:",
        "  timeout: 10m",
        "  blocking: true",
        "",
        "environments:",
        "  production:",
        "    # must run and pass before `gates promote --to production`",
        f"    require: {_list(out.pre_deploy)}",
        "",
        "gates:",
    ]
    return "\n".join(header + out.lines[1:]) + "\n"
