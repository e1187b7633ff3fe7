"""Recognising an export by its header line (reports.md 1: by header, not by file name)."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from storage.ingest.errors import IngestError
from storage.ingest.formats import FORMATS, Column, ReportFormat, normalise_header

_DELIMITERS = {"\t": "tab", ",": "comma", ";": "semicolon"}
TEMPLATES_HINT = "Run `healthbot templates DIR` (or see docs/formats.md) for the CSV templates"


@dataclass(frozen=True)
class Detected:
    """A recognised header: the format, its delimiter, and where each stored column sits."""

    fmt: ReportFormat
    delimiter: str
    header: list[str]
    positions: dict[Column, int]


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _positions(fmt: ReportFormat, names: list[str], raw: list[str]) -> dict[Column, int]:
    positions: dict[Column, int] = {}
    for column in fmt.columns:
        found = [i for i, name in enumerate(names) if name in column.names()]
        if len(found) > 1:
            raise IngestError(
                f"the column {column.header!r} appears {len(found)} times in the header",
                expected="each column once",
                found=", ".join(f"{raw[i]!r} (column {i + 1})" for i in found),
                line=1,
                column=raw[found[1]].strip(),
                hint="Remove the duplicate column and upload the file again",
            )
        if found:
            positions[column] = found[0]
    return positions


def _missing(fmt: ReportFormat, names: set[str]) -> list[str]:
    return [alts[0] for alts in fmt.required_names() if not any(a in names for a in alts)]


def detect_format(header_line: str) -> Detected:
    """Recognise the export whose first line is `header_line`, or explain why none matches."""
    line = header_line.rstrip("\r\n")
    best: tuple[int, ReportFormat, str, list[str]] | None = None
    near: tuple[float, ReportFormat, list[str]] | None = None
    for delimiter in _DELIMITERS:
        raw = _split(line, delimiter)
        names = [normalise_header(n) for n in raw]
        present = set(names)
        for fmt in FORMATS:
            missing = _missing(fmt, present)
            if not missing:
                score = len(present & fmt.known_names())
                if best is None or score > best[0]:
                    best = (score, fmt, delimiter, raw)
            else:
                share = 1 - len(missing) / len(fmt.required_names())
                if share >= 0.5 and (near is None or share > near[0]):
                    near = (share, fmt, missing)
    if best is not None:
        _, fmt, delimiter, raw = best
        if delimiter not in fmt.delimiters:
            raise IngestError(
                f"this {fmt.title} is {_DELIMITERS[delimiter]}-delimited, but Amazon writes it with tabs",
                expected="tab-delimited columns, as Seller Central downloads it",
                found=f"columns separated by {_DELIMITERS[delimiter]}s (a spreadsheet re-save changes dates too)",
                line=1,
                hint=f"Download the report again from {fmt.where} and upload it unchanged",
            )
        names = [normalise_header(n) for n in raw]
        return Detected(fmt, delimiter, raw, _positions(fmt, names, raw))
    if near is not None:
        _, fmt, missing = near
        raise IngestError(
            f"this looks like a {fmt.title} but required columns are missing",
            expected=", ".join(c.header for c in fmt.columns if c.required),
            found=f"no {', '.join(repr(m) for m in missing)} column",
            line=1,
            hint=f"Get the complete file from {fmt.where}",
        )
    raise _unknown_header(line)


def _unknown_header(line: str) -> IngestError:
    odd = next((d for d in "|:^~" if line.count(d) >= 3 and not any(line.count(x) for x in _DELIMITERS)), None)
    delimiter = odd or max(_DELIMITERS, key=line.count)
    seen = [c.strip() for c in line.split(delimiter)] if line.count(delimiter) else [line.strip()]
    shown = ", ".join(repr(c) for c in seen[:12]) + (", ..." if len(seen) > 12 else "")
    accepted = ", ".join(f.title for f in FORMATS) + ", Account Health report (JSON)"
    problem = "the header matches no report healthbot reads"
    if odd:
        problem += f" (it seems to be split by {odd!r}: Amazon's reports use tabs, templates comma, ';' or tab)"
    return IngestError(
        problem,
        expected=f"one of: {accepted}",
        found=f"columns {shown}" if seen else "an empty first line",
        line=1,
        hint=f"Upload one of those exports as downloaded. {TEMPLATES_HINT}",
    )
