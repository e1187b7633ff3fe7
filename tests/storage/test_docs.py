"""The documentation users read matches what the code does."""

from __future__ import annotations

from pathlib import Path

from storage.ingest.describe import describe_all

ROOT = Path(__file__).resolve().parents[2]


def test_formats_doc_is_current():
    written = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    assert written == describe_all(), "run: python -m storage.ingest.describe > docs/formats.md"
