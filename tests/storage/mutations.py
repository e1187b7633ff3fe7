"""Bad input for the fuzz tests: real-shaped exports, mutated the ways files go wrong in the wild.

Every mutant starts from a small demo export (`write_demo_data`, every kind, the Account Health JSON
included) and goes through four stages, each optional, so that most mutants still get past format
detection and reach the row parsers and the writer, where a partial write could happen:

1. structure: columns shuffled (header and rows alike), duplicated, dropped or added; cells replaced by
   hostile values or a 1 MB field; rows duplicated, cut short or lengthened; blank lines. For the
   Account Health JSON: values deleted, retyped, renamed, nested thousands deep, turned into huge or
   non-finite numbers, the text cut short.
2. text: CRLF, CR or mixed line ends; encoded as UTF-8 (with or without BOM), UTF-16, Windows-1252,
   Shift-JIS, or one encoding for the first part and another for the rest.
3. bytes: flips, insertions, deletions, truncation at any byte.
4. archive: gzip or zip (one member, several, nested), possibly damaged after compression.

`check` runs one mutant through the real `ingest_one` and says whether the outcome is one of the two
allowed (ingested with valid rows, or a clean rejection that changed nothing); the test module and
`benchmarks/fuzz.py` share it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import tempfile
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import BigInteger, Engine, Float, Integer, String, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ingesting import ingest_one
from storage import models
from storage.demo import write_demo_data
from storage.demo.files import FILE_NAMES
from storage.ingest import formats
from storage.ingest.errors import IngestError
from storage.ingest.result import IngestResult
from storage.settings import StorageSettings

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
DEMO_ORDERS = 60
DEMO_SEED = 20261124
# Small chunks: a 60-order export is written in several chunks, so a problem late in the file meets
# rows already written by the same transaction, and only the rollback keeps them out.
CHUNK_ROWS = 8
HUGE_FIELD = 1024 * 1024
KINDS: tuple[str, ...] = formats.KINDS

Table_ = list[list[str]]  # row 0 is the header


# --- the real-shaped starting points ---------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """One clean demo export, and how its kind lays out text."""

    kind: str
    name: str
    data: bytes

    @property
    def is_json(self) -> bool:
        return self.kind == formats.ACCOUNT_HEALTH_KIND

    @property
    def delimiter(self) -> str:
        return "\t" if formats.BY_KIND[self.kind].source == "amazon" else ","

    @property
    def quoted(self) -> bool:
        # Amazon's flat files never quote (reports.md 1); templates are ordinary CSV.
        return formats.BY_KIND[self.kind].source == "template"

    @property
    def encoding(self) -> str:
        # The demo writes some exports as Seller Central does: Windows-1252, CRLF.
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError:
            return "cp1252"
        return "utf-8"

    @property
    def newline(self) -> str:
        return "\r\n" if b"\r\n" in self.data else "\n"

    def table(self) -> Table_:
        text = self.data.decode(self.encoding)
        if self.quoted:
            return list(csv.reader(io.StringIO(text, newline="")))
        return [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line]


@cache
def seeds() -> dict[str, Seed]:
    """The demo exports of every kind, generated once per process and held in memory."""
    with tempfile.TemporaryDirectory(prefix="healthbot-fuzz-") as directory:
        paths = write_demo_data(Path(directory), orders=DEMO_ORDERS, seed=DEMO_SEED, as_of=AS_OF)
        by_name = {path.name: path.read_bytes() for path in paths}
    return {kind: Seed(kind, name, by_name[name]) for kind, name in FILE_NAMES.items() if kind in KINDS}


@dataclass(frozen=True)
class Mutant:
    """A mutated export: the bytes uploaded, and the mutations that made it (for reports)."""

    kind: str
    name: str
    data: bytes
    steps: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.kind} <- {' | '.join(self.steps) or 'unchanged'} ({len(self.data):,} bytes)"


# --- stage 1: structure ----------------------------------------------------------------------------

# What fuzzers call a dictionary: values at the edges of each parser (numbers past every column type,
# dates at the ends of the calendar, delimiters and quotes inside a field, invisible characters).
HOSTILE_CELLS: tuple[str, ...] = (
    "",
    " ",
    "NaN",
    "-Infinity",
    "1e999",
    "-0",
    "2147483648",
    "-9223372036854775809",
    "1" * 400,
    "1.234,56",
    "12.99 USD",
    "0x1F",
    "2026-02-30",
    "2026-11-24T25:00:00",
    "2026-11-24T18:52:47+24:00",
    "0001-01-01",
    "9999-12-31",
    "31-Feb-2026",
    "24-Nov-99999",
    "24-Nov-2026 99:00",
    "11/24/26",
    "Y",
    "maybe",
    "\x00",
    "\u2028",
    "\ufeff",
    "\ud800",
    "日本語の商品名",
    "🍶",
    '"',
    '"unterminated',
    "a\tb",
    "a\nb",
    "a\rb",
    "x" * 65,
    "x" * 101,
    "x" * 201,
)
# Among the first values a seller's spreadsheet gets wrong; kept apart so a known crash can be named.
CALENDAR_EDGE_TIMESTAMPS: tuple[str, ...] = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00")

cells = st.one_of(st.sampled_from(HOSTILE_CELLS + CALENDAR_EDGE_TIMESTAMPS), st.text(max_size=24))
Draw = Callable[..., Any]  # hypothesis' `draw`


def _width(table: Table_) -> int:
    return max(len(row) for row in table)


def _pad(table: Table_) -> None:
    width = _width(table)
    for row in table:
        row.extend([""] * (width - len(row)))


def _shuffle_columns(draw: Draw, table: Table_) -> str:
    if not table[0]:
        return "shuffle-columns (no header)"
    _pad(table)
    order = draw(st.permutations(range(_width(table))))
    for i, row in enumerate(table):
        table[i] = [row[j] for j in order]
    return "shuffle-columns"


def _duplicate_column(draw: Draw, table: Table_) -> str:
    if not table[0]:
        return "duplicate-column (no header)"
    _pad(table)
    source = draw(st.integers(0, _width(table) - 1))
    target = draw(st.integers(0, _width(table)))
    for row in table:
        row.insert(target, row[source])
    return f"duplicate-column {table[0][target]!r}"


def _drop_column(draw: Draw, table: Table_) -> str:
    if not table[0]:
        return "drop-column (no header)"
    _pad(table)
    index = draw(st.integers(0, _width(table) - 1))
    name = table[0][index]
    for row in table:
        del row[index]
    return f"drop-column {name!r}"


def _extra_column(draw: Draw, table: Table_) -> str:
    _pad(table)
    known = sorted({c.header for f in formats.FORMATS for c in f.columns})
    name = draw(st.one_of(st.sampled_from(known), st.text(max_size=12)))
    index = draw(st.integers(0, _width(table)))
    table[0].insert(index, name)
    for row in table[1:]:
        row.insert(index, draw(cells))
    return f"extra-column {name!r}"


def _rename_header(draw: Draw, table: Table_) -> str:
    if not table[0]:
        return "rename-header (no header)"
    index = draw(st.integers(0, len(table[0]) - 1))
    old = table[0][index]
    table[0][index] = draw(st.sampled_from([old.upper(), f"  {old} ", old.replace("-", "_"), old + "x", ""]))
    return f"rename-header {old!r}"


def _set_cells(draw: Draw, table: Table_) -> str:
    if len(table) < 2:
        return "set-cells (no rows)"
    for _ in range(draw(st.integers(1, 3))):
        row = table[draw(st.integers(1, len(table) - 1))]
        if row:
            row[draw(st.integers(0, len(row) - 1))] = draw(cells)
    return "set-cells"


def _huge_field(draw: Draw, table: Table_) -> str:
    row = table[draw(st.integers(0, len(table) - 1))]
    if row:
        row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from("xé日\t\"'")) * HUGE_FIELD
    return "huge-field (1 MB)"


def _duplicate_rows(draw: Draw, table: Table_) -> str:
    index = draw(st.integers(0, len(table) - 1))
    table.insert(draw(st.integers(1, len(table))), list(table[index]))
    return "duplicate-row" if index else "duplicate-row (the header)"


def _shuffle_rows(draw: Draw, table: Table_) -> str:
    table[1:] = draw(st.permutations(table[1:]))
    return "shuffle-rows"


def _cut_row(draw: Draw, table: Table_) -> str:
    row = table[draw(st.integers(0, len(table) - 1))]
    del row[draw(st.integers(0, len(row))) :]
    return "short-row"


def _lengthen_row(draw: Draw, table: Table_) -> str:
    table[draw(st.integers(0, len(table) - 1))].extend(draw(st.lists(cells, min_size=1, max_size=3)))
    return "long-row"


def _blank_lines(draw: Draw, table: Table_) -> str:
    for _ in range(draw(st.integers(1, 3))):
        table.insert(draw(st.integers(0, len(table))), draw(st.sampled_from([[], [""], ["  "], ["\t"]])))
    return "blank-lines"


def _drop_rows(draw: Draw, table: Table_) -> str:
    keep = draw(st.integers(0, max(0, len(table) - 2)))
    del table[1 + keep :]
    return f"drop-rows (keep {keep})"


TABLE_MUTATIONS: tuple[Callable[[Draw, Table_], str], ...] = (
    _shuffle_columns,
    _duplicate_column,
    _drop_column,
    _extra_column,
    _rename_header,
    _set_cells,
    _huge_field,
    _duplicate_rows,
    _shuffle_rows,
    _cut_row,
    _lengthen_row,
    _blank_lines,
    _drop_rows,
)


def _write_table(seed: Seed, table: Table_, newline: str) -> str:
    if not seed.quoted:
        return "".join("\t".join(row) + newline for row in table)
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(table)
    return out.getvalue()


# Raw JSON tokens put where a value was: what `json.dumps` will not write (non-finite and enormous
# numbers, lone surrogates, bare words) and nesting deep enough to exhaust a recursive parser.
RAW_JSON: tuple[str, ...] = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1" * 5000,
    "-0",
    "1.5e-400",
    "9223372036854775808",
    "2147483648",
    "01",
    "tru",
    '"\\ud800"',
    '"\\u0000"',
    '"' + "x" * HUGE_FIELD + '"',
    "[" * 100_000 + "]" * 100_000,
    "[" * 40 + "1" + "]" * 40,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[" * 50,
    "}",
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(["2026-11-24T23:59Z", "2026-11-24", "GOOD", "NORMAL", "ATVPDKIKX0DER", "A1PA6795UKMFR9"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
Path_ = tuple[str | int, ...]


def _paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    found: list[Path_] = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _parent(doc: Any, path: Path_) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _mutate_json(draw: Draw, doc: Any, raws: list[str]) -> str:
    paths = [p for p in _paths(doc) if p]
    if not paths:
        return "json-none (nothing left to mutate)"
    path = draw(st.sampled_from(paths))
    parent, last = _parent(doc, path), path[-1]
    where = ".".join(map(str, path))
    action = draw(st.sampled_from(["delete", "retype", "raw", "rename", "nest", "duplicate"]))
    if action == "delete":
        del parent[last]
    elif action == "retype":
        parent[last] = draw(json_values)
    elif action == "raw":
        raws.append(draw(st.sampled_from(RAW_JSON)))
        parent[last] = f"@@RAW{len(raws) - 1}@@"
    elif action == "rename" and isinstance(last, str):
        # The schema's and the examples' names for the same block (reports.md 2.8), or nonsense.
        aliases = {"preFulfillmentCancellationRate": "prefulfillmentCancelRate", "warningStates": "warningState"}
        parent[draw(st.sampled_from([aliases.get(last, last.lower()), last + "s", ""]))] = parent.pop(last)
    elif action == "nest":
        value = parent[last]
        for _ in range(draw(st.sampled_from([1, 5, 40, 200]))):  # json.dumps recurses: deeper comes as RAW_JSON
            value = [value]
        parent[last] = value
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(draw(st.integers(0, len(parent))), json.loads(json.dumps(parent[last])))
    return f"json-{action} {where[:60]}"


def _write_json(doc: Any, raws: list[str], indent: int | None) -> str:
    text = json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=True)
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{index}@@"', raw)
    return text


# --- stages 2 to 4: text, bytes, archives ------------------------------------------------------------

# The export's own encoding is drawn more often, so that most mutants still decode and reach the parsers.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "shift_jis", "latin-1")
NON_ASCII = ("Café Müller", "日本語の商品名 ステンレスボトル", "🍶 bottle", "naïve €5", "\u00a0")


def _encode(draw: Draw, text: str, own: str) -> tuple[bytes, str]:
    if draw(st.booleans()):
        # Characters outside ASCII make the encodings actually differ.
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(NON_ASCII)) + text[at:]
    encoding = draw(st.sampled_from((own, own, *ENCODINGS, "mixed")))
    if encoding != "mixed":
        # What Excel does with a character its code page lacks: a question mark.
        return text.encode(encoding, errors="replace"), f"encode {encoding}"
    first, second = draw(st.sampled_from(ENCODINGS)), draw(st.sampled_from(ENCODINGS))
    at = draw(st.integers(0, len(text)))
    data = text[:at].encode(first, errors="replace") + text[at:].encode(second, errors="replace")
    return data, f"encode-mixed {first} then {second}"


def _mutate_bytes(draw: Draw, data: bytes) -> tuple[bytes, str]:
    action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
    at = draw(st.integers(0, len(data)))
    if action == "flip" and at < len(data):
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif action == "insert":
        junk = draw(st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from([b"\x00", b"\xff\xfe", b"\x81\x81"])))
        data = data[:at] + junk + data[at:]
    elif action == "delete":
        data = data[:at] + data[at + draw(st.integers(1, 64)) :]
    else:
        data = data[:at]
    return data, f"bytes-{action} at {at}"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _wrap(draw: Draw, data: bytes, name: str) -> tuple[bytes, str, str]:
    wrapper = draw(st.sampled_from(["gzip", "zip", "zip-two", "zip-macosx", "gzip-gzip"]))
    if wrapper == "gzip":
        data, name = gzip.compress(data, mtime=0), name + ".gz"
    elif wrapper == "gzip-gzip":
        data, name = gzip.compress(gzip.compress(data, mtime=0), mtime=0), name + ".gz.gz"
    elif wrapper == "zip":
        data, name = zip_bytes({name: data}), name + ".zip"
    elif wrapper == "zip-two":
        data, name = zip_bytes({name: data, "copy-" + name: data}), name + ".zip"
    else:
        data, name = zip_bytes({name: data, f"__MACOSX/._{name}": b"\x00\x05\x16\x07"}), name + ".zip"
    return data, name, f"wrap-{wrapper}"


@st.composite
def mutants(draw: Draw, kind: str) -> Mutant:
    """A mutated export of `kind`."""
    seed = seeds()[kind]
    steps: list[str] = []
    if seed.is_json:
        doc = json.loads(seed.data)
        raws: list[str] = []
        for _ in range(draw(st.integers(0, 3))):
            steps.append(_mutate_json(draw, doc, raws))
        text = _write_json(doc, raws, draw(st.sampled_from([2, None])))
        if draw(st.integers(0, 3)) == 0:
            cut = draw(st.integers(0, len(text)))
            text = text[:cut]
            steps.append(f"json-cut at {cut}")
    else:
        table = seed.table()
        for mutation in draw(st.lists(st.sampled_from(TABLE_MUTATIONS), max_size=3)):
            steps.append(mutation(draw, table))
        newline = draw(st.sampled_from([seed.newline, seed.newline, "\n", "\r\n", "\r", "mixed"]))
        if newline == "mixed":
            text = _write_table(seed, table, "\n").replace("\n", "\r\n", draw(st.integers(1, 20)))
        else:
            text = _write_table(seed, table, newline)
        if newline != seed.newline:
            steps.append(f"line-ends {newline!r}")
    data, how = _encode(draw, text, seed.encoding)
    if how != f"encode {seed.encoding}":
        steps.append(how)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        data, how = _mutate_bytes(draw, data)
        steps.append(how)
    name = seed.name
    if draw(st.integers(0, 4)) == 0:
        data, name, how = _wrap(draw, data, name)
        steps.append(how)
        if draw(st.booleans()):
            data, how = _mutate_bytes(draw, data)
            steps.append(f"archive-damage: {how}")
    return Mutant(kind=kind, name=name, data=data, steps=tuple(steps))


# --- the property --------------------------------------------------------------------------------------


def fuzz_settings() -> StorageSettings:
    # 16 MB: a mutant with a 1 MB cell still expands within it; a nested bomb would not.
    return StorageSettings.model_validate(
        {"HEALTHBOT_INGEST_CHUNK_ROWS": CHUNK_ROWS, "HEALTHBOT_MAX_EXPANDED_BYTES": 16 * 1024 * 1024}
    )


def _tables() -> list[Table]:
    # Every table but `uploads`, which a rejection is expected to change (by one row).
    return [t for t in models.Base.metadata.sorted_tables if t.name != models.Upload.__tablename__]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of every table but `uploads`, in primary-key order (the fuzz database is small)."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))] for t in _tables()}


def upload_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(models.Upload.__table__)).scalar_one())


def last_upload(engine: Engine) -> Any:
    table = models.Upload.__table__
    with engine.connect() as conn:
        return conn.execute(select(table).order_by(table.c.id.desc()).limit(1)).one()


def invalid_values(tables: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Stored values the models' column types do not allow.

    SQLite enforces neither VARCHAR lengths nor INTEGER widths; PostgreSQL would have refused such a
    row, so a value like that means the parsers let through what one of the two databases cannot hold.
    """
    problems: list[str] = []
    by_name = {t.name: t for t in _tables()}
    for name, rows in tables.items():
        columns = list(by_name[name].columns)
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                where = f"{name}.{column.name}={str(value)[:40]!r}"
                if value is None:
                    if not column.nullable:
                        problems.append(f"{where}: NULL in a NOT NULL column")
                    continue
                kind = column.type
                length = getattr(kind, "length", None)
                if isinstance(kind, String) and length is not None and len(value) > length:
                    problems.append(f"{where}: {len(value)} characters in VARCHAR({length})")
                elif isinstance(kind, BigInteger) and not -(2**63) <= value < 2**63:
                    problems.append(f"{where}: outside BIGINT")
                elif isinstance(kind, Integer) and not isinstance(kind, BigInteger) and not -(2**31) <= value < 2**31:
                    problems.append(f"{where}: outside INTEGER")
                elif isinstance(kind, Float) and not math.isfinite(value):
                    problems.append(f"{where}: a non-finite number")
                elif isinstance(value, str) and "\x00" in value:
                    problems.append(f"{where}: a NUL character (PostgreSQL refuses it)")
    return problems


