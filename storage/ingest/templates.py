"""Empty copies of healthbot's CSV templates (reports.md 3), for `healthbot templates DIR`."""

from __future__ import annotations

import csv
from pathlib import Path

from storage.ingest.formats import TEMPLATES, template_file_name


def write_templates(directory: Path) -> list[Path]:
    """Write one header-only CSV per template into `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in TEMPLATES:
        path = directory / template_file_name(fmt)
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow(fmt.template_header())
        written.append(path)
    return written
