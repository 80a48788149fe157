"""``python -m gates`` works exactly like the ``gates`` command."""

from gates.cli import entry

raise SystemExit(entry())
