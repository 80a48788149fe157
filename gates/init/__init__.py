"""``gates init``: a first ``checklist.yml`` from what a project is made of.

:mod:`gates.init.detect` reads the project's files (never runs or fetches anything; bounded
reads in :mod:`gates.init.files`, a monorepo's packages found by :mod:`gates.init.workspaces`) and
:mod:`gates.init.template` writes the commented checklist; the command lives in
``gates/cli/init.py``.
"""

from __future__ import annotations

from pathlib import Path

from gates.init.detect import Project, detect
from gates.init.template import render


def checklist_for(root: Path) -> tuple[Project, str]:
    """What was detected at ``root`` and the checklist text for it."""
    project = detect(root)
    return project, render(project, root)


__all__ = ["Project", "checklist_for", "detect", "render"]
