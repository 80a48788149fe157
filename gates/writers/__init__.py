"""Report writers: one module per format, each ``render(report) -> str``; atomic file writes.

This module is also **the one registry of report formats** (:data:`FORMATS`: name, file name,
renderer by dotted path). It stays cheap to import, because ``gates/cli/args.py`` reads it at
start-up for ``--format``: no writer module is imported until a report is rendered.

``write_all`` writes every requested format and ``gate-report.json`` LAST, so the presence of
the JSON means the set is complete. Each file is written through :func:`write_atomic` (temp file
in the same folder, fsync, ``os.replace``): a crash leaves the previous report whole.
"""

from __future__ import annotations

import errno
import importlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.errors import UsageError

if TYPE_CHECKING:
    from gates.model import Report
    from gates.redact import Redactor


@dataclass(frozen=True)
class Format:
    """A report format: its ``--format`` name, its file in ``--out`` and its renderer."""

    name: str
    filename: str
    renderer: str
    """Dotted path of the ``render(report) -> str`` function; imported on first use."""
    weight: int
    """Its rendering time, relative to the others, for a report of many findings (ms for the
    benchmark's 11,752: html 378, sarif 327, json 168, md 20, junit 1): how
    :func:`write_all` shares the rendering between two processes."""

    @property
    def render(self) -> Callable[[Report], str]:
        """The writer's ``render`` function."""
        module, _, attribute = self.renderer.rpartition(".")
        render: Callable[[Report], str] = getattr(importlib.import_module(module), attribute)
        return render


FORMATS: Mapping[str, Format] = {
    f.name: f
    for f in (
        Format("json", "gate-report.json", "gates.writers.json_report.render", 17),
        Format("html", "gate-report.html", "gates.writers.html_report.render", 38),
        Format("junit", "gate-report.junit.xml", "gates.writers.junit_report.render", 0),
        Format("sarif", "gate-report.sarif", "gates.writers.sarif_report.render", 33),
        Format("md", "gate-report.md", "gates.writers.markdown_report.render", 2),
    )
}
"""The one registry of report formats: ``--format`` of ``gates run``/``gates report`` and the
files ``write_all`` writes come from here."""
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


class _Writers(Mapping[str, Callable[["Report"], str]]):
    """``{format name: render}``, importing a writer only when it is used."""

    def __getitem__(self, name: str) -> Callable[[Report], str]:
        return FORMATS[name].render

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


