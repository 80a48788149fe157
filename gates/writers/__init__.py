"""Report writers: one module per format, each ``render(report) -> str``; atomic file writes.

``write_all`` writes every requested format and ``gate-report.json`` LAST, so the presence of
the JSON means the set is complete. Each file is written through :func:`write_atomic` (temp file
in the same folder, fsync, ``os.replace``): a crash leaves the previous report whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from gates.model import Report
from gates.writers import (
    html_report,
    json_report,
    junit_report,
    markdown_report,
    sarif_report,
)

WRITERS: dict[str, Callable[[Report], str]] = {
    "json": json_report.render,
    "html": html_report.render,
    "junit": junit_report.render,
    "sarif": sarif_report.render,
    "md": markdown_report.render,
}
"""Every ``--format`` name and its writer."""

FILENAMES = {
    "json": "gate-report.json",
    "html": "gate-report.html",
    "junit": "gate-report.junit.xml",
    "sarif": "gate-report.sarif",
    "md": "gate-report.md",
}
"""The file each format is written to inside ``--out``."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: temp file beside it, fsync, rename."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`)."""
    path = Path(path)
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
    leaves all of the previous files as they were.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in WRITERS]
    if unknown:
        raise ValueError(
            f"unknown report format(s): {', '.join(unknown)} (known: {', '.join(WRITERS)})"
        )
    ordered = [name for name in wanted if name != "json"] + (["json"] if "json" in wanted else [])
    texts: list[tuple[Path, bytes]] = []
    for name in ordered:
        if name == "html":
            text = html_report.render(report, history=history, baseline=baseline)
        elif name == "md":
            text = markdown_report.render(report, baseline=baseline)
        else:
            text = WRITERS[name](report)
        texts.append((Path(out_dir) / FILENAMES[name], text.encode("utf-8")))
    for path, data in texts:
        write_bytes_atomic(path, data)
    return [path for path, _ in texts]
