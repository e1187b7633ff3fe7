"""From an uploaded file to a stream of text lines: decompression, file-type sniffing, encodings.

Everything here streams: a 1,000,000-row export is never held in memory.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from storage.ingest.errors import IngestError

SAMPLE_BYTES = 64 * 1024
READ_BYTES = 256 * 1024

DOWNLOAD_AGAIN = "Download the report again from Seller Central and upload the file as it comes"

# Magic numbers of files people drop into a channel by mistake.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"BZh", "a bzip2 archive"),
)
EXCEL_HINT = (
    "In Seller Central download the report as a text file (.txt); "
    "from Excel or a spreadsheet use 'Save as' > 'CSV UTF-8' (templates) or 'Text (Tab delimited)'"
)


class _Limited(io.RawIOBase):
    """Refuses to read past `limit` bytes of decompressed data (a zip bomb stops here)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._count += len(data)
        if self._count > self._limit:
            raise IngestError(
                "the archive expands past healthbot's size limit",
                expected=f"at most {self._limit:,} bytes once decompressed",
                found=f"more than {self._limit:,} bytes",
                hint="Upload one report per file; split very large exports by date range",
            )
        buffer[: len(data)] = data
        return len(data)


def _refuse_binary(head: bytes) -> None:
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise IngestError(
                f"this file is {what}, not a report",
                expected="a tab-delimited Seller Central report, a CSV template or an Account Health JSON",
                found=what,
                hint=DOWNLOAD_AGAIN,
            )


def _zip_member(archive: zipfile.ZipFile, limit: int) -> zipfile.ZipInfo:
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not info.filename.rsplit("/", 1)[-1].startswith(".")
    ]
    names = [m.filename for m in members]
    if any(name.startswith("xl/") for name in names) and "[Content_Types].xml" in names:
        raise IngestError(
            "this is an Excel workbook (.xlsx), which healthbot does not read",
            expected="a text export (.txt, .csv or .tsv)",
            found="an .xlsx workbook",
            hint=EXCEL_HINT,
        )
    if not members:
        raise IngestError("the zip archive is empty", found="no file inside", hint=DOWNLOAD_AGAIN)
    if len(members) > 1:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise IngestError(
            "the zip archive holds several files",
            expected="exactly one report inside a .zip",
            found=f"{len(members)} files: {shown}",
            hint="Upload each report on its own (or zip them one by one)",
        )
    member = members[0]
    if member.file_size > limit:
        raise IngestError(
            "the archive expands past healthbot's size limit",
            expected=f"at most {limit:,} bytes once decompressed",
            found=f"{member.file_size:,} bytes in {member.filename}",
            hint="Upload one report per file; split very large exports by date range",
        )
    return member


@contextmanager
def open_upload(path: Path, *, max_expanded_bytes: int) -> Iterator[IO[bytes]]:
    """Open `path`, transparently decompressing one `.gz` or `.zip` layer."""
    with path.open("rb") as raw:
        head = raw.read(8)
        raw.seek(0)
        if not head:
            raise IngestError(
                "the file is empty (0 bytes)", expected="a report with a header line", hint=DOWNLOAD_AGAIN
            )
        if head.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                limited = io.BufferedReader(_Limited(cast(IO[bytes], unzipped), max_expanded_bytes), READ_BYTES)
                yield limited
            return
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as exc:
                raise IngestError("the zip archive is damaged", found=str(exc), hint=DOWNLOAD_AGAIN) from None
            with archive:
                member = _zip_member(archive, max_expanded_bytes)
                try:
                    inner_stream = archive.open(member)
                except (zipfile.BadZipFile, OSError) as exc:  # a header pointing outside the file
                    raise IngestError("the zip archive is damaged", found=str(exc), hint=DOWNLOAD_AGAIN) from None
                with inner_stream:
                    limited = io.BufferedReader(_Limited(inner_stream, max_expanded_bytes), READ_BYTES)
                    yield limited
            return
        _refuse_binary(head)
        yield raw


# --- encodings ---------------------------------------------------------------------------------

_JAPANESE_RANGES = ((0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))


def _japanese_share(text: str) -> float:
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 0.0
    japanese = sum(1 for c in non_ascii if any(lo <= ord(c) <= hi for lo, hi in _JAPANESE_RANGES))
    return japanese / len(non_ascii)


