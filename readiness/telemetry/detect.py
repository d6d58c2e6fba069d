"""Recognise a telemetry file's format from its content, never from its name.

Formats are tried in a fixed priority order: OTLP traces, raw provider responses,
gateway exports (LiteLLM, Langfuse, LangSmith), application logs wrapping provider
responses, then load-test results. A file that
matches none is not telemetry and raises :class:`~readiness.errors.InputError`.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from readiness.errors import InputError
from readiness.telemetry import applog, console, gateways, loadtest, otlp, providers
from readiness.telemetry.mapped import HOW_TO_MAP, has_any
from readiness.telemetry.stream import json_values
from readiness.telemetry.values import MalformedRecord, loads

EXPECTED = ("expected telemetry: OTLP/JSON traces or ConsoleSpanExporter output, "
            "OpenAI/Anthropic responses or batch results as JSON Lines (also nested in "
            "application log lines), a LiteLLM, Langfuse or LangSmith export, a Locust "
            "*_stats.csv or a k6 summary JSON")
# How many leading lines may be unreadable before we give up recognising the file.
_PROBE_LINES = 50
# A single JSON document must be loaded whole; beyond this, ask for JSON Lines.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


class Format(enum.Enum):
    """A telemetry format this package reads."""

    OTLP = "otlp-json"
    OTEL_CONSOLE = "otel-console"  # ConsoleSpanExporter spans, one after another
    PROVIDER = "provider-responses"
    LITELLM = "litellm"
    LANGFUSE = "langfuse"
    LANGSMITH = "langsmith"
    APP_LOG = "app-log"  # application log lines wrapping provider responses
    MAPPED = "mapped"  # any JSON/CSV log, read through a field mapping
    LOCUST = "locust"
    K6 = "k6"

    @property
    def is_load_test(self) -> bool:
        """Load tests give one aggregate result, not request records."""
        return self in (Format.LOCUST, Format.K6)


class Layout(enum.Enum):
    """How records are laid out in the file."""

    JSON_LINES = "jsonl"  # one JSON value per line (streamed)
    JSON_DOCUMENT = "json"  # one JSON document (loaded whole)
    JSON_STREAM = "json-stream"  # JSON values one after another, pretty-printed (streamed)
    CSV = "csv"


class Detection(NamedTuple):
    """What a file is and how to read it."""

    format: Format
    layout: Layout


def classify_object(obj: object) -> Format | None:
    """The format of one parsed JSON record, in priority order, or None."""
    if not isinstance(obj, Mapping):
        return None
    if otlp.is_otlp_document(obj):
        return Format.OTLP
    if console.is_console_span(obj):
        return Format.OTEL_CONSOLE
    if providers.is_provider_object(obj):
        return Format.PROVIDER
    if gateways.is_litellm(obj):
        return Format.LITELLM
    if gateways.is_langfuse(obj):
        return Format.LANGFUSE
    if gateways.is_langsmith(obj):
        return Format.LANGSMITH
    if applog.is_app_log(obj):
        return Format.APP_LOG
    if loadtest.is_k6_summary(obj):
        return Format.K6
    return None


def document_items(doc: object) -> list[Any]:
    """The records inside one JSON document: an array, an API page, or the object."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, Mapping):
        for key in ("data", "runs", "observations", "items"):  # API pages and exports
            inner = doc.get(key)
            if isinstance(inner, list) and classify_object(doc) is None:
                return inner
        return [doc]
    return []


def classify_document(doc: object) -> Format | None:
    """The format of a whole JSON document, from its first recognisable record."""
    direct = classify_object(doc)
    if direct is not None:
        return direct
    for item in document_items(doc)[:_PROBE_LINES]:
        found = classify_object(item)
        if found is not None:
            return found
    return None


def load_document(path: Path) -> Any:
    """Parse a whole file as one JSON document (bounded in size)."""
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(f"a single JSON document of {size // 2**20} MiB is too large to "
                         "load; export it as JSON Lines", path=str(path))
    try:
        return loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except MalformedRecord as exc:
        raise InputError(f"not telemetry: {exc}; {EXPECTED}", path=str(path)) from None


MAX_LINE_BYTES = 64 * 1024 * 1024  # a longer line is reported as malformed, never held whole


def bounded_lines(handle: BinaryIO, limit: int | None = None) -> Iterator[bytes | None]:
    """The lines of ``handle``, each at most ``limit`` bytes (default MAX_LINE_BYTES);
    None in place of a longer line, whose rest is read past in chunks, never held in memory."""
    limit = MAX_LINE_BYTES if limit is None else limit
    while raw := handle.readline(limit + 1):
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = handle.readline(1024 * 1024)
        yield None


