"""git for tests that build throwaway repositories: one identity, no signing, a bounded wait."""

from __future__ import annotations

import subprocess
from pathlib import Path

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")


def git(root: Path, *args: str) -> str:
    """Run ``git args`` in ``root``; its stdout, stripped. A failure raises."""
    done = subprocess.run(
        ["git", *IDENTITY, *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip()
