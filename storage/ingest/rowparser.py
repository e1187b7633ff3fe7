"""A row parser compiled for one file's header: the inner loop of a million-row upload.

A generic loop over the columns (unpack the column spec, test for a parser, append, build a dict, copy
it into the driver's order) cost three times the database insert of the row. Once the header is known,
every one of those decisions is fixed, so they are made once: the parser is generated as straight-line
Python, the way `collections.namedtuple` and `dataclasses` generate their methods. The generated code
only calls the column parsers of `values.py` and the writer's adapters; there is no logic in it that
the declarations in `formats.py` do not state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.ingest.detect import Detected
from storage.ingest.formats import Column, Record
from storage.ingest.values import ParseContext, text
from storage.ingest.writer import TableWriter, text_hash


@dataclass
class FieldProblem(Exception):
    """A field that is empty where a value is required, or that does not parse."""

    column: Column
    raw: str
    expected: str | None  # None: the field is empty


# key, stored values (hash first, in the driver's form), the parsed record (merge formats) and span value
ParsedRow = tuple[tuple[Any, ...], list[Any], Record | None, Any]
RowParser = Callable[[list[str]], ParsedRow]


def compile_row_parser(detected: Detected, writer: TableWriter, context: ParseContext) -> RowParser:
    """Generate the parser of one data line of a file with `detected`'s header."""
    fmt = detected.fmt
    namespace: dict[str, Any] = {"ctx": context, "Problem": FieldProblem, "H": text_hash}
    body = ["def parse_row(row):", "    n = len(row)"]
    expression: dict[str, str] = {}  # attribute -> the local holding its parsed value
    raws: list[str] = []
    index = 0
    for column in fmt.columns:
        if not column.attr:
            continue
        position = detected.positions.get(column)
        if position is None:
            namespace[f"E_{column.attr}"] = column.empty
            expression[column.attr] = f"E_{column.attr}"
            continue
        i = index
        index += 1
        namespace[f"C{i}"] = column
        namespace[f"E{i}"] = column.empty
        raws.append(f"r{i}")
        expression[column.attr] = f"v{i}"
        body.append(f"    r{i} = row[{position}].strip() if n > {position} else ''")
        limit = writer.max_length(column.attr)
        if column.parse is text and limit is not None:
            # PostgreSQL refuses a value longer than its column; say so as a rejection, on both databases.
            body += [
                f"    if len(r{i}) > {limit}:",
                f"        raise Problem(C{i}, r{i}, 'at most {limit} characters')",
            ]
        if column.parse is text:
            parse = f"v{i} = r{i}"
        else:
            namespace[f"P{i}"] = column.parse
            parse = f"v{i} = P{i}(r{i}, ctx)"
        body += [
            f"    if not r{i}:",
            f"        raise Problem(C{i}, '', None)" if column.nonempty else f"        v{i} = E{i}",
            "    else:",
            "        try:",
            f"            {parse}",
            "        except ValueError as exc:",
            f"            raise Problem(C{i}, r{i}, str(exc)) from None",
        ]
    needs_record = fmt.derive is not None or fmt.merge is not None
    if needs_record:
        items = ", ".join(f"{name!r}: {local}" for name, local in expression.items())
        body.append(f"    rec = {{{items}}}")
        if fmt.derive is not None:
            namespace["derive"] = fmt.derive
            body.append("    rec.update(derive(rec))")
        for name in fmt.derived:
            expression[name] = f"rec[{name!r}]"
    span = expression[fmt.span] if fmt.span else "None"
    if fmt.merge is not None:
        # Merged rows are hashed and adapted once merged, by the writer.
        body.append(f"    return None, None, rec, {span}")
    else:
        stored = []
        for attr in fmt.attrs:
            adapter = writer.adapter(attr)
            local = expression[attr]
            if adapter is None:
                stored.append(local)
            else:
                namespace[f"A_{attr}"] = adapter
                stored.append(f"(A_{attr}({local}) if {local} is not None else None)")
        digest = f"H('\\x1f'.join(({', '.join(raws)},)))"
        body.append(f"    values = [{digest}, {', '.join(stored)}]")
        key = ", ".join(f"values[{fmt.attrs.index(k) + 1}]" for k in fmt.key)
        body.append(f"    return ({key},), values, {'rec' if needs_record else 'None'}, {span}")
    exec("\n".join(body), namespace)  # noqa: S102 - generated from the declarations above only
    parser: RowParser = namespace["parse_row"]
    return parser