def _head(path: Path) -> list[bytes]:
    """The first non-blank lines (up to the probe count), or InputError."""
    try:
        with path.open("rb") as handle:
            head = [line or b"" for _, line in zip(range(_PROBE_LINES), bounded_lines(handle),
                                                   strict=False)]
    except OSError as exc:
        raise InputError(f"cannot read telemetry file: {exc.strerror}", path=str(path)) from None
    lines = [line.strip() for line in head]
    if lines:
        lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")
    lines = [line for line in lines if line]
    if not lines:
        raise InputError(f"empty file; {EXPECTED}", path=str(path))
    if b"\x00" in lines[0]:
        raise InputError(f"binary file; {EXPECTED}", path=str(path))
    return lines


def detect(path: Path) -> Detection:
    """Recognise ``path`` or raise InputError naming it and what was expected."""
    lines = _head(path)
    if lines[0][:1] in (b"{", b"["):
        return _detect_json(path, lines)
    return _detect_csv(path, lines[0])


def detect_mapped(path: Path, fields: Mapping[str, str]) -> Detection:
    """How to read a file through a field mapping: JSON Lines, one JSON document or CSV.

    InputError when none of the first lines has any mapped field: the paths are wrong.
    """
    lines = _head(path)
    where = ", ".join(f"{k}={v}" for k, v in fields.items())
    if lines[0][:1] not in (b"{", b"["):
        try:
            header = next(csv.reader([lines[0].decode("utf-8")]))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            raise InputError("neither JSON nor CSV", path=str(path)) from None
        missing = sorted(set(fields.values()) - set(header))
        if missing:
            raise InputError(f"CSV has no column {missing[0]!r} named in the field mapping",
                             path=str(path))
        return Detection(Format.MAPPED, Layout.CSV)
    parsed: list[object] = []
    for line in lines:
        try:
            parsed.append(loads(line))
        except MalformedRecord:
            continue
    if not parsed or isinstance(parsed[0], list):
        items = document_items(load_document(path))[:_PROBE_LINES]
        layout = Layout.JSON_DOCUMENT
    else:
        items, layout = parsed, Layout.JSON_LINES
    if not any(has_any(item, fields) for item in items):
        raise InputError(f"none of the first {len(items)} records has any mapped field "
                         f"({where}): check the paths", path=str(path))
    return Detection(Format.MAPPED, layout)


def _detect_json(path: Path, lines: list[bytes]) -> Detection:
    first_line_failed = False
    for index, line in enumerate(lines):
        try:
            parsed = loads(line)
        except MalformedRecord:
            first_line_failed = first_line_failed or index == 0
            continue  # a truncated or corrupt line; the reader will report it
        found = classify_object(parsed)
        if found is Format.K6:
            return Detection(found, Layout.JSON_DOCUMENT)
        if found is not None:
            return Detection(found, Layout.JSON_LINES)
        found = classify_document(parsed)  # a compact array or API page on one line
        if found is not None and not found.is_load_test:
            return Detection(found, Layout.JSON_DOCUMENT)
    if first_line_failed:
        # The first line is not JSON on its own: pretty-printed values one after another
        # (ConsoleSpanExporter), or one pretty-printed document.
        streamed = _detect_stream(path)
        if streamed is not None:
            return streamed
        found = classify_document(load_document(path))
        if found is not None:
            return Detection(found, Layout.JSON_DOCUMENT)
    raise InputError(f"JSON but not telemetry; {EXPECTED}; {HOW_TO_MAP}", path=str(path))


def _detect_stream(path: Path) -> Detection | None:
    """Pretty-printed JSON values one after another, recognised from the first value."""
    with path.open("rb") as handle:
        values = json_values(handle, MAX_LINE_BYTES)
        first = next(values, (0, None))[1]
        second = next(values, None)
    found = classify_object(first)
    if found is Format.OTEL_CONSOLE or (second is not None and found is not None
                                        and not found.is_load_test):
        return Detection(found, Layout.JSON_STREAM)
    return None


def _detect_csv(path: Path, first: bytes) -> Detection:
    try:
        header = next(csv.reader([first.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise InputError(f"not telemetry; {EXPECTED}; {HOW_TO_MAP}", path=str(path)) from None
    if loadtest.is_locust_header(header):
        return Detection(Format.LOCUST, Layout.CSV)
    if {"traceId", "type", "startTime"} <= set(header):
        return Detection(Format.LANGFUSE, Layout.CSV)
    raise InputError(f"not telemetry; {EXPECTED}; {HOW_TO_MAP}", path=str(path))
