"""The demo's files: their names, and the files of one part of the history, open at once."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from storage.ingest import formats

# In the order `write_demo_data` returns them: All Orders first, the Account Health report last.
FILE_NAMES: Final = {
    "all_orders": "all-orders.txt",
    "feedback": "feedback.txt",
    "returns": "returns.txt",
    "fba_returns": "fba-returns.txt",
    "fba_shipments": "fba-shipments.txt",
    "unshipped": "unshipped.txt",
    "settlement": "settlement.txt",
    **{fmt.kind: formats.template_file_name(fmt) for fmt in formats.TEMPLATES},
    formats.ACCOUNT_HEALTH_KIND: "account-health.json",
}


class OpenFiles:
    """A part's files, written as its orders are generated and closed together.

    A later part of the history writes no headers: its files are appended to the first part's.
    """

    def __init__(self, directory: Path, *, header: bool) -> None:
        self.directory = directory
        self.header = header
        self._handles: list[IO[str]] = []

    def open_tab(self, kind: str, header: Sequence[str], *, encoding: str = "utf-8", newline: str = "\n") -> IO[str]:
        """A tab-separated Amazon report."""
        path = self.directory / FILE_NAMES[kind]
        handle = path.open("w", encoding=encoding, newline=newline, buffering=1 << 20)
        if self.header:
            handle.write("\t".join(header) + "\n")
        self._handles.append(handle)
        return handle

    def open_csv(self, kind: str, header: Sequence[str]) -> Any:
        """A CSV template, as a `csv.writer`."""
        path = self.directory / FILE_NAMES[kind]
        handle = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._handles.append(handle)
        writer = csv.writer(handle)
        if self.header:
            writer.writerow(header)
        return writer

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
