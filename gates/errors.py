"""The one exception hierarchy of gates.

``cli`` catches :class:`GatesError` and prints its message; anything else is an internal error
(exit 3). Inside the runner any exception of a gate becomes that gate's ``error`` status.
"""

from __future__ import annotations


class GatesError(Exception):
    """Base of every error gates raises on purpose; ``str(e)`` is a clean one-line message."""


class ChecklistError(GatesError):
    """The checklist is invalid; names file, line, column and key path, with a hint."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        line: int | None = None,
        column: int | None = None,
        key_path: str = "",
        hint: str = "",
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key_path = key_path
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """``file:line:col: at key 'a.b': message (did you mean 'x'?)``."""
        where = self.path or "<checklist>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.key_path:
            text += f"at '{self.key_path}': "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ChecklistErrors(ChecklistError):
    """Several checklist errors at once, in file order; renders one per line."""

    def __init__(self, errors: list[ChecklistError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(
            first.message,
            path=first.path,
            line=first.line,
            column=first.column,
            key_path=first.key_path,
            hint=first.hint,
        )

    def render(self) -> str:
        """Every error's own line."""
        return "\n".join(ChecklistError.render(e) for e in getattr(self, "errors", [self]))


class InputError(GatesError):
    """Evidence could not be read: missing, empty, too large, malformed, hostile, unknown."""


class ToolError(GatesError):
    """An external tool could not do its job."""


class ToolMissing(ToolError):
    """The tool is not installed / not on PATH."""


class ToolTimeout(ToolError):
    """The tool ran past its deadline and its process group was killed."""


class ReportError(GatesError):
    """A saved report is unreadable, of an unknown schema, or was tampered with."""


class UsageError(GatesError):
    """The command line is wrong (exit 2)."""