@dataclass
class Outcome:
    """What one mutant did: `ingested` and `rejected` are allowed, anything else is a finding."""

    status: str  # ingested | rejected | crash | partial-write | bad-rejection | invalid-row
    detail: str = ""
    crash_key: str = ""  # distinct crashes: exception type and the innermost frame in healthbot's code
    result: IngestResult | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status in ("ingested", "rejected")


def _crash_key(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/storage/" in f.filename or "/bot/" in f.filename]
    # By function, not line: the same bug keeps its name while the code around it is edited.
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "outside healthbot"
    return f"{type(exc).__name__} in {where}"


@dataclass
class FuzzTarget:
    """A database with one account and one clean upload of every kind, that mutants are ingested into."""

    engine: Engine
    sessions: sessionmaker[Session]
    account: models.Account
    directory: Path
    settings: StorageSettings = field(default_factory=fuzz_settings)

    def ingest(self, name: str, data: bytes) -> IngestResult:
        path = self.directory / "upload.bin"
        path.write_bytes(data)
        return ingest_one(
            sessions=self.sessions,
            settings=self.settings,
            account=self.account,
            path=path,
            uploaded_by="U0FUZZ",
            source="cli",
            now=NOW,
            display_name=name,
        )

    def seed(self, kinds: tuple[str, ...] = KINDS) -> None:
        """Store the clean export of each kind, so that any partial write would change existing rows."""
        for kind in kinds:
            clean = seeds()[kind]
            result = self.ingest(clean.name, clean.data)
            if result.status != "ingested":
                raise AssertionError(f"the clean {kind} export was refused: {result.error}")

    def check(self, mutant: Mutant) -> Outcome:
        """Ingest `mutant` and judge the outcome against the property."""
        before, uploads = snapshot(self.engine), upload_count(self.engine)
        try:
            result = self.ingest(mutant.name, mutant.data)
        except Exception as exc:  # the finding itself: anything but IngestError reaching the caller
            detail = "".join(traceback.format_exception(exc))
            return Outcome("crash", detail, _crash_key(exc))
        after = snapshot(self.engine)
        logged = last_upload(self.engine)
        if upload_count(self.engine) != uploads + 1 or logged.status != result.status:
            return Outcome("partial-write", "the upload log did not gain exactly one row for the file", result=result)
        if result.status == "rejected":
            error = result.error
            if after != before:
                changed = sorted(name for name in after if after[name] != before[name])
                return Outcome("partial-write", f"a rejected file changed {', '.join(changed)}", result=result)
            if not isinstance(error, IngestError) or not error.problem.strip() or not (error.hint or "").strip():
                return Outcome("bad-rejection", f"a rejection without problem or hint: {error!r}", result=result)
            if logged.error != str(error):
                return Outcome("bad-rejection", "the upload log does not hold the rejection's message", result=result)
            return Outcome("rejected", str(error), result=result)
        if result.status != "ingested" or result.error is not None:
            return Outcome("crash", f"unexpected result {result!r}", f"status {result.status}", result=result)
        problems = invalid_values(after)
        if problems:
            return Outcome("invalid-row", "; ".join(problems[:5]), result=result)
        # The next mutant of this kind again meets the clean export's rows.
        self.seed((mutant.kind,))
        return Outcome("ingested", result.kind or "", result=result)


def tally(outcomes: list[tuple[str, Outcome]]) -> dict[str, dict[str, int]]:
    """Counts per kind: inputs tried and each outcome."""
    counts: dict[str, dict[str, int]] = {}
    for kind, outcome in outcomes:
        row = counts.setdefault(kind, {"tried": 0})
        row["tried"] += 1
        row[outcome.status] = row.get(outcome.status, 0) + 1
    return counts
