"""Careful low-level reading shared by the eval readers.

Every way a file can be broken (unreadable, binary, not UTF-8, truncated JSON, duplicate
keys, numbers too long to parse, nesting too deep) becomes an ``InputError`` naming the file
and, where known, the line; nothing here lets a traceback escape.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from readiness.errors import InputError

# Whole-document formats (promptfoo JSON, Inspect JSON logs, DeepEval runs) are parsed in
# memory; past this size a JSON document would need several GB to parse.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
SNIFF_BYTES = 64 * 1024
# One JSONL row is one example; past this it is not a row but a runaway file.
MAX_LINE_BYTES = 64 * 1024 * 1024



class DuplicateKey(ValueError):
    """A JSON object repeats a key, so which value counts is ambiguous."""


def read_prefix(path: Path, display: str, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of a file, or an InputError saying why it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except IsADirectoryError:
        raise InputError("is a folder, not an eval result file", path=display) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None


def looks_binary(prefix: bytes) -> bool:
    """NUL bytes never occur in JSON, JSONL or CSV text."""
    return b"\0" in prefix[:8192]


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses duplicate keys instead of silently keeping the last."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=unique_keys)  # stateless: safe to share


def parse_json(text: str, display: str, *, line: int | None = None) -> Any:
    """``json.loads`` with duplicate keys refused and every failure turned into InputError."""
    try:
        return _DECODER.decode(text)
    except DuplicateKey as exc:
        raise InputError(
            f"duplicate key {str(exc)!r} in a JSON object: which value counts is ambiguous",
            path=display, line=line,
        ) from None
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        column = exc.colno if line is None or exc.lineno == 1 else None
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        problem = "truncated JSON" if cut else "malformed JSON"
        raise InputError(f"{problem} ({exc.msg})", path=display, line=where,
                         column=column) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", path=display, line=line) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python will convert
        why = "a number too long to convert" if "digits" in str(exc) else str(exc)
        raise InputError(f"unreadable JSON value ({why})", path=display, line=line) from None


def load_json_document(path: Path, display: str) -> Any:
    """Read and parse a whole JSON document (size-capped, UTF-8, no duplicate keys)."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(
                f"JSON document of {size // (1024 * 1024)} MB is larger than the "
                f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB limit; export results as JSONL",
                path=display,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None
    return parse_json(decode_text(data, display), display)


def decode_text(data: bytes, display: str) -> str:
    """UTF-8 (with or without BOM) or an InputError saying the file is binary or mis-encoded."""
    if looks_binary(data):
        raise InputError("binary content, not a text eval result file", path=display)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not valid UTF-8 text", path=display, line=line) from None


def iter_json_lines(path: Path,
                    display: str) -> Generator[tuple[int, dict[str, Any]], None, None]:
    """Stream a JSONL file as (line number, object); blank lines are skipped."""
    try:
        with open(path, "rb") as handle:
            yield from _json_lines(handle, display)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None


def _json_lines(handle: BinaryIO, display: str) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(f"line longer than {MAX_LINE_BYTES:,} bytes: not one example "
                             "per line", path=display, line=number)
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if b"\0" in raw:
            raise InputError("binary content, not JSON lines", path=display, line=number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8 text", path=display, line=number) from None
        if not text.strip():
            continue
        value = parse_json(text, display, line=number)
        if not isinstance(value, dict):
            raise InputError(
                f"expected a JSON object on each line, found {json_type(value)}",
                path=display, line=number,
            )
        yield number, value


def iter_csv(path: Path, display: str) -> Generator[tuple[int, list[str]], None, None]:
    """Stream a CSV/TSV file as (line number, cells), the header included.

    The delimiter is read off the first line (comma, semicolon or tab), because spreadsheet
    exports in many locales use semicolons.
    """
    first = read_prefix(path, display, 8192).split(b"\n", 1)[0]
    counts = {d: first.count(d.encode()) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    try:
        with open(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            yield from _csv_rows(text, delimiter, display)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None


def _csv_rows(text: io.TextIOWrapper, delimiter: str,
              display: str) -> Iterator[tuple[int, list[str]]]:
    # csv's field size limit (128 KB) stays as it is: it is process-wide state, and it
    # is also what stops an unbalanced quote from swallowing the rest of a huge file.
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", path=display,
                             line=reader.line_num) from None
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8 text", path=display,
                             line=reader.line_num + 1) from None
        if any("\0" in cell for cell in row):
            raise InputError("binary content, not CSV text", path=display,
                             line=reader.line_num)
        yield reader.line_num, row


def json_type(value: object) -> str:
    """A reader-friendly name for a parsed JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