# Python's cp932 maps the lone bytes 0xA0 and 0xFD-0xFF, which no Shift-JIS text contains, to
# private-use characters instead of failing: seeing one means the bytes were not Shift-JIS at all.
_CP932_STRAYS = re.compile("[\uf8f0-\uf8f3]")
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "cp932": "Shift-JIS",
}


def _decodes(sample: bytes, encoding: str) -> str | None:
    try:
        # final=False: a multi-byte character cut by the end of the sample is not an error.
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    if encoding == "cp932" and _CP932_STRAYS.search(text):
        return None
    return text


def _stray_error(text: str, lines_before: int) -> IngestError:
    stray = _CP932_STRAYS.search(text)
    assert stray is not None
    line = lines_before + text[: stray.start()].count("\n") + 1
    return IngestError(
        "the file has bytes that are not text in any encoding healthbot reads",
        expected="Shift-JIS",
        found="bytes that Shift-JIS never uses (0xA0 or 0xFD-0xFF)",
        line=line,
        hint="Save the file as UTF-8 (or download the report again from Seller Central) and upload it again",
    )


def detect_encoding(sample: bytes, *, prefer_japanese: bool = False) -> str:
    """Pick the encoding of a report from its first bytes (reports.md 1: never assume UTF-8).

    Only the encodings Seller Central writes are candidates: UTF-8 (with or without BOM), UTF-16 with
    BOM (Excel's "Unicode text"), Windows-1252 (US/EU flat files) and Shift-JIS (cp932, JP files). A
    general-purpose detector guesses among dozens of codecs and gets short samples wrong.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise IngestError(
            "this file is binary, not text",
            expected="a tab-delimited Seller Central report, a CSV template or an Account Health JSON",
            found="NUL bytes in the first lines",
            hint=DOWNLOAD_AGAIN,
        )
    if _decodes(sample, "utf-8") is not None:
        return "utf-8"
    as_japanese = _decodes(sample, "cp932")
    if as_japanese is not None and (prefer_japanese or _japanese_share(as_japanese) > 0.5):
        return "cp932"
    if _decodes(sample, "cp1252") is not None:
        return "cp1252"
    if as_japanese is not None:
        return "cp932"
    raise _undecodable(sample, None, 0, "UTF-8, Windows-1252 or Shift-JIS")


def _undecodable(chunk: bytes, error: UnicodeDecodeError | None, lines_before: int, tried: str) -> IngestError:
    start = error.start if error else 0
    if error is None:
        # Find the first byte no candidate explains, for the line number.
        for start in range(len(chunk)):
            if chunk[start] > 127:
                break
    line = lines_before + chunk[:start].count(b"\n") + 1
    bad = chunk[start : start + 4]
    return IngestError(
        "the file has bytes that are not text in any encoding healthbot reads",
        expected=tried,
        found=f"bytes {bad.hex(' ')}",
        line=line,
        hint="Save the file as UTF-8 (or download the report again from Seller Central) and upload it again",
    )


def iter_lines(stream: IO[bytes], *, prefer_japanese: bool = False) -> Iterator[str]:
    """Decode `stream` strictly and yield its lines with their line endings.

    The encoding is chosen from the first 64 KiB. A file whose first 64 KiB were plain ASCII may turn
    out later not to be UTF-8 (a Windows-1252 product name deep in the file): ASCII reads the same in
    every candidate, so decoding switches to the fallback there without re-reading or losing a byte.
    """
    chunk = stream.read(SAMPLE_BYTES)
    encoding = detect_encoding(chunk, prefer_japanese=prefer_japanese)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    all_ascii = True
    lines_before = 0
    pending = ""
    while chunk:
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            if not (all_ascii and encoding == "utf-8"):
                raise _undecodable(chunk, exc, lines_before, ENCODING_NAMES[encoding]) from None
            encoding = "cp932" if prefer_japanese else "cp1252"
            decoder = codecs.getincrementaldecoder(encoding)("strict")
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc2:
                raise _undecodable(chunk, exc2, lines_before, f"UTF-8 or {ENCODING_NAMES[encoding]}") from None
        if encoding == "cp932" and _CP932_STRAYS.search(text):
            raise _stray_error(text, lines_before)
        if all_ascii and not text.isascii():
            all_ascii = False
        lines_before += chunk.count(b"\n")
        if text:
            parts = (pending + text).split("\n")
            pending = parts.pop()
            for part in parts:
                yield part + "\n"
        chunk = stream.read(READ_BYTES)
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _undecodable(b"", exc, lines_before, ENCODING_NAMES[encoding]) from None
    if pending:
        yield pending
