"""Why a file was refused: what was wrong, where, and what to upload instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class IngestError(Exception):
    """A file healthbot refuses; nothing of it is stored.

    Args:
        problem: what is wrong, in a sentence a seller understands.
        expected: what healthbot expected there.
        found: what it found instead.
        line: the file's line number (1 = header), when the problem sits on a line.
        column: the column's header name, when it sits in a column.
        value: the offending value, as read.
        hint: what to upload instead, or how to fix the file.
        kind: the report kind, when known.
    """

    problem: str
    expected: str | None = None
    found: str | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None
    hint: str | None = None
    kind: str | None = None  # the file's kind, when it was recognised before the problem

    def __post_init__(self) -> None:
        super().__init__(self.problem)

    def where(self) -> str | None:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            parts.append(f"value {shown!r}")
        return ", ".join(parts) or None

    def __str__(self) -> str:
        text = self.problem
        where = self.where()
        if where:
            text += f" (at {where})"
        if self.expected:
            text += f". Expected: {self.expected}"
        if self.found:
            text += f". Found: {self.found}"
        if self.hint:
            text += f". {self.hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": str(self),
            "problem": self.problem,
            "expected": self.expected,
            "found": self.found,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "hint": self.hint,
            "kind": self.kind,
        }