WRITERS: Mapping[str, Callable[[Report], str]] = _Writers()
"""Every ``--format`` name and its writer."""
FILENAMES: Mapping[str, str] = {name: f.filename for name, f in FORMATS.items()}
"""The file each format is written to inside ``--out``."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: temp file beside it, fsync, rename."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`).

    Only a regular file (or nothing) is replaced. A character device or a FIFO at ``path``, or a
    symbolic link to one (``-o /dev/stdout``), is written through: renaming over it would turn
    a device into a plain file. A FIFO nobody reads is refused instead of waited for; a block
    device, a socket, a folder, and a symbolic link to a regular file (the rename would replace
    the link, writing through would write outside) are refused.
    """
    path = Path(path)
    special = _special_target(path)
    if special is not None:
        _write_through(path, data, special)
        return
    import tempfile  # here, not at the top: the registry above is read at every start-up

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def mask_files(paths: Iterable[Path], redactor: Redactor) -> list[Path]:
    """Mask secrets in files gates wrote (logs, raw tool output kept as artifacts), in place and
    atomically; a folder stands for every regular file under it. Symbolic links are not
    followed and files that need no change are not rewritten. Returns the files rewritten."""
    candidates: set[Path] = set()
    for path in paths:
        if path.is_symlink():
            continue
        if path.is_dir():
            candidates.update(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        elif path.is_file():
            candidates.add(path)
    rewritten = []
    for path in sorted(candidates):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        masked = redactor.bytes(data)
        if masked is not data:
            write_bytes_atomic(path, masked)
            rewritten.append(path)
    return rewritten


def _special_target(path: Path) -> str | None:
    """``"char"``/``"fifo"`` when ``path`` must be written through; ``None`` for a regular file
    or nothing; :class:`UsageError` for what is never written."""
    try:
        link = path.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise UsageError(f"{path}: a parent of this path is not a folder") from None
    try:
        target = path.stat()
    except OSError:
        target = None
    if stat.S_ISLNK(link.st_mode):
        if target is None:
            raise UsageError(f"{path}: is a symbolic link to nothing; refusing to write there")
        if stat.S_ISREG(target.st_mode) or stat.S_ISDIR(target.st_mode):
            raise UsageError(
                f"{path}: is a symbolic link; refusing to replace it or write through it"
            )
    mode = target.st_mode if target is not None else link.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISCHR(mode):
        return "char"
    if stat.S_ISFIFO(mode):
        return "fifo"
    kind = (
        "a folder"
        if stat.S_ISDIR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise UsageError(f"{path}: is {kind}; refusing to write a report there")


def _write_through(path: Path, data: bytes, kind: str) -> None:
    flags = os.O_WRONLY | os.O_NOCTTY | (os.O_NONBLOCK if kind == "fifo" else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise UsageError(f"{path}: is a FIFO that nobody reads; refusing to wait") from None
        raise
    try:
        if kind == "fifo":
            os.set_blocking(fd, True)  # a reader is there: write it all, however slowly it reads
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (best effort: not every filesystem lets a folder be fsynced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform dependent
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - platform dependent
        pass
    finally:
        os.close(fd)


def write_all(
    report: Report,
    out_dir: Path,
    formats: Iterable[str],
    history: list[dict[str, Any]] | None = None,
    baseline: Report | None = None,
) -> list[Path]:
    """Render and write each format into ``out_dir``; JSON last. Returns the paths written.

    Every text is rendered and encoded before any file is replaced, so a writer that raises
    leaves all of the previous files as they were. A large report's formats are rendered in
    two processes (:func:`_render_all`).
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in WRITERS]
    if unknown:
        raise ValueError(
            f"unknown report format(s): {', '.join(unknown)} (known: {', '.join(WRITERS)})"
        )
    ordered = [name for name in wanted if name != "json"] + (["json"] if "json" in wanted else [])
    rendered = _render_all(report, ordered, history, baseline)
    texts = [(Path(out_dir) / FILENAMES[name], rendered[name]) for name in ordered]
    for path, data in texts:
        write_bytes_atomic(path, data)
    return [path for path, _ in texts]


PARALLEL_FINDINGS = 1000
"""From this many findings on, :func:`write_all` renders in two processes. Below it, the
rendering (about 80 us a finding for all five formats) costs less than the fork (12 ms for a
170 MiB run process)."""


def _render_all(
    report: Report,
    names: list[str],
    history: list[dict[str, Any]] | None,
    baseline: Report | None,
) -> dict[str, bytes]:
    """Each format's encoded text. With many findings, a forked child renders about half of
    them (by :attr:`Format.weight`) while this process renders the rest: the writers are pure
    Python, and one core rendered the benchmark's report for 0.9 s after the last gate.
    When the child cannot be started or fails, this process renders its formats too."""
    from gates.process import forked

    here, beside = share(names)
    child = None
    if here and beside and sum(len(gate.findings) for gate in report.gates) >= PARALLEL_FINDINGS:
        child = forked.start(
            lambda: [_render(name, report, history, baseline) for name in beside], len(beside)
        )
    if child is None:
        here, beside = names, []
    texts = {name: _render(name, report, history, baseline) for name in here}
    if child is not None:
        parts = child.result()
        if parts is None:
            parts = [_render(name, report, history, baseline) for name in beside]
        texts.update(zip(beside, parts, strict=True))
    return texts


def share(names: list[str]) -> tuple[list[str], list[str]]:
    """``names`` split in two of about equal weight: (this process's, the child's). JSON, the
    record, stays here; the rest go, heaviest first, to the lighter share."""
    here = [name for name in names if name == "json"]
    beside: list[str] = []
    weights = [sum(FORMATS[name].weight for name in here), 0]
    for name in sorted((n for n in names if n != "json"), key=lambda n: -FORMATS[n].weight):
        share = 0 if weights[0] < weights[1] else 1
        (here if share == 0 else beside).append(name)
        weights[share] += FORMATS[name].weight
    return here, beside


def _render(
    name: str, report: Report, history: list[dict[str, Any]] | None, baseline: Report | None
) -> bytes:
    if name == "html":
        from gates.writers import html_report

        return html_report.render(report, history=history, baseline=baseline).encode("utf-8")
    if name == "md":
        from gates.writers import markdown_report

        return markdown_report.render(report, baseline=baseline).encode("utf-8")
    return WRITERS[name](report).encode("utf-8")
